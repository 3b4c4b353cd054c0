/**
 * The fleet index: one JSON file beside the run's per-container reports (each an ordinary InSpec / HDF JSON report,
 * so Heimdall and the SAF CLI read them as they are). It says which containers the run covered and how each ended.
 * Plain data and validation only (no file system): `indexFile.ts` writes and reads it.
 *
 * ```jsonc
 * {
 *   "kind": "kube-compliance/fleet-index", "schemaVersion": 1,
 *   "createdAt": "2026-12-01T10:00:00.000Z", "updatedAt": "…", "complete": true,   // false while the run is going on
 *   "profile": { "location": "/work/profiles/baseline", "kind": "folder", "hash": "sha256:…" },
 *   "inputsHash": "sha256:…",                  // sha256 of the inputs file, or of nothing
 *   "dedupe": "image",                         // or "none"
 *   "items": [{
 *     "context": "prod", "namespace": "shop", "workload": { "kind": "Deployment", "name": "web" },
 *     "pod": "web-7d9f-b", "container": "app", "imageDigest": "sha256:…",
 *     "outcome": "done",                       // queued | running | done | failed | skipped | cancelled
 *     "reportPath": "reports/shop/web-7d9f-a/app.json",   // relative to the index's folder
 *     "scannedAs": "shop/web-7d9f-a/app",      // set when another container of the same image was scanned
 *     "message": "…"                           // why it failed, was skipped or cancelled
 *   }]
 * }
 * ```
 */
import { WORKLOAD_KINDS, type WorkloadKind } from '../cluster/model';
import type { ApproachKind } from '../cluster/types';
import type { Report } from '../results';
import { DEDUPE_MODES, type DedupeMode } from './dedupe';
import type { ProfileKind } from './hash';
import type { ItemState } from './scheduler';

export const FLEET_INDEX_KIND = 'kube-compliance/fleet-index';
export const FLEET_INDEX_VERSION = 1;
export const ITEM_STATES: readonly ItemState[] = ['queued', 'running', 'done', 'failed', 'skipped', 'cancelled'];

export interface FleetIndexItem {
  readonly context: string;
  readonly namespace: string;
  readonly workload: { readonly kind: WorkloadKind; readonly name: string };
  readonly pod: string;
  readonly container: string;
  readonly image?: string;
  readonly imageDigest?: string;
  /** The pod's `pod-template-hash` (Deployment) or `controller-revision-hash` (StatefulSet, DaemonSet) label, when it has one. */
  readonly podTemplateHash?: string;
  readonly approach?: ApproachKind;
  readonly outcome: ItemState;
  /** The container's HDF report: relative to the index's folder (or absolute). Required when `outcome` is `done`. */
  readonly reportPath?: string;
  /** `NS/POD/CONTAINER` of the container that was actually scanned, when it is not this one (deduplication). */
  readonly scannedAs?: string;
  readonly message?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
}

export interface FleetIndex {
  readonly kind: typeof FLEET_INDEX_KIND;
  readonly schemaVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** False while the run is going on (or when it was interrupted before it could say it ended). */
  readonly complete: boolean;
  readonly profile: { readonly location: string; readonly kind: ProfileKind; readonly hash: string };
  readonly inputsHash: string;
  readonly dedupe: DedupeMode;
  readonly items: readonly FleetIndexItem[];
}

