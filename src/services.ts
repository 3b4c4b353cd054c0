/**
 * The typed container of services, built once in extension.ts and handed to every feature. Features call each other
 * through these services, never through command ids: a renamed method or field is a compile error.
 *
 * `Platform` is what exists before any feature: the extension context, the log, typed settings and stored state, and
 * the confirmations every question goes through. `Services` adds one service per feature, in activation order
 * (explorer → results → scan → shellless → access → authoring → fleet → kubernetesTools → history); a feature receives the services activated before it,
 * and reaches later ones only through events or registrations they make on it (e.g. access registers its preflight
 * with scan).
 */
import type * as vscode from 'vscode';
import type { ClusterPool } from './core/cluster/pool';
import type { AccessService } from './features/access/accessService';
import type { AuthoringService } from './features/authoring/authoringService';
import type { ExplorerService } from './features/explorer/explorerService';
import type { FleetService } from './features/fleet/fleetService';
import type { KubernetesToolsService } from './features/kubernetesTools/kubernetesToolsService';
import type { HistoryService } from './features/history/historyService';
import type { WatchService } from './features/history/watchService';
import type { ResultsService } from './features/results/resultsService';
import type { ScanService } from './features/scan/scanService';
import type { ShelllessService } from './features/shellless/shelllessService';
import type { Config } from './platform/config';
import type { Confirmations } from './platform/confirmations';
import type { Log } from './platform/log';
import type { State } from './platform/state';

export interface Platform {
  readonly extension: vscode.ExtensionContext;
  readonly log: Log;
  readonly config: Config;
  readonly state: State;
  readonly confirmations: Confirmations;
}

export interface Services extends Platform {
  readonly explorer: ExplorerService;
  /** The shared cluster clients (the explorer's pool). */
  readonly pool: ClusterPool;
  readonly results: ResultsService;
  readonly scan: ScanService;
  readonly shellless: ShelllessService;
  readonly access: AccessService;
  readonly authoring: AuthoringService;
  /** Fleet scans: a namespace, workload or selection in one run, and the fleet report. */
  readonly fleet: FleetService;
  /** The optional integration with Microsoft's Kubernetes extension (does nothing when it is absent). */
  readonly kubernetesTools: KubernetesToolsService;
  /** Scan history per target (the index in the results folder), drift between runs, compliance over time. */
  readonly history: HistoryService;
  /** Watch mode: namespaces whose changed images or pod templates are rescanned. */
  readonly watch: WatchService;
}
