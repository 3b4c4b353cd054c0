import { contextualizeEvaluation, hdfWrapControl, type ContextualizedControl, type ExecJSON } from 'inspecjs';
import { ReportError } from './errors';
import { findJsonSyntaxError } from './jsonSyntax';
import type {
  Control,
  ControlDescription,
  ControlResult,
  ControlStatus,
  Platform,
  ProfileDependency,
  ProfileInfo,
  Report,
  ReportInput,
  ResultStatus,
  Severity,
  Waiver,
} from './types';
import { SEVERITIES } from './types';

/** Reports above this size are refused before parsing (a JSON.parse of that much text needs several times as much memory). */
export const DEFAULT_MAX_REPORT_BYTES = 256 * 1024 * 1024;

export interface ParseOptions {
  /** Refuse text longer than this many characters (default 256 MiB). */
  readonly maxBytes?: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const describeType = (v: unknown): string =>
  v === null ? 'null' : v === '' ? 'an empty string' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
const mib = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`);

/**
 * Reads an InSpec / CINC Auditor exec JSON (HDF) report: the file's text, its bytes, or an already parsed object.
 * Throws a `ReportError` saying what is wrong and where; never returns a partial model.
 */
export function parseReport(input: string | unknown, options: ParseOptions = {}): Report {
  const data = typeof input === 'string' || input instanceof Uint8Array ? parseJsonText(input, options) : input;
  try {
    return buildReport(data);
  } catch (e) {
    if (e instanceof ReportError) throw e;
    // A shape this reader did not foresee: still a ReportError (the caller shows it), never a half-built model.
    throw new ReportError('invalid', `the report could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseJsonText(input: string | Uint8Array, options: ParseOptions): unknown {
  const max = options.maxBytes ?? DEFAULT_MAX_REPORT_BYTES;
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > max) {
    throw new ReportError('too-large', `the report is ${mib(size)}, more than the ${mib(max)} this reader accepts — is it really one scan's JSON report?`);
  }
  let text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new ReportError('empty', `the report is empty (${size} bytes) — the scan did not write its JSON report (did it fail before the end? see the scan's terminal)`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw jsonError(text, e instanceof Error ? e.message : String(e));
  }
}

function jsonError(text: string, v8Message: string): ReportError {
  const found = findJsonSyntaxError(text);
  if (!found) return new ReportError('not-json', `not JSON: ${v8Message}`);
  const before = text.slice(0, found.pos);
  const byte = new TextEncoder().encode(before).length;
  if (found.truncated) {
    return new ReportError(
      'truncated',
      `not JSON: unexpected end at byte ${byte} — the report file looks truncated (did the scan stop early, or is it still being written?)`,
      undefined,
      byte,
    );
  }
  const line = before.split('\n').length;
  const column = found.pos - before.lastIndexOf('\n');
  return new ReportError('not-json', `not JSON: ${found.problem} at byte ${byte} (line ${line}, column ${column})`, undefined, byte);
}

/** Normalised copy of one control, handed to inspecjs (which trusts its input's types). */
interface NormControl {
  readonly raw: Json;
  readonly path: string;
  /** What inspecjs sees. */
  readonly forInspecjs: Json;
  readonly hadResults: boolean;
}

function invalid(path: string, what: string, got: unknown): ReportError {
  return new ReportError('invalid', `${path}: expected ${what}, got ${describeType(got)} — this is not a valid InSpec exec JSON (HDF) report`, path);
}

