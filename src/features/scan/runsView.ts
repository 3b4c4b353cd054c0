import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { APPROACH_LABEL } from '../../core/cluster/types';
import { isUrlProfile } from '../../core/scan/argv';
import { STATE, type State } from '../../platform/state';
import { refKey, refLabel, type RunRecord } from './types';

const MAX_RUNS = 200;

/** A run in flight, shown at the top of the view until it ends. */
export interface ActiveRun {
  readonly id: string;
  readonly label: string;
  readonly profile: string;
  readonly startedAt: number;
}

type Item = { kind: 'run'; run: RunRecord } | { kind: 'active'; run: ActiveRun } | { kind: 'group'; key: string; label: string; runs: RunRecord[] };

/** How runs are grouped by target (the scan history's targets: a workload's container across pod replacements). */
export interface RunGrouping {
  groupOf(runId: string): { readonly key: string; readonly label: string } | undefined;
  /** How many runs each target lists. */
  runsShown(): number;
  readonly onDidChange: vscode.Event<void>;
}

/**
 * The `kubeCompliance.runs` view: every scan with its target, profile, approach, time, counts and a link to its
 * report. Records live in workspaceState (newest first, at most 200); report files are never deleted from here.
 */
export class RunsView implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly active = new Map<string, ActiveRun>();

  private grouping: RunGrouping | undefined;
  private groupingSub: vscode.Disposable | undefined;

  constructor(private readonly state: State) {}

  /** Groups the runs by target (set by the history feature); without it, runs of one container are grouped together. */
  setGrouping(g: RunGrouping): vscode.Disposable {
    this.grouping = g;
    this.groupingSub?.dispose();
    this.groupingSub = g.onDidChange(() => this.changed.fire(undefined));
    this.changed.fire(undefined);
    return { dispose: () => this.groupingSub?.dispose() };
  }

  /** The runs by target, each target's runs newest first (as stored), targets by their newest run. */
  groups(): Array<{ key: string; label: string; runs: RunRecord[] }> {
    const out = new Map<string, { key: string; label: string; runs: RunRecord[] }>();
    for (const r of this.runs) {
      const g = this.grouping?.groupOf(r.id) ?? { key: refKey(r.target), label: refLabel(r.target) };
      const entry = out.get(g.key) ?? { key: g.key, label: g.label, runs: [] };
      entry.runs.push(r);
      out.set(g.key, entry);
    }
    return [...out.values()];
  }

  get runs(): RunRecord[] {
    return this.state.get(STATE.runs, []);
  }

  find(id: string): RunRecord | undefined {
    return this.runs.find((r) => r.id === id);
  }

  async add(run: RunRecord): Promise<void> {
    await this.state.update(STATE.runs, [run, ...this.runs.filter((r) => r.id !== run.id)].slice(0, MAX_RUNS));
    this.changed.fire(undefined);
  }

  async clear(): Promise<void> {
    await this.state.update(STATE.runs, []);
    this.changed.fire(undefined);
  }

  setActive(run: ActiveRun, on: boolean): void {
    if (on) this.active.set(run.id, run);
    else this.active.delete(run.id);
    this.changed.fire(undefined);
  }

  getChildren(element?: Item): Item[] {
    if (element?.kind === 'group') return element.runs.slice(0, Math.max(1, this.grouping?.runsShown() ?? MAX_RUNS)).map((run) => ({ kind: 'run' as const, run }));
    if (element) return [];
    return [...[...this.active.values()].map((run) => ({ kind: 'active' as const, run })), ...this.groups().map((g) => ({ kind: 'group' as const, ...g }))];
  }

  getTreeItem(item: Item): vscode.TreeItem {
    if (item.kind === 'group') {
      const t = new vscode.TreeItem(item.label, vscode.TreeItemCollapsibleState.Expanded);
      t.id = `group:${item.key}`;
      const last = item.runs[0];
      t.description = `${item.runs.length} run${item.runs.length === 1 ? '' : 's'}${last.counts ? ` · last ${last.counts.compliance}%` : ''}`;
      t.tooltip = `${item.label}: ${item.runs.length} run(s) in this workspace; the last ${Math.min(item.runs.length, this.grouping?.runsShown() ?? MAX_RUNS)} listed (kubeCompliance.history.runsShown). Show History for the chart and the drift between runs.`;
      t.iconPath = new vscode.ThemeIcon('history');
      t.contextValue = 'runs.target';
      return t;
    }
    if (item.kind === 'active') {
      const t = new vscode.TreeItem(item.run.label);
      t.description = `${profileName(item.run.profile)} · running…`;
      t.iconPath = new vscode.ThemeIcon('loading~spin');
      t.contextValue = 'run.active';
      t.id = `active:${item.run.id}`;
      return t;
    }
    const r = item.run;
    const t = new vscode.TreeItem(refLabel(r.target));
    t.id = r.id;
    const when = new Date(r.startedAt);
    const counts = r.counts ? `${r.counts.passed} passed, ${r.counts.failed} failed${r.counts.error ? `, ${r.counts.error} error` : ''}${r.counts.notApplicable ? `, ${r.counts.notApplicable} N/A` : ''}` : r.outcome;
    t.description = `${profileName(r.profile)} · ${counts} · ${when.toLocaleString()}`;
    t.iconPath = icon(r);
    const hasReport = !!r.reportPath && existsSync(r.reportPath);
    t.contextValue = hasReport ? 'run.report' : 'run.noreport';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${refLabel(r.target)}** (context \`${r.target.context}\`)\n\n`);
    md.appendMarkdown(`- Profile: \`${r.profile}\`${r.controls?.length ? ` (controls: ${r.controls.join(', ')})` : ''}\n`);
    if (r.inputFile) md.appendMarkdown(`- Inputs: \`${r.inputFile}\`\n`);
    if (r.waiverFile) md.appendMarkdown(`- Waivers: \`${r.waiverFile}\`\n`);
    md.appendMarkdown(`- Approach: ${APPROACH_LABEL[r.approach]}${r.approachDescription ? ` — ${r.approachDescription}` : ''}\n`);
    md.appendMarkdown(`- Started: ${when.toLocaleString()} (${(r.durationMs / 1000).toFixed(1)} s)\n`);
    md.appendMarkdown(`- Auditor: \`${r.auditor.path}\`${r.auditor.version ? ` ${r.auditor.version}` : ''}\n`);
    if (r.transport) md.appendMarkdown(`- Transport: ${r.transport.name}${r.transport.version ? ` ${r.transport.version}` : ''}\n`);
    if (r.targetUri) md.appendMarkdown(`- Target: \`${r.targetUri}\`\n`);
    if (r.platform) md.appendMarkdown(`- Platform: ${r.platform}\n`);
    if (r.counts) md.appendMarkdown(`- Compliance: ${r.counts.compliance}% of ${r.counts.controls} controls\n`);
    md.appendMarkdown(`\n${r.message}\n`);
    if (hasReport) md.appendMarkdown(`\nReport: \`${r.reportPath}\``);
    t.tooltip = md;
    if (hasReport) t.command = { command: 'kubeCompliance.openRun', title: 'Open Results', arguments: [r.id] };
    return t;
  }

  dispose(): void {
    this.groupingSub?.dispose();
    this.changed.dispose();
  }
}

function icon(r: RunRecord): vscode.ThemeIcon {
  switch (r.outcome) {
    case 'passed':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'skipped':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconSkipped'));
    case 'cancelled':
      return new vscode.ThemeIcon('circle-slash');
    default:
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
}

export function profileName(profile: string): string {
  if (isUrlProfile(profile)) return profile.replace(/^[a-z]+:\/\//i, '').split('/').filter(Boolean).pop() ?? profile;
  return basename(profile.replace(/\/+$/, '')) || profile;
}