export class FleetIndexError extends Error {
  override readonly name = 'FleetIndexError';
  constructor(
    message: string,
    /** JSON path of the offending value, e.g. `items[3].outcome`. */
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/** An item's report as read from disk, or why it could not be used. */
export type LoadedReport = { readonly ok: true; readonly report: Report } | { readonly ok: false; readonly error: string };

/** `CONTEXT/NS/POD/CONTAINER`: an item's identity within an index. */
export function itemKey(i: Pick<FleetIndexItem, 'context' | 'namespace' | 'pod' | 'container'>): string {
  return `${i.context}/${i.namespace}/${i.pod}/${i.container}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v).slice(0, 80));

/** Is this parsed JSON a fleet index (rather than a report)? Only looks at `kind`. */
export function isFleetIndexData(data: unknown): boolean {
  return isObject(data) && data.kind === FLEET_INDEX_KIND;
}

/** Reads and checks an index (its text or parsed JSON). Throws `FleetIndexError` naming the first problem and where. */
export function parseFleetIndex(input: string | unknown): FleetIndex {
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (e) {
      throw new FleetIndexError(`the fleet index is not JSON (${e instanceof Error ? e.message : String(e)})${input.trim() === '' ? ': the file is empty' : ''}`);
    }
  }
  if (!isObject(data)) throw new FleetIndexError(`a fleet index is a JSON object, got ${Array.isArray(data) ? 'an array' : show(data)}`);
  if (data.kind !== FLEET_INDEX_KIND) throw new FleetIndexError(`expected "${FLEET_INDEX_KIND}", got ${show(data.kind)} — is this a fleet index?`, 'kind');
  const v = data.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FleetIndexError(`expected a whole number, got ${show(v)}`, 'schemaVersion');
  if (v > FLEET_INDEX_VERSION) throw new FleetIndexError(`the index was written with schema ${v} by a newer Kube Compliance; this version reads schema ${FLEET_INDEX_VERSION}`, 'schemaVersion');
  const profile = need(data, 'profile', isObject, 'an object', '');
  const dedupe = need(data, 'dedupe', (x): x is DedupeMode => DEDUPE_MODES.includes(x as DedupeMode), `one of ${DEDUPE_MODES.join(', ')}`, '');
  const items = need(data, 'items', Array.isArray, 'an array', '');
  return {
    kind: FLEET_INDEX_KIND,
    schemaVersion: v,
    createdAt: time(data, 'createdAt', ''),
    updatedAt: time(data, 'updatedAt', ''),
    complete: need(data, 'complete', (x): x is boolean => typeof x === 'boolean', 'true or false', ''),
    profile: {
      location: text(profile, 'location', 'profile.'),
      kind: need(profile, 'kind', (x): x is ProfileKind => x === 'folder' || x === 'archive' || x === 'url', 'folder, archive or url', 'profile.'),
      hash: hash(profile, 'hash', 'profile.'),
    },
    inputsHash: hash(data, 'inputsHash', ''),
    dedupe,
    items: items.map((it, i) => parseItem(it, `items[${i}]`)),
  };
}

function parseItem(it: unknown, at: string): FleetIndexItem {
  if (!isObject(it)) throw new FleetIndexError(`expected an object, got ${show(it)}`, at);
  const p = `${at}.`;
  const workload = need(it, 'workload', isObject, 'an object', p);
  const outcome = need(it, 'outcome', (x): x is ItemState => ITEM_STATES.includes(x as ItemState), `one of ${ITEM_STATES.join(', ')}`, p);
  const reportPath = optText(it, 'reportPath', p);
  if (outcome === 'done' && !reportPath) throw new FleetIndexError('a done item needs its reportPath', at);
  const item: FleetIndexItem = {
    context: text(it, 'context', p),
    namespace: text(it, 'namespace', p),
    workload: {
      kind: need(workload, 'kind', (x): x is WorkloadKind => WORKLOAD_KINDS.includes(x as WorkloadKind), `one of ${WORKLOAD_KINDS.join(', ')}`, `${p}workload.`),
      name: text(workload, 'name', `${p}workload.`),
    },
    pod: text(it, 'pod', p),
    container: text(it, 'container', p),
    image: optText(it, 'image', p, true),
    imageDigest: optText(it, 'imageDigest', p),
    podTemplateHash: optText(it, 'podTemplateHash', p),
    approach: optText(it, 'approach', p) as ApproachKind | undefined,
    outcome,
    reportPath,
    scannedAs: optText(it, 'scannedAs', p),
    message: optText(it, 'message', p, true),
    startedAt: it.startedAt === undefined ? undefined : time(it, 'startedAt', p),
    endedAt: it.endedAt === undefined ? undefined : time(it, 'endedAt', p),
  };
  // drop absent optional fields so that a parsed index serialises as it was written
  return Object.fromEntries(Object.entries(item).filter(([, x]) => x !== undefined)) as unknown as FleetIndexItem;
}

function need<T>(o: Json, key: string, ok: (x: unknown) => x is T, what: string, prefix: string): T {
  const x = o[key];
  if (!ok(x)) throw new FleetIndexError(`expected ${what}, got ${show(x)}`, `${prefix}${key}`);
  return x;
}
const text = (o: Json, key: string, prefix: string): string => need(o, key, (x): x is string => typeof x === 'string' && x !== '', 'a non-empty string', prefix);
function optText(o: Json, key: string, prefix: string, emptyOk = false): string | undefined {
  if (o[key] === undefined) return undefined;
  return need(o, key, (x): x is string => typeof x === 'string' && (emptyOk || x !== ''), emptyOk ? 'a string' : 'a non-empty string', prefix);
}
const hash = (o: Json, key: string, prefix: string): string => need(o, key, (x): x is string => typeof x === 'string' && /^sha256:[0-9a-f]{64}$/.test(x), 'a "sha256:<64 hex digits>" hash', prefix);
const time = (o: Json, key: string, prefix: string): string => need(o, key, (x): x is string => typeof x === 'string' && !Number.isNaN(Date.parse(x)), 'an ISO 8601 time', prefix);