function buildReport(data: unknown): Report {
  if (!isObject(data)) {
    throw new ReportError(
      'not-object',
      `expected a JSON object with a "profiles" array (InSpec / CINC Auditor exec JSON, HDF), got ${describeType(data)}`,
    );
  }
  if (!('profiles' in data)) {
    if (Array.isArray(data.controls) && typeof data.name === 'string') {
      throw new ReportError(
        'not-a-report',
        `this is a profile's JSON (the output of "inspec json"/"cinc-auditor json"), not scan results: it has no "profiles" array and no results. Run "cinc-auditor exec PROFILE --reporter json:FILE" and open FILE`,
      );
    }
    throw new ReportError('not-a-report', `no "profiles" array at the top level — this is not an InSpec / CINC Auditor exec JSON (HDF) report`, 'profiles');
  }
  if (!Array.isArray(data.profiles)) throw invalid('profiles', 'an array', data.profiles);
  if (data.profiles.length === 0) {
    throw new ReportError('invalid', `"profiles" is empty — the report holds no profile, so there are no controls to show (did the profile fail to load?)`, 'profiles');
  }

  const warnings: string[] = [];
  const norms: NormControl[][] = [];
  const profilesForInspecjs: Json[] = [];
  data.profiles.forEach((p: unknown, pi: number) => {
    const ppath = `profiles[${pi}]`;
    if (!isObject(p)) throw invalid(ppath, 'an object', p);
    if (typeof p.name !== 'string' || p.name === '') throw invalid(`${ppath}.name`, 'a non-empty string', p.name);
    let controls = p.controls;
    if (controls === undefined) {
      warnings.push(`${ppath} ("${p.name}") has no "controls" list; treated as empty`);
      controls = [];
    }
    if (!Array.isArray(controls)) throw invalid(`${ppath}.controls`, 'an array', controls);
    const list = controls.map((c: unknown, ci: number) => normaliseControl(c, `${ppath}.controls[${ci}]`, warnings));
    norms.push(list);
    profilesForInspecjs.push({ ...p, controls: list.map((n) => n.forInspecjs) });
  });

  let evaluation: { contains: ReadonlyArray<{ contains: readonly ContextualizedControl[] }> };
  try {
    evaluation = standalone(profilesForInspecjs) ?? contextualizeEvaluation({ ...data, profiles: profilesForInspecjs } as unknown as ExecJSON.Execution);
  } catch (e) {
    throw new ReportError('invalid', `the report's controls could not be evaluated: ${e instanceof Error ? e.message : String(e)}`);
  }

  const byContext = new Map<ContextualizedControl, NormControl>();
  evaluation.contains.forEach((pc, pi) => pc.contains.forEach((cc, ci) => byContext.set(cc, norms[pi][ci])));

  const profiles = data.profiles.map((p) => profileInfo(p as Json));
  for (const p of profiles) {
    if (p.status === 'skipped' || p.status === 'failed') {
      const why = p.statusMessage || p.skipMessage;
      warnings.push(`profile "${p.name}" ${p.status === 'skipped' ? 'was skipped' : 'failed to load'}${why ? `: ${why}` : ''} — its controls did not run`);
    }
  }
  const controls: Control[] = [];
  const usedKeys = new Set<string>();
  evaluation.contains.forEach((pc, pi) => {
    for (const cc of pc.contains) {
      if (cc.extendedBy.length > 0) continue;
      controls.push(effectiveControl(cc, pi, byContext, profiles, usedKeys));
    }
  });

  const inputs: ReportInput[] = [];
  (data.profiles as Json[]).forEach((p) => {
    const attrs = Array.isArray(p.attributes) ? p.attributes : Array.isArray(p.inputs) ? p.inputs : [];
    for (const a of attrs) {
      if (!isObject(a) || typeof a.name !== 'string') continue;
      const o = isObject(a.options) ? a.options : {};
      const sensitive = o.sensitive === true;
      inputs.push({
        name: a.name,
        ...('value' in o ? { value: sensitive ? '***' : o.value } : {}),
        ...(str(o.type) ? { type: str(o.type) } : {}),
        ...(typeof o.required === 'boolean' ? { required: o.required } : {}),
        ...(sensitive ? { sensitive } : {}),
        profile: p.name as string,
      });
    }
  });

  const platformRaw = isObject(data.platform) ? data.platform : {};
  const platform: Platform = {
    ...(str(platformRaw.name) ? { name: str(platformRaw.name) } : {}),
    ...(str(platformRaw.release) ? { release: str(platformRaw.release) } : {}),
    ...(str(platformRaw.target_id) ? { targetId: str(platformRaw.target_id) } : {}),
  };
  const stats = isObject(data.statistics) ? data.statistics : {};
  return {
    format: Array.isArray(data.controls) ? 'legacy' : 'exec-json',
    platform,
    ...(str(data.version) ? { auditorVersion: str(data.version) } : {}),
    ...(typeof stats.duration === 'number' ? { duration: stats.duration } : {}),
    profile: profiles[0],
    profiles,
    controls,
    inputs,
    warnings,
  };
}

