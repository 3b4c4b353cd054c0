/**
 * The profile index: which folders are InSpec profiles (they hold an `inspec.yml`), their metadata, and every
 * control of their `controls/**\/*.rb` files with its file and line range. Plain data in, plain data out: the
 * VS Code adapter (src/authoring) feeds it file texts and turns its problems into diagnostics.
 */
import { dirname, relative, sep } from 'node:path';
import { parseInspecYml, type ManifestResult, type ProfileManifest } from './inspecYml';
import { scanControls, type ControlBlock, type SourceProblem } from './rubyScanner';

export { parseInspecYml, scanControls };
export type { ControlBlock, ManifestResult, ProfileManifest, SourceProblem };
export type { ProfileDependency, ProfileInput } from './inspecYml';

/** A profile found in a file list, before anything is read. */
export interface ProfileLocation {
  /** The folder that holds `inspec.yml`. */
  readonly root: string;
  readonly manifestPath: string;
  /** `controls/**\/*.rb` files of this profile (not of a profile nested inside it), sorted. */
  readonly controlFiles: string[];
}

/** Folders that never hold the user's profiles: dependencies, VCS data, the auditor's vendored and cached profiles. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', 'vendor', '.inspec', 'inspec-cache']);

function segments(p: string): string[] {
  return p.split(/[\\/]+/).filter(Boolean);
}

/**
 * Finds the profiles in a list of file paths (absolute or all relative to one root): every `inspec.yml` outside
 * vendored/cached folders is a profile root; each `.rb` file under `ROOT/controls/` belongs to the innermost root.
 */
export function findProfiles(files: readonly string[]): ProfileLocation[] {
  const roots = new Map<string, { manifestPath: string; controlFiles: string[] }>();
  for (const f of files) {
    const segs = segments(f);
    if (segs[segs.length - 1] !== 'inspec.yml') continue;
    if (segs.slice(0, -1).some((s) => IGNORED_DIRS.has(s))) continue;
    roots.set(dirname(f), { manifestPath: f, controlFiles: [] });
  }
  for (const f of files) {
    if (!f.endsWith('.rb')) continue;
    const root = owningRoot(f, roots.keys());
    if (root !== undefined) roots.get(root)!.controlFiles.push(f);
  }
  return [...roots.entries()]
    .map(([root, v]) => ({ root, manifestPath: v.manifestPath, controlFiles: v.controlFiles.sort() }))
    .sort((a, b) => a.root.localeCompare(b.root));
}

/** The innermost profile root whose `controls/` folder holds `file`, or undefined. */
export function owningRoot(file: string, roots: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const root of roots) {
    const rel = relative(root, file);
    if (!rel || rel.startsWith('..') || /^[a-zA-Z]:/.test(rel) || rel.startsWith(sep + sep)) continue;
    const segs = segments(rel);
    if (segs[0] !== 'controls' || segs.length < 2) continue;
    if (segs.slice(1, -1).some((s) => IGNORED_DIRS.has(s))) continue;
    if (best === undefined || root.length > best.length) best = root;
  }
  return best;
}

/** What changed in a control file between two versions, by control id and block text. */
export interface ControlChanges {
  readonly added: string[];
  readonly removed: string[];
  /** Ids present in both versions whose block text differs (moving a block alone is not a change). */
  readonly changed: string[];
  readonly unchanged: string[];
}

export function diffControls(before: readonly ControlBlock[] | string, after: readonly ControlBlock[] | string): ControlChanges {
  const a = typeof before === 'string' ? scanControls(before).controls : before;
  const b = typeof after === 'string' ? scanControls(after).controls : after;
  // with duplicate ids in one file, compare the concatenated texts
  const texts = (blocks: readonly ControlBlock[]) => {
    const m = new Map<string, string>();
    for (const c of blocks) m.set(c.id, m.has(c.id) ? `${m.get(c.id)}\u0000${c.text}` : c.text);
    return m;
  };
  const ta = texts(a);
  const tb = texts(b);
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const [id, text] of tb) {
    if (!ta.has(id)) added.push(id);
    else if (normalizeEol(ta.get(id)!) !== normalizeEol(text)) changed.push(id);
    else unchanged.push(id);
  }
  const removed = [...ta.keys()].filter((id) => !tb.has(id));
  return { added, removed, changed, unchanged };
}

function normalizeEol(s: string): string {
  return s.replace(/\r\n/g, '\n');
}

export interface IndexedFile {
  readonly path: string;
  readonly text: string;
  readonly controls: ControlBlock[];
  readonly problems: SourceProblem[];
}

export interface IndexedProfile {
  readonly root: string;
  readonly manifestPath: string;
  /** From `inspec.yml`; undefined while it is invalid. */
  readonly manifest?: ProfileManifest;
  readonly manifestProblems: SourceProblem[];
  /** Control files by path. */
  readonly files: Map<string, IndexedFile>;
}

export interface DuplicateControl {
  readonly profileRoot: string;
  readonly id: string;
  readonly locations: Array<{ file: string; line: number; column: number }>;
}

/** Which profile and file a control id belongs to. */
export interface ControlLocation {
  readonly profile: IndexedProfile;
  readonly file: IndexedFile;
  readonly control: ControlBlock;
}

/**
 * The live index: the adapter calls `setManifest` / `setControlFile` / `removeFile` as files appear, change or
 * go away. `setControlFile` returns the change against the previously indexed text of that file, which is what
 * run-on-save uses to re-run only the controls that changed.
 */
