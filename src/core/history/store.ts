/**
 * The history index on disk (`history-index.json` in the results folder). Several VS Code windows may scan into the
 * same folder at once, so every change is a read-merge-write under a lock file: the lock (`history-index.json.lock`,
 * created exclusively) serialises writers, the index is re-read inside the lock and the new runs merged into what is
 * there (by run id), and the result is written atomically (temporary file, then rename), so a reader or a crash never
 * sees half an index. An index that cannot be read is moved aside (never overwritten) and a new one started; entries
 * that do not validate are kept verbatim. Retention removes the oldest runs of a target from the index, and deletes
 * their report only when it is a single scan's report directly in the results folder (fleet folders keep theirs: their
 * fleet index points at them).
 */
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { writeJsonAtomic } from '../atomicWrite';
import { applyRetention, HISTORY_FILE, HistoryError, historyData, parseHistory, type HistoryEntry } from './indexFormat';

export interface HistoryRead {
  readonly entries: readonly HistoryEntry[];
  /** What the user should know: the index is unusable, some entries are invalid. Empty when all is well. */
  readonly problems: readonly string[];
}

export interface RecordResult {
  /** Runs removed from the index by retention. */
  readonly pruned: readonly HistoryEntry[];
  /** Report files deleted with them. */
  readonly deletedReports: readonly string[];
  /** What happened that the user should know (an unreadable index moved aside, invalid entries kept). */
  readonly notes: readonly string[];
}

export interface HistoryStoreOptions {
  readonly now?: () => Date;
  /** How long to wait for another writer's lock before giving up (default 10 s). */
  readonly lockTimeoutMs?: number;
  /** A lock older than this was left by a writer that died (default 30 s; a write takes milliseconds). */
  readonly staleLockMs?: number;
}

export class HistoryStore {
  readonly path: string;
  private readonly lockPath: string;
  private readonly now: () => Date;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly folder: string,
    private readonly options: HistoryStoreOptions = {},
  ) {
    this.path = join(folder, HISTORY_FILE);
    this.lockPath = `${this.path}.lock`;
    this.now = options.now ?? (() => new Date());
  }

  /** The absolute path of an entry's report. */
  reportPath(e: Pick<HistoryEntry, 'reportPath'>): string {
    return isAbsolute(e.reportPath) ? e.reportPath : resolve(this.folder, e.reportPath);
  }

  /** The path to store for a report: relative when it is inside the results folder (so the folder can be moved). */
  relativeReportPath(absolute: string): string {
    const f = resolve(this.folder);
    const p = resolve(absolute);
    return p.startsWith(`${f}/`) ? p.slice(f.length + 1) : p;
  }

  /** Reads the index. A missing index is an empty history; an unusable one is a problem (it is left as it is). */
  async read(): Promise<HistoryRead> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], problems: [] };
      return { entries: [], problems: [`The scan history ${this.path} cannot be read: ${(e as Error).message}.`] };
    }
    try {
      const d = parseHistory(text);
      return { entries: d.entries, problems: d.problems.map((p) => `The scan history ${this.path} has an entry it cannot use (kept as it is): ${p}`) };
    } catch (e) {
      if (!(e instanceof HistoryError)) throw e;
      return { entries: [], problems: [`The scan history ${this.path} cannot be used: ${e.message}. It is kept; the next scan moves it aside and starts a new index.`] };
    }
  }

  /** Adds (or replaces, by id) runs, applies retention (runs kept per target) and writes the index. */
  record(entries: readonly HistoryEntry[], retention: number): Promise<RecordResult> {
    const next = this.queue.then(() => this.locked(() => this.merge(entries, retention)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async merge(add: readonly HistoryEntry[], retention: number): Promise<RecordResult> {
    const notes: string[] = [];
    let current: HistoryEntry[] = [];
    let invalid: readonly unknown[] = [];
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new HistoryError(`cannot read the scan history ${this.path}: ${(e as Error).message}`);
    }
    if (text !== undefined) {
      try {
        const d = parseHistory(text);
        current = [...d.entries];
        invalid = d.invalid;
        if (d.problems.length) notes.push(`The scan history has ${d.problems.length} entr${d.problems.length === 1 ? 'y' : 'ies'} it cannot use, kept as written: ${d.problems.join('; ')}`);
      } catch (e) {
        if (!(e instanceof HistoryError)) throw e;
        const aside = join(dirname(this.path), `history-index.unreadable-${this.now().toISOString().replace(/[:.]/g, '')}.json`);
        await rename(this.path, aside);
        notes.push(`The scan history ${this.path} could not be used (${e.message}); it was moved to ${aside} and a new history started. The report files are untouched.`);
      }
    }
    const ids = new Set(add.map((e) => e.id));
    const merged = [...current.filter((e) => !ids.has(e.id)), ...add];
    const { kept, pruned } = applyRetention(merged, retention);
    await writeJsonAtomic(this.path, historyData(kept, invalid));
    const stillUsed = new Set(kept.map((e) => this.reportPath(e)));
    const deletedReports: string[] = [];
    for (const e of pruned) {
      const p = this.reportPath(e);
      if (e.source === 'fleet' || dirname(p) !== resolve(this.folder) || stillUsed.has(p)) continue;
      await rm(p, { force: true });
      deletedReports.push(p);
    }
    return { pruned, deletedReports, notes };
  }

  /** Runs `fn` holding the lock file; waits for another writer, takes over a lock its writer left behind. */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const timeout = this.options.lockTimeoutMs ?? 10_000;
    const stale = this.options.staleLockMs ?? 30_000;
    const start = Date.now();
    for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
      try {
        const fh = await open(this.lockPath, 'wx', 0o644);
        await fh.writeFile(JSON.stringify({ pid: process.pid, at: this.now().toISOString() }));
        await fh.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new HistoryError(`the results folder ${this.folder} does not exist; check the kubeCompliance.resultsFolder setting`);
        }
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const age = await stat(this.lockPath).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > stale) {
          await rm(this.lockPath, { force: true });
          continue;
        }
        if (Date.now() - start > timeout) {
          throw new HistoryError(
            `another VS Code window is writing the scan history (${this.lockPath} exists). The run's report is kept; if no other window is scanning into this results folder, delete that file and scan again.`,
          );
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(this.lockPath, { force: true });
    }
  }
}