/**
 * A single profile with unique control ids: inspecjs' contextualizeEvaluation would link nothing (no parent_profile,
 * no repeated id), but it compares every control with every other to find that out (quadratic: 0.2 s at 2,000
 * controls). Same result, built directly from inspecjs' per-control rules (hdfWrapControl). Else undefined.
 */
function standalone(profiles: readonly Json[]): { contains: Array<{ contains: ContextualizedControl[] }> } | undefined {
  if (profiles.length !== 1 || profiles[0].parent_profile !== undefined) return undefined;
  const controls = profiles[0].controls as Json[];
  const ids = new Set(controls.map((c) => c.id));
  if (ids.size !== controls.length) return undefined;
  const profileContext = { data: profiles[0], extendedBy: [], extendsFrom: [], contains: [] as ContextualizedControl[] };
  profileContext.contains = controls.map((data) => {
    const cc = { data, sourcedFrom: profileContext, extendedBy: [], extendsFrom: [], hdf: hdfWrapControl(data as never), full_code: '' } as unknown as {
      root: ContextualizedControl;
    } & ContextualizedControl;
    cc.root = cc;
    return cc;
  });
  return { contains: [profileContext] };
}

function normaliseControl(c: unknown, path: string, warnings: string[]): NormControl {
  if (!isObject(c)) throw invalid(path, 'a control object', c);
  if (typeof c.id !== 'string' || c.id === '') throw invalid(`${path}.id`, 'a non-empty string', c.id);
  const where = `${path} ("${c.id}")`;
  let impact = c.impact;
  if (typeof impact !== 'number' || !Number.isFinite(impact)) {
    const n = typeof impact === 'string' ? Number(impact) : NaN;
    if (Number.isFinite(n)) impact = n;
    else {
      warnings.push(`${where} has no numeric impact; InSpec's default 0.5 is assumed`);
      impact = 0.5;
    }
  }
  const tags: Json = isObject(c.tags) ? { ...c.tags } : {};
  // inspecjs calls toLowerCase() on these and parses nist entries: give it only strings.
  for (const k of ['severity', 'severityoverride']) if (k in tags && typeof tags[k] !== 'string') delete tags[k];
  // inspecjs parses and sorts every NIST tag (a quarter of the time on big reports); its status and severity rules
  // don't read them, and the model takes nist from the report's own tags.
  delete tags.nist;
  let descriptions: ControlDescription[] = [];
  if (Array.isArray(c.descriptions)) {
    descriptions = c.descriptions.filter(isObject).flatMap((d) => (typeof d.label === 'string' && typeof d.data === 'string' ? [{ label: d.label, data: d.data }] : []));
  } else if (isObject(c.descriptions)) {
    descriptions = Object.entries(c.descriptions).flatMap(([label, d]) => (typeof d === 'string' ? [{ label, data: d }] : []));
  }
  let results: Json[] = [];
  const hadResults = 'results' in c && c.results !== null && c.results !== undefined;
  if (hadResults) {
    if (!Array.isArray(c.results)) throw invalid(`${path}.results`, 'an array', c.results);
    results = c.results.map((r: unknown, ri: number) => {
      if (!isObject(r)) throw invalid(`${path}.results[${ri}]`, 'a result object', r);
      const clean = typeof r.code_desc === 'string' && (r.status === undefined || typeof r.status === 'string') && (r.backtrace === undefined || r.backtrace === null || Array.isArray(r.backtrace));
      if (clean) return r; // the usual case: no copy
      return {
        ...r,
        code_desc: typeof r.code_desc === 'string' ? r.code_desc : r.code_desc === undefined || r.code_desc === null ? '' : String(r.code_desc),
        status: typeof r.status === 'string' ? r.status : undefined,
        backtrace: Array.isArray(r.backtrace) ? r.backtrace : r.backtrace ? [String(r.backtrace)] : undefined,
      };
    });
  } else {
    warnings.push(`${where} has no "results" list; counted as Profile Error`);
  }
  const waiver = isObject(c.waiver_data) ? c.waiver_data : undefined;
  const forInspecjs: Json = {
    id: c.id,
    title: str(c.title) ?? null,
    desc: str(c.desc) ?? null,
    descriptions,
    impact,
    refs: Array.isArray(c.refs) ? c.refs : [],
    tags,
    code: str(c.code) ?? '',
    source_location: c.source_location,
    results,
    ...(waiver ? { waiver_data: waiver } : {}),
    ...(c.attestation_data !== undefined ? { attestation_data: c.attestation_data } : {}),
  };
  return { raw: c, path, forInspecjs, hadResults };
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
  return [];
}

