/**
 * VS Code side of the shell-less approaches (issue 7): plugs the debug-container and sidecar approaches into the scan
 * service (`ScanService.registerApproach`), asks before a pod changes (once per pod UID, remembered), shows progress
 * while the helper starts, and offers "Add Scanner Sidecar" on workload nodes (the JSON patch shown as a diff, applied
 * only on confirmation, refused for bare pods). The decisions live in src/core/scan (debugContainer, sidecar,
 * shelllessPreflight, helperScript); this module is the UI around them.
 */
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import type { ClusterPool } from '../../core/cluster/pool';
import { Disposable } from '../../core/disposable';
import type { WorkloadArg } from '../../platform/commandArgs';
import { ReadOnlyDocuments } from '../../platform/readOnlyDocuments';
import { STATE } from '../../platform/state';
import type { Platform } from '../../services';
import { APPROACH_LABEL, type ContainerClassification } from '../../core/cluster/types';
import { DEFAULT_HELPER_IMAGE, ShelllessError, prepareDebugContainer, type PodChange, type PrepareOptions } from '../../core/scan/debugContainer';
import { SIDECAR_NAME, applySidecar, prepareSidecar, proposeSidecar, sidecarRefusal, type SidecarProposal } from '../../core/scan/sidecar';
import type { ApproachPlan } from '../../core/scan/types';
import { ScanCancelledError, type ScanService } from '../scan/scanService';

const DOC_SCHEME = 'kube-compliance-shellless';

/** The object as a user reads it: no status, no managedFields. */
function readable(obj: Record<string, unknown>): string {
  const copy = structuredClone(obj) as { status?: unknown; metadata?: { managedFields?: unknown } };
  delete copy.status;
  if (copy.metadata) delete copy.metadata.managedFields;
  return stringify(copy, { lineWidth: 0 });
}

/**
 * Shell-less containers: plugs the debug-container and sidecar approaches into the scan service, asks before a pod
 * changes (once per pod UID and approach, remembered), shows progress while the helper starts, and adds a scanner
 * sidecar to a workload on request.
 */
export class ShelllessService extends Disposable {
  private readonly docs: ReadOnlyDocuments;
  private readonly changes: PodChange[] = [];
  /** Pods the user approved as a batch for one fleet run (`NS/POD:approach`), so each is not asked again. */
  private readonly approved = new Set<string>();
  /** Containers of each pod scanned through its sidecar in this window (the sidecar serves one sibling at a time). */
  private readonly sidecarTargets = new Map<string, Set<string>>();

  constructor(
    private readonly p: Platform,
    private readonly scan: ScanService,
    private readonly pool: ClusterPool,
  ) {
    super();
    this.docs = new ReadOnlyDocuments(DOC_SCHEME).register(p.extension);
    this.register(scan.registerApproach('debug-container', (target, token) => this.prepare('debug-container', target, token)));
    this.register(scan.registerApproach('sidecar', (target, token) => this.prepare('sidecar', target, token)));
  }

  /** The pod changes asked about in this window, newest last. */
  get questions(): readonly PodChange[] {
    return this.changes;
  }

  private image(): string {
    return this.p.config.text('debugContainer.image') || DEFAULT_HELPER_IMAGE;
  }

  private consents(): Set<string> {
    return new Set(this.p.state.get(STATE.shelllessConsents, []));
  }

  private async remember(key: string): Promise<void> {
    const all = [...this.consents(), key].slice(-500);
    await this.p.state.update(STATE.shelllessConsents, [...new Set(all)]);
  }

  /** Forgets the remembered per-pod answers. */
  async forgetConsents(): Promise<void> {
    await this.p.state.update(STATE.shelllessConsents, undefined);
  }

  /**
   * Approves changing these pods for the duration of a fleet run (the user answered one question listing them all);
   * dispose to end the approval.
   */
  approveForRun(pods: ReadonlyArray<{ readonly namespace: string; readonly pod: string; readonly approach: string }>): { dispose(): void } {
    const keys = pods.map((x) => `${x.namespace}/${x.pod}:${x.approach}`);
    for (const k of keys) this.approved.add(k);
    return { dispose: () => keys.forEach((k) => this.approved.delete(k)) };
  }

  /** Asks once per pod (UID) and approach; the answer "yes" is remembered. */
  private readonly confirm = async (change: PodChange): Promise<boolean> => {
    const { log, confirmations } = this.p;
    const key = `${change.podUid || `${change.namespace}/${change.pod}`}:${change.approach}`;
    if (this.approved.has(`${change.namespace}/${change.pod}:${change.approach}`)) {
      log.info(`shell-less: ${change.namespace}/${change.pod} was approved with the fleet run's question: ${change.summary}`);
      await this.remember(key);
      return true;
    }
    if (this.consents().has(key)) {
      log.info(`shell-less: ${change.namespace}/${change.pod} was already approved for the ${APPROACH_LABEL[change.approach]} approach: ${change.summary}`);
      return true;
    }
    this.changes.push(change);
    const detail = [change.summary, ...change.warnings.map((w) => `⚠ ${w}`), 'You are asked once per pod.'].join('\n\n');
    const action = change.approach === 'debug-container' ? 'Add Helper and Scan' : 'Install Wrapper and Scan';
    let ok: boolean;
    for (;;) {
      const pick = await confirmations.modal({
        id: 'shellless.changePod',
        title: `Change pod ${change.namespace}/${change.pod} to scan ${change.target}?`,
        detail,
        actions: [action, ...(change.patch ? ['Show Patch'] : [])],
      });
      if (pick === 'Show Patch' && change.patch) {
        const uri = this.docs.put(`${change.pod}-ephemeralcontainers-patch.json`, `${JSON.stringify(change.patch, null, 2)}\n`);
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
        continue;
      }
      ok = pick === action;
      break;
    }
    if (ok) await this.remember(key);
    return ok;
  };

