/**
 * VS Code side of the shell-less approaches (issue 7): plugs the debug-container and sidecar approaches into the scan
 * service (`ScanService.registerApproach`), asks before a pod changes (once per pod UID, remembered), shows progress
 * while the helper starts, and offers "Add Scanner Sidecar" on workload nodes (the JSON patch shown as a diff, applied
 * only on confirmation, refused for bare pods). The decisions live in src/core/scan (debugContainer, sidecar,
 * shelllessPreflight, helperScript); this module is the UI around them.
 */
import * as vscode from 'vscode';
import { ReadOnlyDocuments } from '../../platform/readOnlyDocuments';
import { stringify } from 'yaml';
import { registerCommand, type CommandContext } from '../../platform/commands';
import type { ClusterPool } from '../../core/cluster/pool';
import { APPROACH_LABEL, type ContainerClassification } from '../../core/cluster/types';
import { DEFAULT_HELPER_IMAGE, ShelllessError, prepareDebugContainer, type PodChange, type PrepareOptions } from '../../core/scan/debugContainer';
import { SIDECAR_NAME, applySidecar, prepareSidecar, proposeSidecar, sidecarRefusal, type SidecarProposal } from '../../core/scan/sidecar';
import type { ApproachPlan } from '../../core/scan/types';
import { ScanCancelledError, type ScanService } from '../scan/scanService';

const CONSENT_KEY = 'kubeCompliance.shellless.consents';
const DOC_SCHEME = 'kube-compliance-shellless';

/** What the shell-less feature exposes on the extension API. */
export interface ShelllessApi {
  /**
   * TEST SEAM (host tests only): when set, every confirmation of this feature is answered with `answer` instead of
   * showing the modal, and the log says so. Normal use never sets it: the user is always asked.
   */
  setConfirmationAnswer(answer: boolean | undefined): void;
  /** The questions asked so far in this window (what would change), newest last. */
  readonly questions: readonly PodChange[];
  /** Forgets the remembered per-pod answers. */
  forgetConsents(): Promise<void>;
  /** Prepares the approach for a classified container (what the scan service calls). */
  prepare(kind: 'debug-container' | 'sidecar', target: ContainerClassification, token?: vscode.CancellationToken): Promise<ApproachPlan>;
}

interface Deps {
  readonly scan: ScanService;
  readonly pool: ClusterPool;
}


/** A workload as the explorer's tree node carries it (or a plain object with the same fields). */
function workloadOf(arg: unknown): { context?: string; namespace: string; kind: string; name: string } | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { kind?: string; workloadKind?: string; context?: string; namespace?: string; name?: string };
  if (o.kind === 'pod' && typeof o.namespace === 'string' && typeof o.name === 'string') return { context: o.context || undefined, namespace: o.namespace, kind: 'Pod', name: o.name };
  const kind = o.workloadKind ?? o.kind;
  if (typeof kind === 'string' && typeof o.namespace === 'string' && typeof o.name === 'string') return { context: o.context || undefined, namespace: o.namespace, kind, name: o.name };
  return undefined;
}

/** The object as a user reads it: no status, no managedFields. */
function readable(obj: Record<string, unknown>): string {
  const copy = structuredClone(obj) as { status?: unknown; metadata?: { managedFields?: unknown } };
  delete copy.status;
  if (copy.metadata) delete copy.metadata.managedFields;
  return stringify(copy, { lineWidth: 0 });
}

