import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import type { ContainerClassification } from '../../core/cluster/types';
import type { ControlBlock, IndexedFile, IndexedProfile } from '../../core/profiles';
import { mapOutcomes, type TestOutcome } from '../../core/profiles/outcomes';
import { parseReport, type Control, type Report } from '../../core/results';
import type { Log } from '../../platform/log';
import type { EditorFeedback } from '../results/editorFeedback';
import { targetLabel, type PinnedTarget } from './pinnedTarget';
import type { ProfileWorkspace } from './profileWorkspace';

export const CONTROLLER_ID = 'kubeCompliance.profiles';

/** One authoring scan: a profile, narrowed to some control ids, against the pinned container. */
export interface AuthoringScanRequest {
  readonly profileRoot: string;
  readonly target: ContainerClassification;
  /** Undefined: the whole profile (no `--controls`). */
  readonly controls?: readonly string[];
  readonly token: vscode.CancellationToken;
}

export interface AuthoringScanResult {
  readonly reportPath?: string;
  /** Folder the auditor ran in (relative `source_location.ref`s resolve against it). */
  readonly cwd?: string;
  readonly exitCode?: number | null;
  readonly cancelled: boolean;
  /** Why there is no usable report, in words. */
  readonly error?: string;
  /** Wall time of the auditor task, milliseconds. */
  readonly auditorMs?: number;
}

/** Runs one authoring scan (through SCAN's ScanService: a `kube-compliance` task in the reused authoring terminal). */
export type AuthoringScanner = (req: AuthoringScanRequest) => Promise<AuthoringScanResult>;

/** What a finished authoring run reported, per control item (what the Test Explorer was told). */
export interface RecordedOutcome extends TestOutcome {
  readonly itemId: string;
  readonly file: string;
  /** 0-based line of the `control` keyword: where failure messages point. */
  readonly line: number;
}

export interface AuthoringRunRecord {
  readonly reason: 'explorer' | 'save';
  readonly profileRoot: string;
  readonly target: string;
  /** The ids passed to `--controls` (undefined: the whole profile). */
  readonly controls?: readonly string[];
  readonly outcomes: readonly RecordedOutcome[];
  readonly reportPath?: string;
  readonly error?: string;
  readonly cancelled: boolean;
  readonly startedAt: number;
  /** From the save (or run request) to the last test state set. */
  readonly totalMs: number;
  readonly auditorMs?: number;
  /** Where the time went: before the scan was handed to the scan service, the scan itself, after it (states, feedback). */
  readonly phases?: { readonly beforeScanMs: number; readonly scanMs: number; readonly afterScanMs: number; readonly scanStartedAt: number };
}

interface ControlData {
  readonly kind: 'control';
  readonly root: string;
  readonly file: string;
  readonly block: ControlBlock;
}
type ItemData = { readonly kind: 'profile'; readonly root: string } | { readonly kind: 'file'; readonly root: string; readonly file: string } | ControlData;

interface InFlight {
  readonly root: string;
  readonly controls: ReadonlySet<string> | undefined;
  readonly cts: vscode.CancellationTokenSource;
  readonly done: Promise<void>;
}

