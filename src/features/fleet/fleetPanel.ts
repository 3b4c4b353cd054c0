/**
 * The fleet report: a rollup (cluster → namespace → workload → container) with compliance % and Heimdall counts per
 * level, the control × container matrix (which containers fail a control), and drill-down into each container's own
 * report in the Compliance Results panel. Rendered on the host from src/core/fleet's rollup; the page has a strict
 * CSP (nothing by default; its one script and style only with the nonce) and every text is escaped.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import { loadFleetReports, readFleetIndex, resolveReportPath } from '../../core/fleet/indexFile';
import { itemKey, type FleetIndex, type FleetIndexItem } from '../../core/fleet/indexFormat';
import { buildRollup, type FleetRollup } from '../../core/fleet/rollup';
import { renderFleetPage } from './fleetPage';
import type { Platform } from '../../services';

export const FLEET_VIEW_TYPE = 'kubeCompliance.fleetReport';

/** What the page may send: open one container's report. Anything else is ignored. */
interface OpenMessage {
  readonly type: 'open';
  readonly key: string;
}
const isOpen = (m: unknown): m is OpenMessage => !!m && typeof m === 'object' && (m as OpenMessage).type === 'open' && typeof (m as OpenMessage).key === 'string';
/** The page's "Checklist…" button: export the fleet (CKL, CKLB, XCCDF, CSV, HTML). */
const isExport = (m: unknown): boolean => !!m && typeof m === 'object' && (m as { type?: unknown }).type === 'export';

/** What the panel shows, for tests and the drill-down. */
export interface FleetView {
  readonly indexPath: string;
  readonly index: FleetIndex;
  readonly rollup: FleetRollup;
  readonly html: string;
}

export class FleetPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** What the panel shows now. */
  current: FleetView | undefined;
  private openReport: ((path: string, label: string) => Thenable<unknown> | Promise<unknown>) | undefined;

  constructor(private readonly p: Platform) {
    super();
  }

  /** How a container's own report is opened (the results service; set once the features are wired). */
  setReportOpener(open: (path: string, label: string) => Thenable<unknown> | Promise<unknown>): void {
    this.openReport = open;
  }

  async show(indexPath: string, index?: FleetIndex): Promise<FleetView> {
    const idx = index ?? (await readFleetIndex(indexPath));
    const reports = await loadFleetReports(indexPath, idx);
    const rollup = buildRollup(idx, (item) => {
      const path = item.outcome === 'done' ? resolveReportPath(indexPath, item) : undefined;
      return path ? reports.get(path) : undefined;
    });
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(FLEET_VIEW_TYPE, 'Fleet Compliance', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.current = undefined;
      });
      this.panel.webview.onDidReceiveMessage((m) => void this.receive(m));
    }
    const nonce = randomBytes(16).toString('base64');
    const html = renderFleetPage(idx, rollup, indexPath, nonce);
    this.panel.webview.html = html;
    this.panel.title = `Fleet Compliance: ${rollup.total.compliance}%`;
    this.panel.reveal(undefined, false);
    this.current = { indexPath, index: idx, rollup, html };
    this.p.log.info(`fleet report: ${indexPath}: ${idx.items.length} container(s), compliance ${rollup.total.compliance}%`);
    return this.current;
  }

  /** How the fleet is exported (the fleet service). */
  setExporter(exportFleet: (indexPath: string) => Promise<unknown>): void {
    this.exportFleet = exportFleet;
  }
  private exportFleet: ((indexPath: string) => Promise<unknown>) | undefined;

  /** Drill-down: opens one container's report in the results panel. Returns the report path, or undefined. */
  async receive(m: unknown): Promise<string | undefined> {
    if (isExport(m) && this.current) {
      await this.exportFleet?.(this.current.indexPath);
      return undefined;
    }
    if (!isOpen(m) || !this.current) return undefined;
    const item = this.current.index.items.find((i) => itemKey(i) === m.key);
    const path = item ? resolveReportPath(this.current.indexPath, item) : undefined;
    if (!item || !path) return undefined;
    await this.openReport?.(path, `${item.namespace}/${item.pod}/${item.container}${item.scannedAs ? ` (scanned as ${item.scannedAs})` : ''}`);
    return path;
  }

  override dispose(): void {
    this.panel?.dispose();
    super.dispose();
  }
}

/** For the index row of a container key (tests). */
export function itemOf(index: FleetIndex, key: string): FleetIndexItem | undefined {
  return index.items.find((i) => itemKey(i) === key);
}