function toSeverity(s: string): Severity {
  const l = s.toLowerCase();
  return (SEVERITIES as readonly string[]).includes(l) ? (l as Severity) : 'medium';
}

function effectiveControl(
  top: ContextualizedControl,
  profileIndex: number,
  byContext: Map<ContextualizedControl, NormControl>,
  profiles: readonly ProfileInfo[],
  usedKeys: Set<string>,
): Control {
  const root = top.root;
  const topNorm = byContext.get(top)!;
  const rootNorm = byContext.get(root)!;
  const d = topNorm.forInspecjs;
  const raw = topNorm.raw;

  const layers: string[] = [];
  for (let c: ContextualizedControl | undefined = top; c; c = c.extendsFrom[0]) layers.push(String(c.sourcedFrom.data.name));

  // inspecjs gives "From Profile" only for profile JSON, which parseReport refuses; a missing results list is ours to call.
  const status: ControlStatus = rootNorm.hadResults ? (root.hdf.status as ControlStatus) : 'Profile Error';
  const segments = root.hdf.segments ?? [];
  const rawResults = (rootNorm.forInspecjs.results as Json[]) ?? [];
  const results: ControlResult[] = segments.map((s, i) => {
    const r = rawResults[i] ?? {};
    // built field by field (no spreads): this runs once per result, 20,000 times in a big report
    const o: { -readonly [K in keyof ControlResult]: ControlResult[K] } = { status: s.status as ResultStatus, codeDesc: s.code_desc };
    if (typeof r.status === 'string' && r.status !== s.status) o.reportedStatus = r.status;
    if (s.message !== undefined) o.message = String(s.message);
    if (s.skip_message !== undefined) o.skipMessage = String(s.skip_message);
    if (s.exception !== undefined) o.exception = String(s.exception);
    if (s.backtrace !== undefined) o.backtrace = s.backtrace.map(String);
    if (typeof r.run_time === 'number') o.runTime = r.run_time;
    if (typeof r.start_time === 'string' && r.start_time) o.startTime = r.start_time;
    if (typeof r.resource === 'string' && r.resource) o.resource = r.resource;
    if (typeof r.resource_class === 'string' && r.resource_class) o.resourceClass = r.resource_class;
    if (typeof r.resource_id === 'string' && r.resource_id) o.resourceId = r.resource_id;
    return o;
  });

  const id = String(d.id);
  const profileName = profiles[profileIndex].name;
  let key = `${profileName}::${id}`;
  for (let n = 2; usedKeys.has(key); n++) key = `${profileName}::${id}#${n}`;
  usedKeys.add(key);

  let groupFile: string | undefined;
  for (let c: ContextualizedControl | undefined = top; c && !groupFile; c = c.extendsFrom[0]) groupFile = groupIndex(c.sourcedFrom.data as unknown as Json).get(id);

  const waiverRaw = isObject(raw.waiver_data) ? raw.waiver_data : isObject(rootNorm.raw.waiver_data) ? rootNorm.raw.waiver_data : undefined;
  let waiver: Waiver | undefined;
  if (waiverRaw && Object.keys(waiverRaw).length > 0) {
    waiver = {
      skippedDueToWaiver: waiverRaw.skipped_due_to_waiver === true || waiverRaw.skipped_due_to_waiver === 'true',
      ...(typeof waiverRaw.run === 'boolean' ? { run: waiverRaw.run } : {}),
      ...(str(waiverRaw.justification) ? { justification: str(waiverRaw.justification) } : {}),
      ...(waiverRaw.expiration_date !== undefined && waiverRaw.expiration_date !== null ? { expirationDate: String(waiverRaw.expiration_date) } : {}),
      ...(str(waiverRaw.message) ? { message: str(waiverRaw.message) } : {}),
    };
  }

  const sl = isObject(raw.source_location) ? raw.source_location : undefined;
  const tags = isObject(raw.tags) ? raw.tags : {};
  return {
    key,
    id,
    ...(str(raw.title) !== undefined ? { title: str(raw.title) } : {}),
    ...(str(raw.desc) !== undefined ? { desc: str(raw.desc) } : {}),
    descriptions: d.descriptions as ControlDescription[],
    impact: d.impact as number,
    severity: toSeverity(String(top.hdf.severity)),
    rootSeverity: toSeverity(String(root.hdf.severity)),
    status,
    ...(str(raw.status) ? { inspecStatus: str(raw.status) } : {}),
    tags,
    nist: stringList(tags.nist),
    cci: stringList(tags.cci),
    code: String(d.code),
    ...(layers.length > 1 ? { fullCode: top.full_code } : {}),
    ...(sl && typeof sl.ref === 'string' ? { sourceLocation: { ref: sl.ref, line: typeof sl.line === 'number' && sl.line > 0 ? sl.line : 1 } } : {}),
    results,
    ...(waiver ? { waiver } : {}),
    waived: root.hdf.waived,
    profileName,
    profileIndex,
    layers,
    ...(groupFile ? { groupFile } : {}),
    runTime: results.reduce((t, r) => t + (r.runTime ?? 0), 0),
    refs: Array.isArray(raw.refs) ? raw.refs : [],
  };
}

