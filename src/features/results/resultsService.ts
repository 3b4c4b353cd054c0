// The results service: the panel, the "Open With" report editor, source links, editor feedback, report loading,
// comparison and exports. Its commands are in register.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import { setContext } from '../../platform/commands';
import type { Platform } from '../../services';
import { toCsv, toMarkdownSummary } from '../../core/results';
import { editAttestations, exportCompliance, reportEntries, type ComplianceExportArgs, type ComplianceExportResult } from './complianceExport';
import type { OpenSourceResult } from '../../protocol/messages';
import { EditorFeedback } from './editorFeedback';
import { compareLoaded, loadReport, toShowResultsArgs, type LoadedReport, type ShowResultsArgs } from './loader';
import { REPORT_EDITOR_VIEW_TYPE, RESULTS_VIEW_TYPE, ReportEditorProvider, ResultsPanel } from './resultsPanel';
import type { ResultsView, ResultsViewHost } from './resultsView';
import { ReportSources, openAt } from './sourceLinks';

const REPORT_FILTERS = { 'InSpec / CINC JSON report (HDF)': ['json'], 'All files': ['*'] };

/** What the results feature exposes to the rest of the extension (and to the host tests through the API). */
export class ResultsService extends Disposable implements ResultsViewHost {
  readonly panel: ResultsPanel;
  readonly feedback = new EditorFeedback();
  readonly editors: ReportEditorProvider;
  /** The latest report loaded by showResults/openReport (what editor feedback shows). */
  latest: LoadedReport | undefined;
  private readonly sources = new WeakMap<LoadedReport, ReportSources>();

