/**
 * The fleet index on disk: written atomically (a temporary file in the same folder, then a rename, so a reader or a
 * crash never sees half an index), rewritten each time an item changes, and read back with validation. Reports are
 * found relative to the index's folder, so a run's folder can be moved (a CI artifact) and still be read.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { writeJsonAtomic } from '../atomicWrite';
import { DEFAULT_MAX_REPORT_BYTES, isReportError, parseReport } from '../results';
import { FLEET_INDEX_KIND, FLEET_INDEX_VERSION, FleetIndexError, parseFleetIndex, type FleetIndex, type FleetIndexItem, type LoadedReport } from './indexFormat';

/** The conventional name of the index in a run's folder. */
export const FLEET_INDEX_FILE = 'fleet-index.json';

/** Where a container's report goes, relative to the run's folder: `reports/NS/POD/CONTAINER.json` (Kubernetes names are safe path segments). */
export function reportRelativePath(t: Pick<FleetIndexItem, 'namespace' | 'pod' | 'container'>): string {
  return `reports/${t.namespace}/${t.pod}/${t.container}.json`;
}

export interface FleetIndexHeader {
  readonly profile: FleetIndex['profile'];
  readonly inputsHash: string;
  readonly dedupe: FleetIndex['dedupe'];
}

/**
 * Keeps one index file up to date while a run goes on. Every change rewrites the whole file atomically; writes are
 * queued one after another, so a later state never loses to an earlier one. What was written stays written: if the
 * process dies, the index lists every finished item with its report and the rest as queued or running.
 */
export class FleetIndexWriter {
  private items: FleetIndexItem[];
  private complete = false;
  private readonly createdAt: string;
  private updatedAt: string;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly header: FleetIndexHeader,
    items: readonly FleetIndexItem[],
    private readonly now: () => Date,
  ) {
    this.items = [...items];
    this.createdAt = this.updatedAt = now().toISOString();
  }

  /** Writes the first version of the index (every item as given, usually queued or skipped). */
  static async create(path: string, header: FleetIndexHeader, items: readonly FleetIndexItem[], now: () => Date = () => new Date()): Promise<FleetIndexWriter> {
    const w = new FleetIndexWriter(path, header, items, now);
    await w.flush();
    return w;
  }

  /** The index as last written (or being written). */
  get index(): FleetIndex {
    return {
      kind: FLEET_INDEX_KIND,
      schemaVersion: FLEET_INDEX_VERSION,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      complete: this.complete,
      profile: this.header.profile,
      inputsHash: this.header.inputsHash,
      dedupe: this.header.dedupe,
      items: [...this.items],
    };
  }

  /** Changes items (by position) and rewrites the index; resolves when this state is on disk. */
  update(changes: ReadonlyArray<{ readonly index: number; readonly patch: Partial<FleetIndexItem> }>): Promise<void> {
    for (const { index, patch } of changes) {
      if (!this.items[index]) throw new RangeError(`no item ${index} in the fleet index`);
      const merged: Record<string, unknown> = { ...this.items[index], ...patch };
      for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
      this.items[index] = merged as unknown as FleetIndexItem;
    }
    return this.flush();
  }

  /** Marks the run as ended and writes the final index. */
  finish(): Promise<void> {
    this.complete = true;
    return this.flush();
  }

  private flush(): Promise<void> {
    this.updatedAt = this.now().toISOString();
    const snapshot = this.index;
    const write = this.queue.then(() => writeJsonAtomic(this.path, snapshot));
    this.queue = write.catch(() => undefined); // a failed write does not block the next one
    return write;
  }
}

/** Reads and validates an index file. Throws `FleetIndexError` with the file's name. */
export async function readFleetIndex(path: string): Promise<FleetIndex> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FleetIndexError(`cannot read the fleet index ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : (e as Error).message}`);
  }
  try {
    return parseFleetIndex(text);
  } catch (e) {
    if (e instanceof FleetIndexError) throw new FleetIndexError(`${path} is not a usable fleet index: ${e.message}`);
    throw e;
  }
}

/** The absolute path of an item's report: `reportPath` relative to the index's folder (or as it is when absolute). */
export function resolveReportPath(indexPath: string, item: FleetIndexItem): string | undefined {
  if (!item.reportPath) return undefined;
  return isAbsolute(item.reportPath) ? item.reportPath : resolve(dirname(indexPath), item.reportPath);
}

/**
 * Reads the reports of an index's done items, each file once (followers share their primary's report). A missing
 * or broken report is an error for that report only, never for the whole index.
 */
export async function loadFleetReports(indexPath: string, index: FleetIndex): Promise<Map<string, LoadedReport>> {
  const out = new Map<string, LoadedReport>();
  for (const item of index.items) {
    const path = item.outcome === 'done' ? resolveReportPath(indexPath, item) : undefined;
    if (!path || out.has(path)) continue;
    out.set(path, await loadReport(path));
  }
  return out;
}

async function loadReport(path: string): Promise<LoadedReport> {
  try {
    const st = await stat(path);
    if (st.size > DEFAULT_MAX_REPORT_BYTES) return { ok: false, error: `${path} is ${(st.size / 1024 / 1024).toFixed(0)} MB, more than a report may be` };
    return { ok: true, report: parseReport(await readFile(path, 'utf8')) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, error: `the report ${path} does not exist` };
    if (isReportError(e)) return { ok: false, error: `the report ${path} is not usable: ${e.message}` };
    return { ok: false, error: `the report ${path} cannot be read: ${(e as Error).message}` };
  }
}
