import type { Control, Report, SourceContext, SourceLookup, SourceResolution } from './types';

/**
 * Finds a control's source file and line from its `source_location` (results-semantics §5). File access is injected
 * (`SourceLookup`), so this runs against the workspace in the extension and against a fake file system in tests.
 * Paths are handled with `/` separators (no Node `path`: this module is also bundled into the webview).
 *
 * Order, first hit wins:
 *  1. an absolute ref that exists;
 *  2. a relative ref joined to the scan's cwd, then each profile root's parent, then the profile root;
 *  3. the ref with its `<profile>-<sha|branch>/` or `…/cache/<sha>/` prefix stripped: `controls/<file>.rb` matched by
 *     suffix, preferring the profile folder whose `inspec.yml` `name` is the control's profile (then any overlay layer's);
 *  4. generated ids `(generated from <file>:<line> <md5>)`: that file and line (their ref is InSpec's own
 *     `control_eval_context.rb`, so for them this comes first);
 *  5. the `groups[].id` file that lists the control, searched for `control '<id>'`;
 *  6. otherwise not found (the caller shows the embedded code).
 * Whenever the file is read, the line is corrected to the `control '<id>'` line if the stated one is not it
 * (STIG profiles say line 1; a workspace copy may have moved since the scan).
 */
export async function resolveSourceLocation(report: Report, control: Control, lookup: SourceLookup, ctx: SourceContext = {}): Promise<SourceResolution> {
  const tried: string[] = [];
  const exists = async (p: string): Promise<boolean> => {
    tried.push(p);
    try {
      return await lookup.exists(p);
    } catch {
      return false;
    }
  };
  const roots = (ctx.profileRoots ?? []).map(normalizePath);
  // Suffix matches prefer the profile folder whose inspec.yml name is the control's profile, then its overlay layers', then the report's others.
  const wanted = [...new Set([control.profileName, ...control.layers, ...report.profiles.map((p) => p.name)])];

  const generated = parseGeneratedId(control.id);
  if (generated) {
    // The id names the file as InSpec loaded it (usually a bare `example.rb`): try the group file of the same name,
    // then `controls/<file>`, then the name as given.
    const file = generated.file.replace(/\\/g, '/');
    const base = file.split('/').pop()!;
    const group = control.groupFile?.replace(/\\/g, '/');
    const names = [group && group.split('/').pop() === base ? group : undefined, file.includes('/') ? file : `controls/${file}`, file];
    for (const n of [...new Set(names.filter((x): x is string => !!x))]) {
      const hit = (await findRelative(n, ctx, roots, exists)) ?? (await findBySuffix(suffixOf(n) ?? n, wanted, lookup, tried));
      if (hit) return { found: true, path: hit.path, line: generated.line, via: 'generated' };
    }
  }

  const sl = control.sourceLocation;
  if (sl && sl.ref && !(generated && isInspecInternal(sl.ref))) {
    const ref = sl.ref.replace(/\\/g, '/');
    if (isAbsolute(ref)) {
      const p = normalizePath(ref);
      if (await exists(p)) return { found: true, path: p, line: await refineLine(p, sl.line, control.id, lookup), via: 'absolute' };
    } else {
      const hit = await findRelative(ref, ctx, roots, exists);
      if (hit) return { found: true, path: hit.path, line: await refineLine(hit.path, sl.line, control.id, lookup), via: hit.via };
    }
    const suffix = suffixOf(ref);
    if (suffix) {
      const hit = await findBySuffix(suffix, wanted, lookup, tried);
      if (hit) return { found: true, path: hit.path, line: await refineLine(hit.path, sl.line, control.id, lookup), via: 'suffix' };
    }
  }

  if (control.groupFile) {
    const g = control.groupFile.replace(/\\/g, '/');
    const hit = (isAbsolute(g) ? ((await exists(normalizePath(g))) ? { path: normalizePath(g) } : undefined) : await findRelative(g, ctx, roots, exists))
      ?? (await findBySuffix(suffixOf(g) ?? g, wanted, lookup, tried));
    if (hit) return { found: true, path: hit.path, line: (await findControlLine(hit.path, control.id, lookup)) ?? 1, via: 'group' };
  }

  const what = sl?.ref ? `"${sl.ref}"` : 'no source_location';
  return {
    found: false,
    reason: `source of control ${control.id} not found: the report says ${what}${control.groupFile ? ` (group ${control.groupFile})` : ''}, and no workspace file matched${
      tried.length ? ` (tried ${tried.length} path${tried.length === 1 ? '' : 's'})` : ''
    }. Open the profile's folder in the workspace to link it; the control's code is shown instead.`,
  };
}

type Via = 'cwd' | 'profile-parent' | 'profile-root';

