// One webview showing the results app (the results panel, or a report opened with "Open With…"):
// HTML with a strict nonce CSP, the ready handshake, typed messages in both directions.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  isPanelToHost,
  type ExportCommand,
  type HostRequests,
  type HostToPanel,
  type OpenSourceResult,
  type PanelControlDetail,
  type PanelFilter,
  type PanelPersistedState,
  type PanelRequests,
  type PanelToHost,
  type RenderedCommand,
} from '../../protocol/messages';
import { RpcEndpoint } from '../../protocol/rpc';
import type { LoadedReport, ComparedReports } from './loader';
import { toPanelDetail } from './panelData';

/** What a view asks of the extension (implemented by the ResultsService). */
export interface ResultsViewHost {
  openSource(view: ResultsView, key: number, resultIndex?: number, preserveFocus?: boolean): Promise<OpenSourceResult>;
  exportReport(view: ResultsView, format: ExportCommand['format']): Promise<void>;
  runCommand(view: ResultsView, command: 'openReport' | 'compareReports' | 'refresh'): Promise<void>;
  showCode(view: ResultsView, key: number): Promise<void>;
}

export const WEBVIEW_ROOTS = ['dist', 'media'];

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: WEBVIEW_ROOTS.map((d) => vscode.Uri.joinPath(extensionUri, d)) };
}

function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** The page: no inline script or style; only our own script (with the nonce), styles and font from dist/. */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const asset = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', f)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${asset('codicon.css')}" nonce="${n}">
<link rel="stylesheet" href="${asset('webview.css')}" nonce="${n}">
<title>Compliance Results</title>
</head>
<body>
<div id="app"></div>
<script nonce="${n}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}

export class ResultsView implements vscode.Disposable {
  private ready = false;
  private queue: HostToPanel[] = [];
  /** Requests both ways: the panel's `openSource`/`getDetail`, the host's `inspect`. */
  private readonly rpc: RpcEndpoint<HostRequests, PanelRequests>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedEmitter = new vscode.EventEmitter<RenderedCommand>();
  /** Fires after each render in the panel (what, how long): tests and benchmarks wait on it. */
  readonly onDidRender = this.renderedEmitter.event;
  private readonly persistEmitter = new vscode.EventEmitter<PanelPersistedState>();
  readonly onDidPersist = this.persistEmitter.event;
  /** The report shown (the newer one when comparing). */
  current: LoadedReport | undefined;
  comparison: ComparedReports | undefined;
  /** The panel's last persisted filter/selection (re-sent when the webview is rebuilt). */
  state: PanelPersistedState = {};
  lastRendered: RenderedCommand | undefined;

  constructor(
    readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    private readonly host: ResultsViewHost,
    private readonly log: { warn(m: string): void; info(m: string): void },
  ) {
    this.rpc = new RpcEndpoint<HostRequests, PanelRequests>((m) => void this.post(m), {
      peer: 'the results panel',
      timeoutMs: 10000,
      onHandlerError: (method, error) => this.log.warn(`results panel: ${method} failed: ${error}`),
    });
    this.rpc.handle('getDetail', ({ key }) => this.detail(key));
    this.rpc.handle('openSource', ({ key, resultIndex, preserveFocus }) => this.host.openSource(this, key, resultIndex, preserveFocus));
    webview.options = webviewOptions(extensionUri);
    webview.html = panelHtml(webview, extensionUri);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      this.renderedEmitter,
      this.persistEmitter,
    );
  }

  /** Handles a message from the panel (public so tests can send exactly what the panel sends). Returns a request's reply. */
  async receive(raw: unknown): Promise<unknown> {
    if (!isPanelToHost(raw)) {
      this.log.warn(`results panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return undefined;
    }
    const msg: PanelToHost = raw;
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.pushState();
        return undefined;
      case 'rendered':
        this.lastRendered = msg;
        this.renderedEmitter.fire(msg);
        return undefined;
      case 'persist':
        this.state = { ...this.state, ...msg.state };
        this.persistEmitter.fire(this.state);
        return undefined;
      case 'export':
        await this.host.exportReport(this, msg.format);
        return undefined;
      case 'run':
        await this.host.runCommand(this, msg.command);
        return undefined;
      case 'showCode':
        await this.host.showCode(this, msg.key);
        return undefined;
      case 'reply':
      case 'request':
        // a request's result (undefined when it failed), as the reply the panel gets
        return this.rpc.receive(msg);
    }
  }

  private detail(key: number): PanelControlDetail {
    const control = this.current?.report.controls[key];
    if (!control) throw new Error(`no control #${key} in the report shown`);
    return toPanelDetail(control, key, this.current?.transport);
  }

  /** Everything the panel needs after (re)loading its page. */
  private pushState(): void {
    const queued = this.queue;
    this.queue = [];
    if (this.current) {
      void this.send({ type: 'report', report: this.current.panel, restore: this.restoreState() });
      if (this.comparison) void this.send({ type: 'comparison', comparison: this.comparison.panel });
    }
    for (const m of queued) if (m.type !== 'report' && m.type !== 'comparison') void this.send(m);
  }

  private restoreState(): PanelPersistedState {
    const c = this.current!;
    const same = this.state.reportPath === c.path;
    return { ...(same ? this.state : {}), reportPath: c.path, cwd: c.cwd, label: c.label };
  }

  private send(msg: HostToPanel): Thenable<boolean> {
    return this.webview.postMessage(msg);
  }

  /** Sends now if the panel is ready, else after its `ready`. */
  post(msg: HostToPanel): Thenable<boolean> {
    if (this.ready) return this.send(msg);
    this.queue.push(msg);
    return Promise.resolve(false);
  }

  showReport(loaded: LoadedReport, restore?: PanelPersistedState): void {
    this.current = loaded;
    this.comparison = undefined;
    if (restore) this.state = { ...restore, reportPath: loaded.path };
    this.state = { ...this.state, reportPath: loaded.path, cwd: loaded.cwd, label: loaded.label };
    if (this.ready) void this.send({ type: 'report', report: loaded.panel, restore: this.restoreState() });
  }

  showComparison(cmp: ComparedReports): void {
    this.current = cmp.newer;
    this.comparison = cmp;
    this.state = { reportPath: cmp.newer.path, cwd: cmp.newer.cwd, label: cmp.newer.label };
    if (this.ready) {
      void this.send({ type: 'report', report: cmp.newer.panel, restore: this.restoreState() });
      void this.send({ type: 'comparison', comparison: cmp.panel });
    }
  }

  showError(message: string): void {
    void this.post({ type: 'error', message });
  }

  setFilter(filter: PanelFilter): void {
    void this.post({ type: 'setFilter', filter });
  }

  select(id: string): void {
    void this.post({ type: 'select', id });
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Asks the panel something (e.g. `inspect`: what it shows). Rejects after `timeoutMs`. */
  request<M extends keyof HostRequests>(method: M, params: HostRequests[M]['params'], timeoutMs = 10000): Promise<HostRequests[M]['result']> {
    return this.rpc.request(method, params, timeoutMs);
  }

  /** Resolves with the next `rendered` message matching `phase` (or any phase). */
  nextRender(phase?: RenderedCommand['phase'], timeoutMs = 20000): Promise<RenderedCommand> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`the results panel did not render${phase ? ` '${phase}'` : ''} within ${timeoutMs} ms`));
      }, timeoutMs);
      const sub = this.onDidRender((r) => {
        if (phase && r.phase !== phase) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(r);
      });
    });
  }

  dispose(): void {
    this.rpc.dispose('the results panel was closed');
    for (const d of this.disposables) d.dispose();
  }
}
