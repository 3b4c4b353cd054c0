/**
 * The in-cluster runner (issue 16): one scan unit as a Kubernetes Job near its target. It creates the unit's objects
 * (manifests.ts), follows the Job until it finished, reads the seal from the pod's termination message and the report
 * from the pod's log, verifies one against the other (envelope.ts) and writes the report only when it is complete.
 * Whatever happens — success, a failure, a refusal, Cancel — every object it created is deleted before it returns,
 * and what could not be deleted is named in the result, with the command that deletes it.
 *
 * Failures are per target and say what to do: an auditor image that cannot be pulled (kubelet's ErrImagePull /
 * ImagePullBackOff waiting reasons) ends the unit at once instead of waiting for the deadline; a pod the Job
 * controller cannot create (Pod Security, a ResourceQuota: its FailedCreate event) likewise; `DeadlineExceeded` and
 * `BackoffLimitExceeded` (kubernetes/kubernetes pkg/controller/job/job_controller.go) are named as such; a log that
 * was cut or does not match its seal is refused.
 */
import type { ClusterClient, RawObject } from '../cluster/client';
import { isKubeError } from '../cluster/errors';
import { EnvelopeError, openEnvelope, parseSeal } from './envelope';
import { buildScanObjects, CONTAINER_NAME, creationOrder, RUN_LABEL, type KubeObject, type ScanObjects, type ScanUnitSpec } from './manifests';

export type InClusterApi = Pick<ClusterClient, 'request' | 'requestText'>;

export interface InClusterUnitResult {
  readonly outcome: 'done' | 'failed' | 'cancelled';
  readonly message?: string;
  /** The verified HDF report (JSON text), only when `done`. */
  readonly report?: Buffer;
  /** The auditor's exit code from the seal (0 passed, 100 some failed, 101 some skipped), only when `done`. */
  readonly exitCode?: number;
  /** Objects that could not be deleted (`kind ns/name: why`). */
  readonly leftBehind: readonly string[];
}

export interface RunUnitOptions {
  readonly signal?: AbortSignal;
  /** How often the Job and its pod are read (ms). Default 1000. */
  readonly pollMs?: number;
  /** Called as the unit moves on (for progress lines). */
  onPhase?(phase: 'creating' | 'pending' | 'running' | 'reading' | 'cleaning'): void;
}

const enc = encodeURIComponent;

function pathOf(o: KubeObject, named = true): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const plural = { ServiceAccount: 'serviceaccounts', Role: 'roles', RoleBinding: 'rolebindings', ConfigMap: 'configmaps', Job: 'jobs', Pod: 'pods' }[o.kind as string];
  if (!plural) throw new Error(`no plural for ${o.kind}`);
  return `${group ? `/apis/${group}/${version}` : '/api/v1'}/namespaces/${enc(o.metadata.namespace)}/${plural}${named ? `/${enc(o.metadata.name)}` : ''}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** kubelet waiting reasons that will not resolve by themselves (pkg/kubelet/images/types.go, kuberuntime). */
const STUCK_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError']);

class UnitFailure extends Error {}

/** Runs one unit to its end; never throws for what the cluster answers. */
export async function runInClusterUnit(api: InClusterApi, spec: ScanUnitSpec, o: RunUnitOptions = {}): Promise<InClusterUnitResult> {
  const objects = buildScanObjects(spec);
  const created: KubeObject[] = [];
  let result: Omit<InClusterUnitResult, 'leftBehind'>;
  try {
    result = await run(api, objects, created, o);
  } catch (e) {
    if (o.signal?.aborted) result = { outcome: 'cancelled', message: 'Cancelled: the scan Job was stopped and deleted.' };
    else if (e instanceof UnitFailure || e instanceof EnvelopeError) result = { outcome: 'failed', message: e.message };
    else if (isKubeError(e)) result = { outcome: 'failed', message: e.message };
    else throw e;
  }
  o.onPhase?.('cleaning');
  const leftBehind = await cleanUp(api, objects, created);
  if (leftBehind.length) {
    const hint = `kubectl delete job,pod,configmap,serviceaccount -n ${objects.scannerNamespace} -l ${RUN_LABEL}=${spec.runId}; kubectl delete role,rolebinding -n ${spec.target.namespace} -l ${RUN_LABEL}=${spec.runId}`;
    const note = `Could not delete ${leftBehind.join('; ')}. Delete them with: ${hint}`;
    result = { ...result, message: result.message ? `${result.message} ${note}` : note };
  }
  return { ...result, leftBehind };
}

async function run(api: InClusterApi, objects: ScanObjects, created: KubeObject[], o: RunUnitOptions): Promise<Omit<InClusterUnitResult, 'leftBehind'>> {
  const signal = o.signal;
  o.onPhase?.('creating');
  for (const obj of creationOrder(objects)) {
    if (signal?.aborted) throw new UnitFailure('cancelled');
    try {
      await api.request('POST', pathOf(obj, false), { body: obj, signal });
    } catch (e) {
      if (isKubeError(e) && e.kind === 'forbidden') {
        throw new UnitFailure(`The cluster refused to create the scan's ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${e.message}. The in-cluster runner needs to create ServiceAccounts, ConfigMaps and Jobs in ${objects.scannerNamespace} and Roles/RoleBindings in the target's namespace (README "In-cluster runner"); a ResourceQuota may also refuse it.`);
      }
      throw e;
    }
    created.push(obj);
  }
  const job = objects.job;
  const selector = `batch.kubernetes.io/job-name=${job.metadata.name}`;
  let phase: 'pending' | 'running' | undefined;
  const startedAt = Date.now();
  for (;;) {
    if (signal?.aborted) throw new UnitFailure('cancelled');
    const current = await api.request<RawObject>('GET', pathOf(job), { signal });
    const pods = (await api.request<{ items: RawObject[] }>('GET', pathOf({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: objects.scannerNamespace } }, false), { query: { labelSelector: selector }, signal })).items;
    const pod = pods.find((p) => p.metadata?.labels?.['batch.kubernetes.io/controller-uid'] === current.metadata?.uid) ?? pods[0];
    const conds: RawObject[] = current.status?.conditions ?? [];
    const done = conds.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (done?.type === 'Failed') {
      if (done.reason === 'DeadlineExceeded') {
        throw new UnitFailure(`The scan of ${scanned(objects)} did not finish within activeDeadlineSeconds (${job.spec.activeDeadlineSeconds} s) and was stopped: raise kubeCompliance.inCluster.deadlineSeconds (--deadline) or scan fewer controls.`);
      }
      const term = containerStatus(pod)?.state?.terminated;
      throw new UnitFailure(`The scan Job of ${scanned(objects)} failed (${done.reason ?? 'Failed'}${term ? `, the auditor container exited with code ${term.exitCode}` : ''})${term?.message ? `: ${term.message.trim().slice(-1500)}` : `: ${done.message ?? ''}`}`);
    }
    if (done?.type === 'Complete') {
      if (!pod) throw new UnitFailure(`The scan Job of ${scanned(objects)} completed but its pod is gone, so its report cannot be read.`);
      o.onPhase?.('reading');
      const seal = parseSeal(containerStatus(pod)?.state?.terminated?.message);
      const log = await api.requestText('GET', `${pathOf({ ...pod, apiVersion: 'v1', kind: 'Pod' })}/log`, { query: { container: CONTAINER_NAME }, signal, timeoutMs: 120_000 });
      const report = openEnvelope(log, seal);
      return { outcome: 'done', report, exitCode: seal.exit, message: `Scanned in the cluster by Job ${objects.scannerNamespace}/${job.metadata.name} (report ${seal.bytes} bytes, sha256 verified).` };
    }
    const waiting = containerStatus(pod)?.state?.waiting;
    if (waiting && STUCK_WAITING.has(waiting.reason)) {
      const image = job.spec.template.spec.containers[0].image;
      const pull = /Image/.test(waiting.reason);
      throw new UnitFailure(
        pull
          ? `The auditor image ${image} cannot be pulled (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}): check kubeCompliance.inCluster.auditorImage (--auditor-image) and that the cluster's nodes can pull it (registry, imagePullSecrets).`
          : `The scan pod's container cannot start (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}).`,
      );
    }
    if (!pod && Date.now() - startedAt > 3000) {
      const refused = await failedCreate(api, objects, signal);
      if (refused) throw new UnitFailure(`The Job controller could not create the scan pod for ${scanned(objects)}: ${refused} (a ResourceQuota or Pod Security policy of namespace ${objects.scannerNamespace} refused it).`);
    }
    const next = pod && containerStatus(pod)?.state?.running ? 'running' : 'pending';
    if (next !== phase) o.onPhase?.((phase = next));
    await sleep(o.pollMs ?? 1000, signal);
  }
}