  /** Prepares the approach for a classified container (what the scan service calls). */
  async prepare(kind: 'debug-container' | 'sidecar', target: ContainerClassification, token?: vscode.CancellationToken): Promise<ApproachPlan> {
    const { log } = this.p;
    const podKey = (t: Pick<ContainerClassification, 'context' | 'namespace' | 'pod'>) => `${t.context}/${t.namespace}/${t.pod}`;
    if (kind === 'sidecar') {
      // re-pointing the sidecar would send a running scan's remaining commands to another container
      const mine = this.sidecarTargets.get(podKey(target));
      const busy = this.scan.activeRuns.find((r) => podKey(r.target) === podKey(target) && r.target.container !== target.container && mine?.has(r.target.container));
      if (busy) throw new Error(`The scanner sidecar of ${target.namespace}/${target.pod} is scanning ${busy.target.container} now; scan ${target.container} when that run has finished.`);
    }
    const client = this.pool.client(target.context || undefined);
    const ac = new AbortController();
    const sub = token?.onCancellationRequested(() => ac.abort());
    const label = `${target.namespace}/${target.pod}/${target.container}`;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kube Compliance: preparing the ${APPROACH_LABEL[kind]} scan of ${label}`, cancellable: true },
        async (progress, ptoken) => {
          ptoken.onCancellationRequested(() => ac.abort());
          const opts: PrepareOptions = {
            image: this.image(),
            confirm: this.confirm,
            progress: (message) => {
              log.info(`shell-less: ${message}`);
              progress.report({ message });
            },
            signal: ac.signal,
            classification: target,
          };
          const prepared = kind === 'debug-container' ? await prepareDebugContainer(client, target, opts) : await prepareSidecar(client, target, { ...opts, sidecar: target.sidecar });
          log.info(`shell-less: ${label} will be scanned through ${prepared.description}${prepared.created ? ' (added now)' : ''}`);
          if (kind === 'sidecar') this.sidecarTargets.set(podKey(target), new Set([...(this.sidecarTargets.get(podKey(target)) ?? []), target.container]));
          return { kind: prepared.kind, transportTarget: prepared.transportTarget, description: prepared.description };
        },
      );
    } catch (err) {
      if (err instanceof ShelllessError) {
        log.warn(`shell-less: ${label}: ${err.message}`);
        if (err.code === 'declined' || err.code === 'cancelled') throw new ScanCancelledError(err.message);
        throw new Error(`${label} cannot be scanned through the ${APPROACH_LABEL[kind]} approach: ${err.message}`);
      }
      throw err;
    } finally {
      sub?.dispose();
    }
  }

  /** Proposes the sidecar patch as a diff and applies it on confirmation; false when refused or declined. */
  async addScannerSidecar(w: WorkloadArg): Promise<boolean> {
    const { log, confirmations } = this.p;
    const refusal = sidecarRefusal(w.kind);
    if (refusal) {
      log.info(`shell-less: Add Scanner Sidecar refused for ${w.kind} ${w.namespace}/${w.name}: ${refusal}`);
      await confirmations.modal({ id: 'shellless.sidecarRefused', title: `Cannot add a scanner sidecar to ${w.kind} ${w.namespace}/${w.name}`, detail: refusal, actions: [] });
      return false;
    }
    const client = this.pool.client(w.context);
    const proposal: SidecarProposal = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: reading ${w.kind} ${w.namespace}/${w.name}…` }, () =>
      proposeSidecar(client, w.kind, w.namespace, w.name, { image: this.image() }),
    );
    const header = `# NOT APPLIED YET. Kube Compliance would send this JSON patch (application/json-patch+json) to ${w.kind} ${w.namespace}/${w.name}:\n${JSON.stringify(proposal.patch, null, 2)
      .split('\n')
      .map((l) => `#   ${l}`)
      .join('\n')}\n`;
    const before = this.docs.put(`${w.name}.before.yaml`, readable(proposal.before));
    const after = this.docs.put(`${w.name}.with-scanner-sidecar.yaml`, `${header}${readable(proposal.after)}`);
    await vscode.commands.executeCommand('vscode.diff', before, after, `${w.kind} ${w.namespace}/${w.name} ↔ with scanner sidecar (not applied)`, { preview: true });
    const sidecar = (proposal.patch.find((o) => o.path.endsWith('/containers/-'))?.value ?? {}) as { image?: string; securityContext?: { capabilities?: { add?: string[] } } };
    const detail =
      `Sets shareProcessNamespace: true in the pod template and adds the container ${SIDECAR_NAME} (image ${sidecar.image}, capabilities ${(sidecar.securityContext?.capabilities?.add ?? []).join(', ')}). ` +
      `The ${w.kind} controller then replaces its pods (a rollout). The sidecar stays until you remove it from the template. ` +
      `The patch applies only if the ${w.kind} has not changed since it was read.`;
    const ok = await confirmations.confirm({ id: 'shellless.addSidecar', title: `Apply the shown patch to ${w.kind} ${w.namespace}/${w.name}?`, detail, action: 'Apply Patch' });
    if (!ok) return false;
    await applySidecar(client, proposal);
    log.info(`shell-less: added ${SIDECAR_NAME} to ${w.kind} ${w.namespace}/${w.name}`);
    void vscode.window.showInformationMessage(`Kube Compliance: ${SIDECAR_NAME} added to ${w.kind} ${w.namespace}/${w.name}; its pods are being replaced. Scan their shell-less containers once the new pods run.`);
    return true;
  }
}
