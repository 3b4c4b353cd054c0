// The panel's side of the conversation with the extension host, and the user's actions that need more than a
// state change (a request, a saved state, a `rendered` report). Components read the store and call these.
// No DOM here: the page's part (waiting for the components, the snapshot) is passed in by main.ts.
import {
  isHostToPanel,
  type ExportCommand,
  type HostRequests,
  type OpenSourceResult,
  type PanelFilter,
  type PanelPersistedState,
  type PanelReport,
  type PanelRequests,
  type PanelSnapshot,
  type PanelToHost,
  type RenderedCommand,
} from '../src/protocol/messages';
import { RpcEndpoint } from '../src/protocol/rpc';
import { controlById, createStore, initialState, selectedControl, type Store } from './store';

export interface VsCodeApi {
  postMessage(message: PanelToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** What the page provides. */
export interface PanelPage {
  /** Resolves once every component has rendered the current state. */
  settled(): Promise<unknown>;
  /** Mirrors the last render as `document.body.dataset.rendered`. */
  markRendered(label: string): void;
  /** What the panel shows (the host's `inspect` request). */
  snapshot(): PanelSnapshot;
}

/** The panel waits this long for the host's answer to `openSource` / `getDetail`. */
export const HOST_TIMEOUT_MS = 60_000;

export class PanelApp {
  readonly store: Store;
  private readonly rpc: RpcEndpoint<PanelRequests, HostRequests>;

  constructor(
    private readonly vscode: VsCodeApi,
    private readonly page: PanelPage,
  ) {
    this.store = createStore(initialState((vscode.getState() as PanelPersistedState | undefined) ?? {}));
    this.rpc = new RpcEndpoint<PanelRequests, HostRequests>((m) => this.post(m), { peer: 'the extension', timeoutMs: HOST_TIMEOUT_MS });
    // what the panel shows once the components have caught up with the state
    this.rpc.handle('inspect', () => this.page.settled().then(() => this.page.snapshot()));
    // the chosen control's detail is fetched when it is missing, whatever chose it (a click, a key, the host, a restore)
    this.store.subscribe(() => this.ensureDetail());
  }

  post(msg: PanelToHost): void {
    this.vscode.postMessage(msg);
  }

  /** Every message the host sends (`window` message events); anything else is ignored. */
  receive(raw: unknown): void {
    if (!isHostToPanel(raw)) return;
    const msg = raw;
    const started = performance.now();
    switch (msg.type) {
      case 'report':
        this.showReport(msg.report, msg.restore);
        break;
      case 'comparison':
        this.store.dispatch({ type: 'comparison', comparison: msg.comparison });
        this.rendered('comparison', started);
        break;
      case 'error':
        this.store.dispatch({ type: 'error', message: msg.message });
        this.rendered('error', started);
        break;
      case 'setFilter':
        this.applyFilter(msg.filter);
        break;
      case 'select':
        this.selectById(msg.id);
        break;
      case 'request':
      case 'reply':
        void this.rpc.receive(msg);
        break;
    }
  }

  /** The page is ready for the host's state. */
  start(): void {
    this.post({ type: 'ready' });
  }

  private showReport(report: PanelReport, restore?: PanelPersistedState): void {
    const started = performance.now();
    const s = this.store.dispatch({ type: 'report', report, restore });
    this.vscode.setState(s.persisted);
    this.rendered('report', started);
  }

  /** Merges `patch` into the filter. */
  applyFilter(patch: PanelFilter): void {
    const started = performance.now();
    this.store.dispatch({ type: 'filter', filter: patch });
    this.rendered('filter', started);
    this.persist();
  }

  toggleGroup(file: string): void {
    this.store.dispatch({ type: 'toggleGroup', file });
  }

  select(key: number, scroll: boolean): void {
    const started = performance.now();
    this.store.dispatch({ type: 'select', key, scroll });
    this.rendered('detail', started);
    this.persist();
  }

  selectById(id: string): void {
    const c = controlById(this.store.getState(), id);
    if (c) this.select(c.key, true);
  }

  /** A click in the list: select the control and show its source beside, keeping the focus in the panel. */
  choose(key: number): void {
    this.select(key, false);
    void this.openSource(key, undefined, true);
  }

  async openSource(key: number, resultIndex?: number, preserveFocus?: boolean): Promise<void> {
    let result: OpenSourceResult;
    try {
      result = await this.rpc.request('openSource', { key, resultIndex, preserveFocus });
    } catch (err) {
      result = { opened: false, message: err instanceof Error ? err.message : String(err) };
    }
    this.store.dispatch({ type: 'sourceNote', key, result });
  }

  showComparison(show: boolean): void {
    const started = performance.now();
    const before = this.store.getState().showComparison;
    const after = this.store.dispatch({ type: 'showComparison', show }).showComparison;
    if (after && !before) this.rendered('comparison', started);
  }

  dismissError(): void {
    this.store.dispatch({ type: 'dismissError' });
  }

  run(command: 'openReport' | 'compareReports'): void {
    this.post({ type: 'run', command });
  }

  exportAs(format: ExportCommand['format']): void {
    this.post({ type: 'export', format });
  }

  showCode(key: number): void {
    this.post({ type: 'showCode', key });
  }

  /** Rejects the requests still waiting (the page never needs it: it goes away with the panel; tests do). */
  dispose(): void {
    this.rpc.dispose('the panel was closed');
  }

  private ensureDetail(): void {
    const s = this.store.getState();
    const c = selectedControl(s);
    const report = s.report;
    if (!c || !report || s.details.has(c.key) || s.pendingDetails.has(c.key)) return;
    const key = c.key;
    this.store.dispatch({ type: 'detailRequested', key });
    this.rpc.request('getDetail', { key }).then(
      (detail) => this.detailArrived(report, key, () => this.store.dispatch({ type: 'detailLoaded', report, key, detail })),
      (err: unknown) => this.detailArrived(report, key, () => this.store.dispatch({ type: 'detailFailed', report, key, error: err instanceof Error ? err.message : String(err) })),
    );
  }

  private detailArrived(report: PanelReport, key: number, apply: () => void): void {
    const started = performance.now();
    apply();
    const s = this.store.getState();
    if (s.report === report && s.selectedKey === key) this.rendered('detail', started);
  }

  /** Saves the filter and selection (the webview's state, and the host's copy for the serializer). */
  private persist(): void {
    const { persisted } = this.store.getState();
    this.vscode.setState(persisted);
    this.post({ type: 'persist', state: persisted });
  }

  /** Once the components show the state: counts the render and tells the host what it was and how long it took. */
  private rendered(phase: RenderedCommand['phase'], started: number): void {
    void this.page.settled().then(() => {
      const s = this.store.dispatch({ type: 'rendered' });
      this.page.markRendered(`${phase}:${s.renderCount}`);
      const ms = Math.round((performance.now() - started) * 100) / 100;
      this.post({ type: 'rendered', phase, ms, matching: s.matching.length });
    });
  }
}