async function findRelative(ref: string, ctx: SourceContext, roots: readonly string[], exists: (p: string) => Promise<boolean>): Promise<{ path: string; via: Via } | undefined> {
  const bases: Array<[string, Via]> = [];
  if (ctx.cwd) bases.push([normalizePath(ctx.cwd), 'cwd']);
  for (const r of roots) bases.push([dirname(r), 'profile-parent']);
  for (const r of roots) bases.push([r, 'profile-root']);
  for (const [base, via] of bases) {
    const p = joinPath(base, ref);
    if (await exists(p)) return { path: p, via };
  }
  return undefined;
}

async function findBySuffix(suffix: string, wanted: readonly string[], lookup: SourceLookup, tried: string[]): Promise<{ path: string } | undefined> {
  let files: readonly string[];
  try {
    files = (await lookup.findFiles(suffix)).map(normalizePath);
  } catch {
    return undefined;
  }
  tried.push(`**/${suffix}`);
  if (files.length === 0) return undefined;
  if (files.length === 1) return { path: files[0] };
  // Several copies: prefer the profile whose inspec.yml name comes first in `wanted`.
  const depth = suffix.split('/').length;
  const named = await Promise.all(
    files.map(async (f) => {
      const root = f.split('/').slice(0, -depth).join('/');
      return { f, name: await profileName(`${root}/inspec.yml`, lookup) };
    }),
  );
  for (const w of wanted) {
    const hit = named.find((n) => n.name === w);
    if (hit) return { path: hit.f };
  }
  return { path: [...files].sort((a, b) => a.length - b.length || a.localeCompare(b))[0] };
}

async function profileName(inspecYml: string, lookup: SourceLookup): Promise<string | undefined> {
  let text: string | undefined;
  try {
    text = await lookup.readFile(inspecYml);
  } catch {
    return undefined;
  }
  const m = text ? /^name:[ \t]*(['"]?)(.+?)\1[ \t]*(?:#.*)?$/m.exec(text) : null;
  return m ? m[2].trim() : undefined;
}

/** `controls/<file>.rb` (from the last `controls` folder on) of a ref, or undefined. */
export function suffixOf(ref: string): string | undefined {
  const parts = ref.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  const i = parts.lastIndexOf('controls');
  if (i < 0 || i === parts.length - 1) return undefined;
  return parts.slice(i).join('/');
}

/** `(generated from example.rb:7 9d4b…)` → { file: 'example.rb', line: 7 }. */
export function parseGeneratedId(id: string): { file: string; line: number } | undefined {
  const m = /^\(generated from (.+?):(\d+)(?: [0-9a-fA-F]+)?\)$/.exec(id.trim());
  return m ? { file: m[1], line: Number(m[2]) } : undefined;
}

const isInspecInternal = (ref: string): boolean => /(^|\/)lib\/inspec\//.test(ref.replace(/\\/g, '/'));

async function refineLine(path: string, stated: number, id: string, lookup: SourceLookup): Promise<number> {
  let text: string | undefined;
  try {
    text = await lookup.readFile(path);
  } catch {
    return stated;
  }
  if (text === undefined) return stated;
  const lines = text.split(/\r?\n/);
  const re = controlLineRe(id);
  if (stated >= 1 && stated <= lines.length && re.test(lines[stated - 1])) return stated;
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : stated;
}

async function findControlLine(path: string, id: string, lookup: SourceLookup): Promise<number | undefined> {
  let text: string | undefined;
  try {
    text = await lookup.readFile(path);
  } catch {
    return undefined;
  }
  const i = text?.split(/\r?\n/).findIndex((l) => controlLineRe(id).test(l)) ?? -1;
  return i >= 0 ? i + 1 : undefined;
}

/** Matches `control 'ID'`, `control "ID"`, `control('ID')`. */
export function controlLineRe(id: string): RegExp {
  const e = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*control\\s*\\(?\\s*(['"])${e}\\1`);
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:\//.test(p);
}

/** Resolves `.` and `..`, collapses `//`, keeps a leading `/` or drive letter. */
export function normalizePath(p: string): string {
  const s = p.replace(/\\/g, '/');
  const drive = /^[A-Za-z]:\//.exec(s)?.[0] ?? '';
  const abs = drive !== '' || s.startsWith('/');
  const out: string[] = [];
  for (const part of s.slice(drive.length).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(part);
  }
  return (drive || (abs ? '/' : '')) + out.join('/');
}

export function joinPath(base: string, rel: string): string {
  return normalizePath(`${base}/${rel}`);
}

export function dirname(p: string): string {
  const n = normalizePath(p);
  const i = n.lastIndexOf('/');
  return i <= 0 ? (n.startsWith('/') ? '/' : '.') : n.slice(0, i);
}