export function registerShellless(ctx: CommandContext, deps: Deps): ShelllessApi {
  const { extension: context, log } = ctx;
  const docs = new ReadOnlyDocuments(DOC_SCHEME).register(context);
  let seam: boolean | undefined;
  const questions: PodChange[] = [];
  const image = () => vscode.workspace.getConfiguration('kubeCompliance').get<string>('debugContainer.image') || DEFAULT_HELPER_IMAGE;

  const consents = () => new Set(context.globalState.get<string[]>(CONSENT_KEY, []));
  const remember = async (key: string) => {
    const all = [...consents(), key].slice(-500);
    await context.globalState.update(CONSENT_KEY, [...new Set(all)]);
  };

  /** Asks once per pod (UID) and approach; the answer "yes" is remembered. */
  const confirm = async (change: PodChange): Promise<boolean> => {
    const key = `${change.podUid || `${change.namespace}/${change.pod}`}:${change.approach}`;
    if (consents().has(key)) {
      log.info(`shell-less: ${change.namespace}/${change.pod} was already approved for the ${APPROACH_LABEL[change.approach]} approach: ${change.summary}`);
      return true;
    }
    questions.push(change);
    const detail = [change.summary, ...change.warnings.map((w) => `⚠ ${w}`), 'You are asked once per pod.'].join('\n\n');
    let ok: boolean;
    if (seam !== undefined) {
      ok = seam;
      log.warn(`shell-less: confirmation answered "${ok ? 'yes' : 'no'}" by the test seam: ${change.summary}`);
    } else {
      const action = change.approach === 'debug-container' ? 'Add Helper and Scan' : 'Install Wrapper and Scan';
      for (;;) {
        const pick = await vscode.window.showWarningMessage(
          `Change pod ${change.namespace}/${change.pod} to scan ${change.target}?`,
          { modal: true, detail },
          action,
          ...(change.patch ? ['Show Patch'] : []),
        );
        if (pick === 'Show Patch' && change.patch) {
          const uri = docs.put(`${change.pod}-ephemeralcontainers-patch.json`, `${JSON.stringify(change.patch, null, 2)}\n`);
          await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
          continue;
        }
        ok = pick === action;
        break;
      }
    }
    if (ok) await remember(key);
    return ok;
  };

  /** Containers of each pod scanned through its sidecar in this window (the sidecar serves one sibling at a time). */
  const sidecarTargets = new Map<string, Set<string>>();
  const podKey = (t: Pick<ContainerClassification, 'context' | 'namespace' | 'pod'>) => `${t.context}/${t.namespace}/${t.pod}`;

  const prepare = async (kind: 'debug-container' | 'sidecar', target: ContainerClassification, token?: vscode.CancellationToken): Promise<ApproachPlan> => {
    if (kind === 'sidecar') {
      // re-pointing the sidecar would send a running scan's remaining commands to another container
      const mine = sidecarTargets.get(podKey(target));
      const busy = deps.scan.activeRuns.find((r) => podKey(r.target) === podKey(target) && r.target.container !== target.container && mine?.has(r.target.container));
      if (busy) throw new Error(`The scanner sidecar of ${target.namespace}/${target.pod} is scanning ${busy.target.container} now; scan ${target.container} when that run has finished.`);
    }
    const client = deps.pool.client(target.context || undefined);
    const ac = new AbortController();
    const sub = token?.onCancellationRequested(() => ac.abort());
    const label = `${target.namespace}/${target.pod}/${target.container}`;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kube Compliance: preparing the ${APPROACH_LABEL[kind]} scan of ${label}`, cancellable: true },
        async (progress, ptoken) => {
          ptoken.onCancellationRequested(() => ac.abort());
          const opts: PrepareOptions = {
            image: image(),
            confirm,
            progress: (message) => {
              log.info(`shell-less: ${message}`);
              progress.report({ message });
            },
            signal: ac.signal,
            classification: target,
          };
          const prepared = kind === 'debug-container' ? await prepareDebugContainer(client, target, opts) : await prepareSidecar(client, target, { ...opts, sidecar: target.sidecar });
          log.info(`shell-less: ${label} will be scanned through ${prepared.description}${prepared.created ? ' (added now)' : ''}`);
          if (kind === 'sidecar') sidecarTargets.set(podKey(target), new Set([...(sidecarTargets.get(podKey(target)) ?? []), target.container]));
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
  };

  context.subscriptions.push(
    deps.scan.registerApproach('debug-container', (target, token) => prepare('debug-container', target, token)),
    deps.scan.registerApproach('sidecar', (target, token) => prepare('sidecar', target, token)),
  );

  registerCommand(ctx, 'kubeCompliance.addScannerSidecar', () => async (arg?: unknown): Promise<boolean> => {
    const w = workloadOf(arg);
    if (!w) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Add Scanner Sidecar" on a Deployment, StatefulSet or DaemonSet in the Clusters view.');
      return false;
    }
    const refusal = sidecarRefusal(w.kind);
    if (refusal) {
      log.info(`shell-less: Add Scanner Sidecar refused for ${w.kind} ${w.namespace}/${w.name}: ${refusal}`);
      if (seam === undefined) await vscode.window.showWarningMessage(`Cannot add a scanner sidecar to ${w.kind} ${w.namespace}/${w.name}`, { modal: true, detail: refusal });
      return false;
    }
    const client = deps.pool.client(w.context);
    const proposal: SidecarProposal = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: reading ${w.kind} ${w.namespace}/${w.name}…` }, () =>
      proposeSidecar(client, w.kind, w.namespace, w.name, { image: image() }),
    );
    const header = `# NOT APPLIED YET. Kube Compliance would send this JSON patch (application/json-patch+json) to ${w.kind} ${w.namespace}/${w.name}:\n${JSON.stringify(proposal.patch, null, 2)
      .split('\n')
      .map((l) => `#   ${l}`)
      .join('\n')}\n`;
    const before = docs.put(`${w.name}.before.yaml`, readable(proposal.before));
    const after = docs.put(`${w.name}.with-scanner-sidecar.yaml`, `${header}${readable(proposal.after)}`);
    await vscode.commands.executeCommand('vscode.diff', before, after, `${w.kind} ${w.namespace}/${w.name} ↔ with scanner sidecar (not applied)`, { preview: true });
    const sidecar = (proposal.patch.find((o) => o.path.endsWith('/containers/-'))?.value ?? {}) as { image?: string; securityContext?: { capabilities?: { add?: string[] } } };
    const detail =
      `Sets shareProcessNamespace: true in the pod template and adds the container ${SIDECAR_NAME} (image ${sidecar.image}, capabilities ${(sidecar.securityContext?.capabilities?.add ?? []).join(', ')}). ` +
      `The ${w.kind} controller then replaces its pods (a rollout). The sidecar stays until you remove it from the template. ` +
      `The patch applies only if the ${w.kind} has not changed since it was read.`;
    let ok: boolean;
    if (seam !== undefined) {
      ok = seam;
      log.warn(`shell-less: Add Scanner Sidecar answered "${ok ? 'yes' : 'no'}" by the test seam for ${w.kind} ${w.namespace}/${w.name}`);
    } else {
      ok = (await vscode.window.showWarningMessage(`Apply the shown patch to ${w.kind} ${w.namespace}/${w.name}?`, { modal: true, detail }, 'Apply Patch')) === 'Apply Patch';
    }
    if (!ok) return false;
    await applySidecar(client, proposal);
    log.info(`shell-less: added ${SIDECAR_NAME} to ${w.kind} ${w.namespace}/${w.name}`);
    void vscode.window.showInformationMessage(`Kube Compliance: ${SIDECAR_NAME} added to ${w.kind} ${w.namespace}/${w.name}; its pods are being replaced. Scan their shell-less containers once the new pods run.`);
    void vscode.commands.executeCommand('kubeCompliance.refresh');
    return true;
  });

  return {
    setConfirmationAnswer: (answer) => {
      seam = answer;
    },
    get questions() {
      return questions;
    },
    forgetConsents: async () => {
      await context.globalState.update(CONSENT_KEY, undefined);
    },
    prepare,
  };
}