function scanned(objects: ScanObjects): string {
  const r = objects.roleBinding.metadata.namespace;
  return `${r}/${objects.role.rules[0].resourceNames[0]}`;
}

function containerStatus(pod: RawObject | undefined): RawObject | undefined {
  return (pod?.status?.containerStatuses ?? []).find((c: RawObject) => c.name === CONTAINER_NAME);
}

async function failedCreate(api: InClusterApi, objects: ScanObjects, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const evs = await api.request<{ items: RawObject[] }>('GET', `/api/v1/namespaces/${enc(objects.scannerNamespace)}/events`, {
      query: { fieldSelector: `involvedObject.name=${objects.job.metadata.name}` },
      signal,
    });
    return evs.items.filter((e) => e.involvedObject?.kind === 'Job' && e.reason === 'FailedCreate').pop()?.message;
  } catch {
    return undefined; // may not read events: the deadline still ends the unit
  }
}

/**
 * Deletes the unit's objects, newest first (the Job with its pods: propagationPolicy Background); 404 counts as gone.
 * Objects whose create was interrupted (Cancel while the POST was in flight) may exist too: they are deleted as well,
 * and a failure to delete one of those is not reported (it most likely was never made).
 */
async function cleanUp(api: InClusterApi, objects: ScanObjects, created: KubeObject[]): Promise<string[]> {
  const left: string[] = [];
  for (const obj of [...creationOrder(objects)].reverse()) {
    const confirmed = created.includes(obj);
    try {
      await api.request('DELETE', pathOf(obj), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, timeoutMs: 30_000 });
    } catch (e) {
      if ((isKubeError(e) && e.kind === 'not-found') || !confirmed) continue;
      left.push(`${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} (${isKubeError(e) ? e.kind : (e as Error).message})`);
    }
  }
  // The Job's pods go with it (garbage collection); delete any that is still there so nothing of the scan keeps running.
  if (created.length) {
    try {
      const pods = await api.request<{ items: RawObject[] }>('GET', `/api/v1/namespaces/${enc(objects.scannerNamespace)}/pods`, { query: { labelSelector: `batch.kubernetes.io/job-name=${objects.job.metadata.name}` }, timeoutMs: 30_000 });
      for (const p of pods.items) {
        await api.request('DELETE', `/api/v1/namespaces/${enc(objects.scannerNamespace)}/pods/${enc(p.metadata.name)}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 }, timeoutMs: 30_000 }).catch((e) => {
          if (!(isKubeError(e) && e.kind === 'not-found')) left.push(`Pod ${objects.scannerNamespace}/${p.metadata.name}`);
        });
      }
    } catch {
      // listing pods refused: the garbage collector still deletes them with the Job
    }
  }
  return left;
}