const groupIndexes = new WeakMap<Json, Map<string, string>>();
/** control id → `groups[].id` of one profile (first group listing it), built once per profile. */
function groupIndex(profile: Json): Map<string, string> {
  let m = groupIndexes.get(profile);
  if (!m) {
    m = new Map();
    for (const g of Array.isArray(profile.groups) ? profile.groups : []) {
      if (!isObject(g) || typeof g.id !== 'string' || !Array.isArray(g.controls)) continue;
      for (const id of g.controls) if (typeof id === 'string' && !m.has(id)) m.set(id, g.id);
    }
    groupIndexes.set(profile, m);
  }
  return m;
}

function profileInfo(p: Json): ProfileInfo {
  const depends: ProfileDependency[] = (Array.isArray(p.depends) ? p.depends : []).filter(isObject).map((d) => {
    const source = ['path', 'url', 'git', 'supermarket', 'compliance'].map((k) => str(d[k])).find((x) => x !== undefined);
    return {
      ...(str(d.name) ? { name: str(d.name) } : {}),
      ...(source ? { source } : {}),
      ...(str(d.branch) ? { branch: str(d.branch) } : {}),
      ...(str(d.status) ? { status: str(d.status) } : {}),
    };
  });
  const opt = (k: string): string | undefined => str(p[k]);
  const fields: Array<[keyof ProfileInfo, string]> = [
    ['title', 'title'],
    ['version', 'version'],
    ['maintainer', 'maintainer'],
    ['summary', 'summary'],
    ['license', 'license'],
    ['sha256', 'sha256'],
    ['status', 'status'],
    ['statusMessage', 'status_message'],
    ['skipMessage', 'skip_message'],
    ['parentProfile', 'parent_profile'],
  ];
  const info: Record<string, unknown> = { name: p.name as string };
  for (const [k, raw] of fields) {
    const v = opt(raw);
    if (v !== undefined && v !== '') info[k] = v;
  }
  info.depends = depends;
  info.controlCount = Array.isArray(p.controls) ? p.controls.length : 0;
  info.supports = (Array.isArray(p.supports) ? p.supports : []).filter(isObject);
  return info as unknown as ProfileInfo;
}