  constructor(private readonly ctx: Platform) {
    super();
    this.panel = this.register(new ResultsPanel(ctx.extension.extensionUri, this, ctx.log));
    this.register(this.feedback);
    this.editors = new ReportEditorProvider(ctx.extension.extensionUri, this, ctx.log);
    this.register(
      vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          await this.panel.revive(panel, state);
        },
      }),
    );
    this.register(
      vscode.window.registerCustomEditorProvider(REPORT_EDITOR_VIEW_TYPE, this.editors, {
        webviewOptions: { enableFindWidget: true },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  /** Parses the report, shows it in the panel and refreshes diagnostics + CodeLens. A malformed report leaves the panel's content as it was. */
  async showResults(args: ShowResultsArgs, opts: { preserveFocus?: boolean; feedback?: boolean } = {}): Promise<LoadedReport | undefined> {
    let loaded: LoadedReport;
    try {
      loaded = await loadReport(args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.log.error(message);
      if (this.panel.view) this.panel.view.showError(message);
      void vscode.window.showErrorMessage(`Kube Compliance: ${message}`);
      return undefined;
    }
    this.ctx.log.info(`results: ${loaded.path}: ${loaded.summary.controls} controls, compliance ${loaded.summary.compliance}%`);
    this.panel.show(loaded, opts.preserveFocus);
    if (opts.feedback !== false) {
      this.latest = loaded;
      void setContext('kubeCompliance.hasResults', true);
      await this.feedback.update(loaded.report, loaded.cwd, loaded.label, loaded.transport);
    }
    return loaded;
  }

  async compare(olderArgs: ShowResultsArgs, newerArgs: ShowResultsArgs): Promise<ResultsView | undefined> {
    let older: LoadedReport, newer: LoadedReport;
    try {
      [older, newer] = await Promise.all([loadReport(olderArgs), loadReport(newerArgs)]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.panel.view) this.panel.view.showError(message);
      void vscode.window.showErrorMessage(`Kube Compliance: ${message}`);
      return undefined;
    }
    const cmp = compareLoaded(older, newer);
    const view = this.panel.ensure();
    view.showComparison(cmp);
    this.panel.webviewPanel!.title = `Compare: ${older.label} → ${newer.label}`;
    return view;
  }

  private sourcesOf(loaded: LoadedReport): ReportSources {
    let s = this.sources.get(loaded);
    if (!s) this.sources.set(loaded, (s = new ReportSources(loaded.report, loaded.cwd)));
    return s;
  }

  private otherColumn(view: ResultsView): vscode.ViewColumn {
    const wp = this.panel.view === view ? this.panel.webviewPanel : undefined;
    if (!wp?.viewColumn) return vscode.ViewColumn.One;
    return wp.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }

  // ───────── ResultsViewHost: what the panel asks for ─────────

  /** A failed result opens its control's line: InSpec results carry no source line of their own. */
  async openSource(view: ResultsView, key: number, _resultIndex?: number, preserveFocus = false): Promise<OpenSourceResult> {
    const loaded = view.current;
    const control = loaded?.report.controls[key];
    if (!loaded || !control) return { opened: false, message: 'That control is no longer shown (the report changed).' };
    const where = await this.sourcesOf(loaded).resolve(control);
    if (!where.found) {
      this.ctx.log.info(`results: no source for ${control.id}: ${where.reason}`);
      return { opened: false, message: where.reason };
    }
    const editor = await openAt(where.path, where.line, this.otherColumn(view), preserveFocus);
    return { opened: true, path: where.path, line: editor.selection.active.line + 1 };
  }

  async exportReport(view: ResultsView, format: 'csv' | 'markdown' | 'hdf' | 'compliance' | 'attestations'): Promise<void> {
    const loaded = view.current;
    if (!loaded) return;
    try {
      if (format === 'csv') await exportCsv(loaded);
      else if (format === 'markdown') await exportMarkdown(loaded);
      else if (format === 'compliance') await this.exportCompliance(loaded, {});
      else if (format === 'attestations') await editAttestations(loaded);
      else await copyHdf(loaded);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.log.error(`export ${format} failed: ${message}`);
      void vscode.window.showErrorMessage(`Kube Compliance: export failed: ${message}`);
    }
  }

  async runCommand(view: ResultsView, command: 'openReport' | 'compareReports' | 'refresh'): Promise<void> {
    if (command === 'refresh') {
      const cur = view.current;
      if (cur) await this.showResults({ reportPath: cur.path, cwd: cur.cwd, label: cur.label, transport: cur.transport }, { feedback: this.latest?.path === cur.path });
      return;
    }
    if (command === 'openReport') await this.openReport();
    else await this.compareReports();
  }

  /** Opens a report: the given one, else one chosen in a file dialog. */
  async openReport(arg?: unknown): Promise<LoadedReport | undefined> {
    const args = toShowResultsArgs(arg) ?? (await pickReport('Open a scan report (InSpec / CINC JSON)').then((p) => (p ? { reportPath: p } : undefined)));
    if (!args) return undefined;
    return this.showResults(args);
  }

  /** Compares two reports: the given ones, else chosen (the newer may be the one in the panel). */
  async compareReports(arg?: unknown): Promise<ResultsView | undefined> {
    const a = arg as { older?: unknown; newer?: unknown } | undefined;
    let older = toShowResultsArgs(a?.older);
    let newer = toShowResultsArgs(a?.newer);
    if (!older) {
      const p = await pickReport('Compare: choose the OLDER report (the baseline)');
      if (!p) return undefined;
      older = { reportPath: p };
    }
    if (!newer) {
      const cur = this.panel.view?.current;
      const useCurrent = cur && cur.path !== older.reportPath
        ? await vscode.window.showQuickPick([{ label: `$(preview) ${cur.label}`, description: 'the report in the panel', path: cur.path }, { label: '$(folder-opened) Choose another report…', path: '' }], { title: 'Compare: the NEWER report' })
        : { path: '' };
      if (!useCurrent) return undefined;
      const p = useCurrent.path || (await pickReport('Compare: choose the NEWER report', vscode.Uri.file(path.dirname(older.reportPath))));
      if (!p) return undefined;
      newer = { reportPath: p };
    }
    return this.compare(older, newer);
  }

  /** Shows a control of the latest report in the panel (the CodeLens target). */
  revealControl(id: string): void {
    const latest = this.latest;
    if (!latest) return;
    if (!latest.report.controls.some((c) => c.id === id)) {
      void vscode.window.showInformationMessage(`Control ${id} is not in ${latest.label}, the report the results panel shows.`);
      return;
    }
    const view = this.panel.view?.current === latest ? this.panel.ensure(true) : this.panel.show(latest, true);
    view.select(id);
  }

  /** The control's code as the report embeds it, in an untitled Ruby editor (its source is not in the workspace). */
  async showCode(view: ResultsView, key: number): Promise<void> {
    const control = view.current?.report.controls[key];
    if (!control) return;
    const ref = control.sourceLocation ? `${control.sourceLocation.ref}:${control.sourceLocation.line}`.replace(/[\r\n]+/g, ' ') : 'no source_location';
    const header = `# ${control.id}: the code embedded in ${view.current!.label} (source not in this workspace; the report says ${ref})\n`;
    const doc = await vscode.workspace.openTextDocument({ language: 'ruby', content: header + (control.fullCode ?? control.code) });
    await vscode.window.showTextDocument(doc, { viewColumn: this.otherColumn(view), preview: true });
  }

  /** CKL / CKLB / XCCDF / CSV / HTML of one report, its attestations applied (see complianceExport.ts). */
  async exportCompliance(loaded: LoadedReport, args: ComplianceExportArgs): Promise<ComplianceExportResult | undefined> {
    const notes: string[] = [];
    const entries = await reportEntries(loaded, (n) => notes.push(n));
    return exportCompliance(this.ctx, entries, path.dirname(loaded.path), args, notes);
  }

  /** The report an export command works on: the one in the given/active view, else the panel's, else the latest. */
  reportFor(arg: unknown): LoadedReport | undefined {
    const view = (arg as { view?: ResultsView } | undefined)?.view;
    return view?.current ?? this.panel.view?.current ?? this.latest;
  }

}

async function pickReport(title: string, defaultUri?: vscode.Uri): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open Report', title, filters: REPORT_FILTERS, defaultUri });
  return picked?.[0]?.fsPath;
}

export function exportTarget(arg: unknown): string | undefined {
  const t = (arg as { target?: unknown } | undefined)?.target;
  if (typeof t === 'string') return t;
  if (t instanceof vscode.Uri) return t.fsPath;
  return undefined;
}

/** Writes the CSV (save dialog unless `target` is given). Returns the file written. */
export async function exportCsv(loaded: LoadedReport, target?: string): Promise<string | undefined> {
  if (!target) {
    const uri = await vscode.window.showSaveDialog({
      title: 'Export the controls as CSV',
      defaultUri: vscode.Uri.file(loaded.path.replace(/\.json$/i, '') + '.csv'),
      filters: { CSV: ['csv'] },
    });
    if (!uri) return undefined;
    target = uri.fsPath;
  }
  const file = target;
  await vscode.workspace.fs.writeFile(vscode.Uri.file(file), new TextEncoder().encode(toCsv(loaded.report)));
  void vscode.window.showInformationMessage(`Exported ${loaded.report.controls.length} controls to ${path.basename(file)}.`, 'Open').then((c) => {
    if (c === 'Open') void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
  });
  return file;
}

/** The Markdown summary (as `saf summary` writes for CI step summaries): to `target`, else an untitled editor. */
export async function exportMarkdown(loaded: LoadedReport, target?: string): Promise<string> {
  const markdown = toMarkdownSummary(loaded.report);
  if (target) {
    await vscode.workspace.fs.writeFile(vscode.Uri.file(target), new TextEncoder().encode(markdown));
    return target;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  return doc.uri.toString();
}

/** Copies the report's HDF JSON, exactly as read, to the clipboard. */
export async function copyHdf(loaded: LoadedReport): Promise<number> {
  await vscode.env.clipboard.writeText(loaded.text);
  void vscode.window.showInformationMessage(`Copied the HDF JSON of ${loaded.label} (${Math.round(loaded.text.length / 1024)} KB) to the clipboard.`);
  return loaded.text.length;
}

