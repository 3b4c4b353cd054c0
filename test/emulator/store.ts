// In-memory object store: one global resourceVersion counter (like etcd's revision), objects kept in key order
// (`namespace/name`, the same byte order as etcd's `/registry/<res>/<ns>/<name>` keys), each object's JSON text
// cached until it changes (lists of 10,000 pods are concatenations of cached strings), a bounded event history so a
// watch can start from a list's resourceVersion, and live watchers.
import { randomUUID } from 'node:crypto';
import type { KObject } from './contract';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Entry {
  obj: KObject;
  json?: string;
}

export interface WatchEvent {
  rv: number;
  type: EventType;
  res: string;
  namespace: string;
  obj: KObject;
  json: string;
}

export interface Watcher {
  res: string;
  namespace?: string;
  send(ev: WatchEvent): void;
}

class Collection {
  readonly items = new Map<string, Entry>();
  private sorted: string[] | undefined;
  keys(): string[] {
    if (!this.sorted) this.sorted = [...this.items.keys()].sort(byteCompare);
    return this.sorted;
  }
  set(key: string, e: Entry) {
    if (!this.items.has(key)) this.sorted = undefined;
    this.items.set(key, e);
  }
  delete(key: string) {
    if (this.items.delete(key)) this.sorted = undefined;
  }
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

const HISTORY = 20000;

export class Store {
  private rv = 1000;
  private readonly cols = new Map<string, Collection>();
  private history: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Time source (shifted by the emulator's clock control). */
  now: () => number = () => Date.now();

  get resourceVersion(): number {
    return this.rv;
  }

  /** Oldest resourceVersion a watch may resume from. */
  get oldestWatchable(): number {
    return this.history.length ? this.history[0].rv - 1 : this.rv;
  }

  private col(res: string): Collection {
    let c = this.cols.get(res);
    if (!c) this.cols.set(res, (c = new Collection()));
    return c;
  }

  get(res: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.cols.get(res)?.items.get(keyOf(namespace, name))?.obj;
  }

  json(res: string, namespace: string | undefined, name: string): string | undefined {
    const e = this.cols.get(res)?.items.get(keyOf(namespace, name));
    if (!e) return undefined;
    return (e.json ??= JSON.stringify(e.obj));
  }

  /** Objects in key order, starting after `afterKey`, within `namespace` when given. */
  *iterate(res: string, namespace?: string, afterKey?: string): Generator<{ key: string; obj: KObject; json: () => string }> {
    const c = this.cols.get(res);
    if (!c) return;
    const keys = c.keys();
    const prefix = namespace !== undefined ? `${namespace}/` : '';
    const start = afterKey !== undefined && afterKey >= prefix ? afterKey + '\0' : prefix;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < keys.length; i++) {
      const key = keys[i];
      if (prefix && !key.startsWith(prefix)) break;
      const e = c.items.get(key);
      if (!e) continue;
      yield { key, obj: e.obj, json: () => (e.json ??= JSON.stringify(e.obj)) };
    }
  }

  count(res: string): number {
    return this.cols.get(res)?.items.size ?? 0;
  }

  /** Adds a new object (fills uid, creationTimestamp, resourceVersion, generation). Caller checks for conflicts. */
  create(res: string, obj: KObject, opts: { quiet?: boolean } = {}): KObject {
    const md = (obj.metadata ??= {});
    md.uid ??= randomUUID();
    md.creationTimestamp ??= new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    if (obj.spec !== undefined && res !== 'pods' && res !== 'namespaces' && res !== 'nodes') md.generation ??= 1;
    md.resourceVersion = String(++this.rv);
    const e: Entry = { obj };
    this.col(res).set(keyOf(md.namespace, md.name), e);
    if (!opts.quiet) this.emit('ADDED', res, e);
    return obj;
  }

  /** Replaces/changes an object through `mutate`; bumps resourceVersion and emits MODIFIED. */
  update(res: string, namespace: string | undefined, name: string, mutate: (obj: KObject) => KObject | void): KObject | undefined {
    const c = this.cols.get(res);
    const key = keyOf(namespace, name);
    const e = c?.items.get(key);
    if (!c || !e) return undefined;
    const copy = structuredClone(e.obj);
    const next = mutate(copy) ?? copy;
    next.metadata.resourceVersion = String(++this.rv);
    const ne: Entry = { obj: next };
    c.set(key, ne);
    this.emit('MODIFIED', res, ne);
    return next;
  }

  delete(res: string, namespace: string | undefined, name: string): KObject | undefined {
    const c = this.cols.get(res);
    const key = keyOf(namespace, name);
    const e = c?.items.get(key);
    if (!c || !e) return undefined;
    c.delete(key);
    e.obj.metadata.resourceVersion = String(++this.rv);
    e.json = undefined;
    this.emit('DELETED', res, e);
    return e.obj;
  }

  /** All resources' objects (for garbage collection by owner uid and namespace deletion). */
  *all(): Generator<{ res: string; obj: KObject }> {
    for (const [res, c] of this.cols) for (const e of [...c.items.values()]) yield { res, obj: e.obj };
  }

  private emit(type: EventType, res: string, e: Entry) {
    const json = (e.json ??= JSON.stringify(e.obj));
    const ev: WatchEvent = { rv: this.rv, type, res, namespace: e.obj.metadata.namespace ?? '', obj: e.obj, json };
    this.history.push(ev);
    if (this.history.length > HISTORY) this.history = this.history.slice(-HISTORY / 2);
    for (const w of this.watchers) {
      if (w.res === res && (w.namespace === undefined || w.namespace === ev.namespace)) w.send(ev);
    }
  }

  /** Events after `rv` for a resource (undefined when `rv` is older than the kept history: 410 Gone). */
  eventsSince(res: string, namespace: string | undefined, rv: number): WatchEvent[] | undefined {
    if (rv < this.oldestWatchable) return undefined;
    return this.history.filter((e) => e.rv > rv && e.res === res && (namespace === undefined || e.namespace === namespace));
  }

  watch(w: Watcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }
}
