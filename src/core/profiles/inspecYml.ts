/**
 * Parses a profile's `inspec.yml` (the profile metadata file) with the `yaml` package and checks the fields the
 * extension relies on. Problems carry 1-based lines and 0-based columns so that the adapter can show them as
 * diagnostics on the right line.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { SourceProblem } from './rubyScanner';

export interface ProfileInput {
  readonly name: string;
  readonly type?: string;
  readonly value?: unknown;
  readonly required?: boolean;
  readonly sensitive?: boolean;
  readonly description?: string;
}

export interface ProfileDependency {
  readonly name?: string;
  readonly path?: string;
  readonly url?: string;
  readonly git?: string;
  readonly branch?: string;
  readonly tag?: string;
  readonly supermarket?: string;
  readonly compliance?: string;
}

export interface ProfileManifest {
  readonly name: string;
  readonly title?: string;
  readonly version?: string;
  readonly maintainer?: string;
  readonly summary?: string;
  readonly license?: string;
  readonly inputs: ProfileInput[];
  readonly depends: ProfileDependency[];
  readonly supports: Array<Record<string, string>>;
}

export interface ManifestResult {
  /** Undefined when the file cannot be used (invalid YAML, not a mapping, no `name`). */
  readonly manifest?: ProfileManifest;
  readonly problems: SourceProblem[];
}

const DEPENDENCY_SOURCES = ['path', 'url', 'git', 'supermarket', 'compliance'] as const;

export function parseInspecYml(text: string): ManifestResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: SourceProblem[] = [];
  const at = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: Math.max(0, p.col - 1) };
  };
  const nodeAt = (node: YamlNode | null | undefined) => at(node?.range?.[0]);
  const push = (pos: Pos, message: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ ...pos, message, severity });

  for (const e of doc.errors) push(at(e.pos[0]), `inspec.yml is not valid YAML: ${firstLine(e.message)}`);
  if (doc.errors.length) return { problems };
  for (const w of doc.warnings) push(at(w.pos[0]), firstLine(w.message), 'warning');

  const root = doc.contents;
  if (!isMap(root)) {
    push(nodeAt(root), 'inspec.yml must be a mapping of keys (name, title, version, …), e.g. `name: my-profile`');
    return { problems };
  }
  const js = doc.toJS() as Record<string, unknown>;
  const field = (key: string) => root.items.find((p) => isScalar(p.key) && p.key.value === key);

  const nameValue = js.name;
  if (nameValue === undefined || nameValue === null || nameValue === '') {
    push({ line: 1, column: 0 }, 'inspec.yml has no `name`: add a line like `name: my-profile` (InSpec requires it)');
  } else if (typeof nameValue !== 'string') {
    push(nodeAt(field('name')?.value as YamlNode), '`name` must be a string');
  }
  const str = (key: string): string | undefined => {
    const v = js[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && key === 'version') {
      const node = field(key)?.value as YamlNode | undefined;
      const written = node?.range ? text.slice(node.range[0], node.range[1]).trim() : String(v);
      push(nodeAt(node), `\`version\` should be a quoted string ("${written}"): YAML reads ${written} as a number`, 'warning');
      return written;
    }
    push(nodeAt(field(key)?.value as YamlNode), `\`${key}\` must be a string`);
    return undefined;
  };
  const version = str('version');
  if (version !== undefined && !/^\d+\.\d+\.\d+([-+].*)?$/.test(version)) {
    push(nodeAt(field('version')?.value as YamlNode), `\`version\` "${version}" is not a semantic version (e.g. 1.0.0)`, 'warning');
  }

  const inputs = listOf('inputs', field, push, nodeAt, (item, node) => {
    if (!isPlainObject(item) || typeof item.name !== 'string' || !item.name) {
      push(nodeAt(node), 'each input needs a `name` (e.g. `- name: allowed_shells`)');
      return undefined;
    }
    return {
      name: item.name,
      type: typeof item.type === 'string' ? item.type : undefined,
      value: item.value,
      required: typeof item.required === 'boolean' ? item.required : undefined,
      sensitive: typeof item.sensitive === 'boolean' ? item.sensitive : undefined,
      description: typeof item.description === 'string' ? item.description : undefined,
    } satisfies ProfileInput;
  });
  if (js.attributes !== undefined) push(nodeAt(field('attributes')?.key as YamlNode), '`attributes` is the old name of `inputs`', 'warning');

  const depends = listOf('depends', field, push, nodeAt, (item, node) => {
    if (!isPlainObject(item)) {
      push(nodeAt(node), 'each dependency must be a mapping with `name` and one of path, url, git, supermarket, compliance');
      return undefined;
    }
    if (!DEPENDENCY_SOURCES.some((k) => typeof item[k] === 'string')) {
      push(nodeAt(node), `dependency ${typeof item.name === 'string' ? `"${item.name}" ` : ''}needs a source: one of ${DEPENDENCY_SOURCES.join(', ')}`);
    }
    const out: Record<string, string> = {};
    for (const k of ['name', ...DEPENDENCY_SOURCES, 'branch', 'tag']) if (typeof item[k] === 'string') out[k] = item[k] as string;
    return out as ProfileDependency;
  });

  const supports = listOf('supports', field, push, nodeAt, (item, node) => {
    if (!isPlainObject(item)) {
      push(nodeAt(node), 'each `supports` entry must be a mapping, e.g. `- platform: unix`');
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(item)) out[k] = String(v);
    return out;
  });

  if (typeof nameValue !== 'string' || !nameValue) return { problems };
  return {
    manifest: {
      name: nameValue,
      title: str('title'),
      version,
      maintainer: str('maintainer'),
      summary: str('summary'),
      license: str('license'),
      inputs,
      depends,
      supports,
    },
    problems,
  };
}

type Pos = { line: number; column: number };

function listOf<T>(
  key: string,
  field: (key: string) => { key: unknown; value: unknown } | undefined,
  push: (pos: Pos, message: string, severity?: 'error' | 'warning') => void,
  nodeAt: (node: YamlNode | null | undefined) => Pos,
  each: (item: Record<string, unknown>, node: YamlNode | undefined) => T | undefined,
): T[] {
  const pair = field(key);
  if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return [];
  const value = pair.value as YamlNode;
  if (!isSeq(value)) {
    push(nodeAt(value), `\`${key}\` must be a list (items starting with \`- \`)`);
    return [];
  }
  const out: T[] = [];
  for (const node of value.items) {
    const js = isScalar(node) ? node.value : (node as { toJSON?: () => unknown }).toJSON?.();
    const r = each(js as Record<string, unknown>, node as YamlNode);
    if (r !== undefined) out.push(r);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/\s+at line \d+, column \d+:?$/, '');
}