const TITLE = /^\s*title\s*\(?\s*(['"])((?:\\.|(?!\1).)*)\1/m;

/**
 * The Test Explorer side of authoring: profiles → control files → controls as test items with their ranges (the
 * gutter shows run buttons), kept current from the ProfileWorkspace; runs scan the pinned target with `--controls`
 * narrowed to the selected ids and map outcomes to test states, diagnostics and CodeLens.
 */
export class AuthoringTests extends Disposable {
  readonly controller: vscode.TestController;
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly inflight = new Set<InFlight>();
  private readonly finished = new vscode.EventEmitter<AuthoringRunRecord>();
  /** Fires when an authoring run has set its test states. */
  readonly onDidFinishRun = this.finished.event;
  /** Latest outcome per control item id. */
  readonly lastOutcome = new Map<string, RecordedOutcome>();
  /** Controls of authoring runs, latest first wins: what editor feedback shows. */
  private readonly feedbackControls = new Map<string, Control>();

  constructor(
    private readonly workspace: ProfileWorkspace,
    private readonly pinned: PinnedTarget,
    private readonly scan: AuthoringScanner,
    private readonly feedback: EditorFeedback | undefined,
    private readonly log: Log,
    /** The run profile's gear: the pinned target's options. */
    configure: () => void,
  ) {
    super();
    this.controller = vscode.tests.createTestController(CONTROLLER_ID, 'InSpec Profiles');
    this.controller.refreshHandler = async () => {
      await this.workspace.whenReady();
      this.sync();
    };
    const profile = this.controller.createRunProfile('Run on pinned target', vscode.TestRunProfileKind.Run, async (req, token) => {
      await this.runRequest(req, token, 'explorer');
    }, true);
    profile.configureHandler = configure;
    this.registerAll(
      this.controller,
      profile,
      this.finished,
      workspace.onDidChange(() => this.sync()),
      pinned.onDidChange(() => {
        // results on another container say nothing about this one
        this.feedbackControls.clear();
        this.feedback?.clear();
        this.controller.invalidateTestResults?.();
      }),
    );
    this.sync();
  }

  // ------------------------------------------------------------------------------------------------- the tree

  /** Rebuilds the items from the index, reusing existing items so expansion and results stay. */
  sync(): void {
    const profiles = this.workspace.index.profiles;
    const roots: vscode.TestItem[] = [];
    for (const p of profiles) roots.push(this.profileItem(p));
    this.controller.items.replace(roots);
  }

  private profileItem(p: IndexedProfile): vscode.TestItem {
    const id = `profile:${p.root}`;
    const item = this.controller.items.get(id) ?? this.controller.createTestItem(id, p.manifest?.name ?? relative(this.workspaceRoot(p.root), p.root) ?? p.root, vscode.Uri.file(p.manifestPath));
    item.label = p.manifest?.name ?? `${p.root} (invalid inspec.yml)`;
    item.description = [p.manifest?.version, p.manifest?.title].filter(Boolean).join(' · ');
    item.error = p.manifest ? undefined : new vscode.MarkdownString(`inspec.yml is invalid: ${p.manifestProblems.map((x) => `line ${x.line}: ${x.message}`).join('; ')}`);
    item.canResolveChildren = false;
    this.data.set(item, { kind: 'profile', root: p.root });
    const files = [...p.files.values()].filter((f) => f.controls.length || f.problems.length).sort((a, b) => a.path.localeCompare(b.path));
    item.children.replace(files.map((f) => this.fileItem(p, f, item)));
    return item;
  }

  private fileItem(p: IndexedProfile, f: IndexedFile, parent: vscode.TestItem): vscode.TestItem {
    const id = `file:${f.path}`;
    const uri = vscode.Uri.file(f.path);
    const item = parent.children.get(id) ?? this.controller.createTestItem(id, relative(p.root, f.path), uri);
    item.label = relative(p.root, f.path);
    item.error = f.problems.length ? new vscode.MarkdownString(f.problems.map((x) => `line ${x.line}: ${x.message}`).join('\n\n')) : undefined;
    this.data.set(item, { kind: 'file', root: p.root, file: f.path });
    const seen = new Map<string, number>();
    const children: vscode.TestItem[] = [];
    for (const c of f.controls) {
      const n = (seen.get(c.id) ?? 0) + 1;
      seen.set(c.id, n);
      const cid = `control:${f.path}#${c.id}${n > 1 ? `#${n}` : ''}`;
      const child = item.children.get(cid) ?? this.controller.createTestItem(cid, c.id, uri);
      child.label = c.id;
      child.range = new vscode.Range(c.startLine - 1, c.startColumn, c.endLine - 1, c.endColumn);
      child.description = TITLE.exec(c.text)?.[2];
      child.sortText = String(c.startLine).padStart(6, '0');
      child.error = c.dynamic ? 'The id is built at run time; run its file or profile instead.' : undefined;
      this.data.set(child, { kind: 'control', root: p.root, file: f.path, block: c });
      children.push(child);
    }
    item.children.replace(children);
    return item;
  }

  private workspaceRoot(path: string): string {
    return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(path))?.uri.fsPath ?? path;
  }

  /** Control items (leaves) under the given items, or all. */
  private leaves(items: readonly vscode.TestItem[] | undefined, exclude: ReadonlySet<string>): vscode.TestItem[] {
    const out: vscode.TestItem[] = [];
    const walk = (i: vscode.TestItem) => {
      if (exclude.has(i.id)) return;
      if (this.data.get(i)?.kind === 'control') out.push(i);
      else i.children.forEach(walk);
    };
    if (items) items.forEach(walk);
    else this.controller.items.forEach(walk);
    return out;
  }

  /** The control item for `id` in the file `file` (first definition). */
  controlItem(file: string, id: string): vscode.TestItem | undefined {
    for (const [, p] of this.controller.items) {
      const f = p.children.get(`file:${file}`);
      const c = f?.children.get(`control:${file}#${id}`);
      if (c) return c;
    }
    return undefined;
  }

  /** Every item, flattened (for tests and the status of the tree). */
  allItems(): vscode.TestItem[] {
    const out: vscode.TestItem[] = [];
    const walk = (i: vscode.TestItem) => {
      out.push(i);
      i.children.forEach(walk);
    };
    this.controller.items.forEach(walk);
    return out;
  }

  // ------------------------------------------------------------------------------------------------- running

  /** Runs a Test Explorer request (or one built for a save). */
  async runRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken, reason: 'explorer' | 'save', startedAt = Date.now()): Promise<AuthoringRunRecord[]> {
    const exclude = new Set((request.exclude ?? []).map((i) => i.id));
    const groups = new Map<string, { items: vscode.TestItem[]; whole: boolean }>();
    const wholeRoots = new Set<string>();
    for (const i of request.include ?? [...this.iterRoots()]) {
      const d = this.data.get(i);
      if (d?.kind === 'profile' && !request.exclude?.length) wholeRoots.add(d.root);
    }
    for (const leaf of this.leaves(request.include, exclude)) {
      const d = this.data.get(leaf) as ControlData;
      const g = groups.get(d.root) ?? { items: [], whole: wholeRoots.has(d.root) };
      g.items.push(leaf);
      groups.set(d.root, g);
    }
    const run = this.controller.createTestRun(request, reason === 'save' ? 'Re-run on save' : 'Run on pinned target', true);
    const records: AuthoringRunRecord[] = [];
    try {
      const target = this.pinned.target;
      if (!target) {
        const msg = new vscode.TestMessage('No authoring target is pinned. In the Kube Compliance Clusters view, right-click a container and choose "Pin as Authoring Target".');
        for (const g of groups.values()) for (const i of g.items) run.errored(i, msg);
        void vscode.window.showWarningMessage('Kube Compliance: pin a container first ("Pin as Authoring Target" on a container in the Clusters view).');
        return records;
      }
      for (const [root, g] of groups) {
        if (token.isCancellationRequested) break;
        records.push(await this.runGroup(run, root, g.items, g.whole, target, token, reason, startedAt));
      }
    } finally {
      run.end();
    }
    for (const r of records) this.finished.fire(r);
    return records;
  }

  private *iterRoots(): Iterable<vscode.TestItem> {
    for (const [, i] of this.controller.items) yield i;
  }

  private async runGroup(
    run: vscode.TestRun,
    root: string,
    items: vscode.TestItem[],
    whole: boolean,
    target: ContainerClassification,
    token: vscode.CancellationToken,
    reason: 'explorer' | 'save',
    startedAt: number,
  ): Promise<AuthoringRunRecord> {
    const runnable = items.filter((i) => !(this.data.get(i) as ControlData).block.dynamic);
    for (const i of items) if (!runnable.includes(i)) run.skipped(i);
    const ids = [...new Set(runnable.map((i) => (this.data.get(i) as ControlData).block.id))];
    const controls = whole ? undefined : ids;
    for (const i of runnable) run.started(i);

    // a run already in flight for (some of) the same controls is cancelled first
    const overlapping = [...this.inflight].filter((f) => f.root === root && (!f.controls || !controls || controls.some((id) => f.controls!.has(id))));
    for (const f of overlapping) {
      this.log.info(`Authoring: cancelling the run in flight for ${f.controls ? [...f.controls].join(', ') : 'the whole profile'} (superseded)`);
      f.cts.cancel();
    }
    await Promise.all(overlapping.map((f) => f.done));

    const cts = new vscode.CancellationTokenSource();
    const sub = token.onCancellationRequested(() => cts.cancel());
    let finish!: () => void;
    const entry: InFlight = { root, controls: controls ? new Set(controls) : undefined, cts, done: new Promise<void>((r) => (finish = r)) };
    this.inflight.add(entry);
    const label = targetLabel(target);
    run.appendOutput(`Scanning ${label} with ${controls ? `--controls ${controls.join(' ')}` : 'the whole profile'}\r\n`);
    const recorded: RecordedOutcome[] = [];
    let result: AuthoringScanResult = { cancelled: false };
    let scanStarted = 0;
    let scanEnded = 0;
    const record = (outcomes: RecordedOutcome[], r: AuthoringScanResult, cancelled: boolean) => {
      const rec = this.record(reason, root, label, controls, outcomes, r, startedAt, cancelled);
      return scanStarted && scanEnded ? { ...rec, phases: { beforeScanMs: scanStarted - startedAt, scanMs: scanEnded - scanStarted, afterScanMs: Date.now() - scanEnded, scanStartedAt: scanStarted } } : rec;
    };
    try {
      scanStarted = Date.now();
      result = await this.scan({ profileRoot: root, target, controls, token: cts.token }).catch(
        (err): AuthoringScanResult => ({ cancelled: cts.token.isCancellationRequested, error: err instanceof Error ? err.message : String(err) }),
      );
      scanEnded = Date.now();
      if (result.cancelled || cts.token.isCancellationRequested) {
        for (const i of runnable) run.skipped(i);
        run.appendOutput(`Cancelled.\r\n`);
        return record(recorded, result, true);
      }
      let report: Report | undefined;
      let error = result.error;
      if (!error && result.reportPath) {
        try {
          report = parseReport(await readFile(result.reportPath, 'utf8'));
        } catch (err) {
          error = `The report ${result.reportPath} could not be read: ${err instanceof Error ? err.message : String(err)}`;
        }
      } else if (!error) error = `The auditor wrote no report${result.exitCode !== undefined ? ` (exit code ${result.exitCode})` : ''}.`;
      if (!report) {
        const msg = new vscode.TestMessage(error ?? 'The scan failed.');
        for (const i of runnable) {
          const d = this.data.get(i) as ControlData;
          msg.location = new vscode.Location(vscode.Uri.file(d.file), new vscode.Position(d.block.startLine - 1, d.block.startColumn));
          run.errored(i, msg);
          recorded.push({ itemId: i.id, file: d.file, line: d.block.startLine - 1, id: d.block.id, state: 'errored', messages: [msg.message as string] });
        }
        run.appendOutput(`${error}\r\n`);
        return record(recorded, { ...result, error }, false);
      }
      const outcomes = new Map(mapOutcomes(report, ids).map((o) => [o.id, o]));
      for (const i of runnable) {
        const d = this.data.get(i) as ControlData;
        const o = outcomes.get(d.block.id)!;
        const uri = vscode.Uri.file(d.file);
        const at = new vscode.Location(uri, new vscode.Position(d.block.startLine - 1, d.block.startColumn));
        const messages = o.messages.map((m) => {
          const tm = new vscode.TestMessage(m);
          tm.location = at;
          return tm;
        });
        switch (o.state) {
          case 'passed':
            run.passed(i, o.durationMs);
            break;
          case 'failed':
            run.failed(i, messages, o.durationMs);
            break;
          case 'errored':
            run.errored(i, messages, o.durationMs);
            break;
          default:
            run.skipped(i);
            if (o.messages.length) run.appendOutput(`${d.block.id}: ${o.messages.join('; ')}\r\n`, at, i);
        }
        const rec: RecordedOutcome = { ...o, itemId: i.id, file: d.file, line: d.block.startLine - 1 };
        recorded.push(rec);
        this.lastOutcome.set(i.id, rec);
      }
      await this.updateFeedback(report, result.cwd);
      const counts = recorded.reduce<Record<string, number>>((acc, r) => ((acc[r.state] = (acc[r.state] ?? 0) + 1), acc), {});
      run.appendOutput(`Done: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\r\n`);
      return record(recorded, result, false);
    } finally {
      sub.dispose();
      this.inflight.delete(entry);
      cts.dispose();
      finish();
    }
  }

  private record(
    reason: 'explorer' | 'save',
    profileRoot: string,
    target: string,
    controls: readonly string[] | undefined,
    outcomes: RecordedOutcome[],
    result: AuthoringScanResult,
    startedAt: number,
    cancelled: boolean,
  ): AuthoringRunRecord {
    const rec: AuthoringRunRecord = {
      reason,
      profileRoot,
      target,
      controls,
      outcomes,
      reportPath: result.reportPath,
      error: result.error,
      cancelled,
      startedAt,
      totalMs: Date.now() - startedAt,
      auditorMs: result.auditorMs,
    };
    this.log.info(
      `Authoring: ${reason} run on ${target} (${controls ? controls.join(', ') : 'whole profile'}): ${cancelled ? 'cancelled' : result.error ? `error: ${result.error}` : outcomes.map((o) => `${o.id} ${o.state}`).join(', ')} in ${rec.totalMs} ms`,
    );
    return rec;
  }

  /** Diagnostics + CodeLens: the latest authoring outcome of every control run so far on this target. */
  private async updateFeedback(report: Report, cwd: string | undefined): Promise<void> {
    if (!this.feedback) return;
    for (const c of report.controls) this.feedbackControls.set(c.id, c);
    const merged: Report = { ...report, controls: [...this.feedbackControls.values()] };
    await this.feedback.update(merged, cwd, `the latest authoring run on ${this.pinned.target ? targetLabel(this.pinned.target) : 'the pinned target'}`);
  }

  /** Runs the given control ids of one file (run-on-save). */
  async runControls(file: string, ids: readonly string[], startedAt = Date.now()): Promise<AuthoringRunRecord[]> {
    const items = ids.map((id) => this.controlItem(file, id)).filter((i): i is vscode.TestItem => !!i);
    if (!items.length) return [];
    const cts = new vscode.CancellationTokenSource();
    try {
      return await this.runRequest(new vscode.TestRunRequest(items), cts.token, 'save', startedAt);
    } finally {
      cts.dispose();
    }
  }

  /** True while an authoring scan runs. */
  get busy(): boolean {
    return this.inflight.size > 0;
  }

  override dispose(): void {
    for (const f of this.inflight) f.cts.cancel();
    super.dispose();
  }
}