export class ProfileIndex {
  private readonly byRoot = new Map<string, IndexedProfile>();
  /** Control files seen before their profile's inspec.yml (or outside any profile): kept to attach later. */
  private readonly orphans = new Map<string, string>();

  get profiles(): IndexedProfile[] {
    return [...this.byRoot.values()].sort((a, b) => a.root.localeCompare(b.root));
  }

  profile(root: string): IndexedProfile | undefined {
    return this.byRoot.get(root);
  }

  profileOf(file: string): IndexedProfile | undefined {
    if (this.byRoot.has(file)) return this.byRoot.get(file);
    const manifestRoot = segments(file).pop() === 'inspec.yml' ? dirname(file) : undefined;
    if (manifestRoot && this.byRoot.has(manifestRoot)) return this.byRoot.get(manifestRoot);
    const root = owningRoot(file, this.byRoot.keys());
    return root === undefined ? undefined : this.byRoot.get(root);
  }

  file(path: string): IndexedFile | undefined {
    return this.profileOf(path)?.files.get(path);
  }

  isManifest(path: string): boolean {
    const segs = segments(path);
    return segs[segs.length - 1] === 'inspec.yml' && !segs.slice(0, -1).some((s) => IGNORED_DIRS.has(s));
  }

  isControlFile(path: string): boolean {
    return path.endsWith('.rb') && owningRoot(path, this.byRoot.keys()) !== undefined;
  }

  /** Adds or updates a profile from its `inspec.yml` text. */
  setManifest(manifestPath: string, text: string): IndexedProfile {
    const root = dirname(manifestPath);
    const parsed = parseInspecYml(text);
    const existing = this.byRoot.get(root);
    const profile: IndexedProfile = {
      root,
      manifestPath,
      manifest: parsed.manifest,
      manifestProblems: parsed.problems,
      files: existing?.files ?? new Map(),
    };
    this.byRoot.set(root, profile);
    if (!existing) {
      // files that now belong to this (inner) profile move over from an outer one, and waiting orphans attach
      for (const other of this.byRoot.values()) {
        if (other === profile) continue;
        for (const [path, f] of other.files) {
          if (owningRoot(path, this.byRoot.keys()) === root) {
            other.files.delete(path);
            profile.files.set(path, f);
          }
        }
      }
      for (const [path, t] of this.orphans) {
        if (owningRoot(path, [root]) === root) {
          this.orphans.delete(path);
          this.setControlFile(path, t);
        }
      }
    }
    return profile;
  }

  /** Indexes (or re-indexes) a control file; returns what changed since the version indexed before. */
  setControlFile(path: string, text: string): ControlChanges & { file?: IndexedFile } {
    const profile = this.profileOf(path);
    if (!profile) {
      this.orphans.set(path, text);
      return { added: [], removed: [], changed: [], unchanged: [] };
    }
    const before = profile.files.get(path);
    const scanned = scanControls(text);
    const file: IndexedFile = { path, text, controls: scanned.controls, problems: scanned.problems };
    profile.files.set(path, file);
    return { ...diffControls(before?.controls ?? [], file.controls), file };
  }

  /** Forgets a file or a whole profile (when its inspec.yml or its folder goes away). */
  removeFile(path: string): void {
    this.orphans.delete(path);
    if (this.isManifest(path) && this.byRoot.has(dirname(path))) {
      const root = dirname(path);
      const gone = this.byRoot.get(root)!;
      this.byRoot.delete(root);
      for (const [p, f] of gone.files) this.orphans.set(p, f.text);
      // an outer profile may own those files now
      for (const [p, t] of [...this.orphans]) if (this.profileOf(p)) {
        this.orphans.delete(p);
        this.setControlFile(p, t);
      }
      return;
    }
    for (const profile of this.byRoot.values()) {
      profile.files.delete(path);
      // a deleted folder: drop every file below it
      const prefix = path.endsWith(sep) ? path : path + sep;
      for (const p of [...profile.files.keys()]) if (p.startsWith(prefix)) profile.files.delete(p);
    }
    for (const root of [...this.byRoot.keys()]) if (root === path || root.startsWith(path.endsWith(sep) ? path : path + sep)) this.byRoot.delete(root);
  }

  /** Control ids defined more than once in one profile (InSpec would silently merge or override them). */
  duplicates(): DuplicateControl[] {
    const out: DuplicateControl[] = [];
    for (const profile of this.profiles) {
      const seen = new Map<string, Array<{ file: string; line: number; column: number }>>();
      for (const f of [...profile.files.values()].sort((a, b) => a.path.localeCompare(b.path))) {
        for (const c of f.controls) {
          if (c.dynamic) continue;
          const list = seen.get(c.id) ?? [];
          list.push({ file: f.path, line: c.startLine, column: c.startColumn });
          seen.set(c.id, list);
        }
      }
      for (const [id, locations] of seen) if (locations.length > 1) out.push({ profileRoot: profile.root, id, locations });
    }
    return out;
  }

  /** Finds a control by id within a profile (first definition). */
  findControl(root: string, id: string): ControlLocation | undefined {
    const profile = this.byRoot.get(root);
    if (!profile) return undefined;
    for (const file of [...profile.files.values()].sort((a, b) => a.path.localeCompare(b.path))) {
      const control = file.controls.find((c) => c.id === id);
      if (control) return { profile, file, control };
    }
    return undefined;
  }
}
