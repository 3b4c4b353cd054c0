// The results panel (one per window, viewType `kubeCompliance.results`) and the "Open With…" report editor.
// Both host the same webview app through a ResultsView; the panel also comes back after a window reload
// (registerWebviewPanelSerializer + the state the webview keeps with setState).
import * as vscode from 'vscode';
import { isPersistedState, type PanelPersistedState } from '../../protocol/messages';
import type { Log } from '../../platform/log';
import { loadReport, type LoadedReport } from './loader';
import { ResultsView, webviewOptions, type ResultsViewHost } from './resultsView';

export const RESULTS_VIEW_TYPE = 'kubeCompliance.results';
export const REPORT_EDITOR_VIEW_TYPE = 'kubeCompliance.reportEditor';

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private viewRef: ResultsView | undefined;
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ResultsViewHost,
    private readonly log: Log,
  ) {}

  get view(): ResultsView | undefined {
    return this.viewRef;
  }

  get webviewPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  /** Opens (or reveals) the panel and returns its view. */
  ensure(preserveFocus = false): ResultsView {
    if (this.panel && this.viewRef) {
      this.panel.reveal(undefined, preserveFocus);
      return this.viewRef;
    }
    const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, 'Compliance Results', { viewColumn: vscode.ViewColumn.Active, preserveFocus }, {
      ...webviewOptions(this.extensionUri),
      enableFindWidget: true,
    });
    return this.attach(panel);
  }

  /** Takes over a panel (new, or revived by the serializer after a window reload). */
  attach(panel: vscode.WebviewPanel): ResultsView {
    this.viewRef?.dispose();
    this.panel?.dispose();
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'activity.svg');
    const view = new ResultsView(panel.webview, this.extensionUri, this.host, this.log);
    this.viewRef = view;
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
        this.viewRef = undefined;
      }
      view.dispose();
    });
    return view;
  }

  show(loaded: LoadedReport, preserveFocus = false): ResultsView {
    const view = this.ensure(preserveFocus);
    view.showReport(loaded);
    this.panel!.title = `Compliance: ${loaded.label}`;
    return view;
  }

  /**
   * Brings a panel back after a window reload: the webview's saved state names the report, its filter and selection.
   * If the report is gone, the panel says so (and keeps the filter for when it comes back).
   */
  async revive(panel: vscode.WebviewPanel, state: unknown): Promise<ResultsView> {
    const view = this.attach(panel);
    const saved: PanelPersistedState = isPersistedState(state) ? state : {};
    if (!saved.reportPath) return view;
    try {
      const loaded = await loadReport({ reportPath: saved.reportPath, cwd: saved.cwd, label: saved.label });
      view.showReport(loaded, saved);
      panel.title = `Compliance: ${loaded.label}`;
    } catch (err) {
      view.showError(err instanceof Error ? err.message : String(err));
    }
    return view;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

class ReportDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

/** "Open With… → Compliance Report": any `.json` (priority "option", so normal JSON editing is never hijacked). */
export class ReportEditorProvider implements vscode.CustomReadonlyEditorProvider<ReportDocument> {
  readonly views = new Set<ResultsView>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ResultsViewHost,
    private readonly log: Log,
  ) {}

  openCustomDocument(uri: vscode.Uri): ReportDocument {
    return new ReportDocument(uri);
  }

  async resolveCustomEditor(doc: ReportDocument, panel: vscode.WebviewPanel): Promise<void> {
    const view = new ResultsView(panel.webview, this.extensionUri, this.host, this.log);
    this.views.add(view);
    panel.onDidDispose(() => {
      this.views.delete(view);
      view.dispose();
    });
    try {
      view.showReport(await loadReport({ reportPath: doc.uri.fsPath }));
    } catch (err) {
      view.showError(err instanceof Error ? err.message : String(err));
    }
  }
}
