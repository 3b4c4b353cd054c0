/**
 * Sidecar approach: a pod with `shareProcessNamespace: true` and a scanner sidecar (a container with a static
 * busybox at /bin/busybox) scans its shell-less siblings through that sidecar with the same wrapper as the debug
 * helper (helperScript.ts). The sidecar serves one sibling at a time: before each scan the extension writes the
 * sibling's selector into the sidecar (`/opt/kube-compliance/target`).
 *
 * "Add scanner sidecar" changes a workload's pod template (Deployment, StatefulSet, DaemonSet) with a JSON patch:
 * `shareProcessNamespace: true` plus the `kc-scanner` container. Bare pods cannot get it: a running pod's
 * containers and shareProcessNamespace are immutable, and a bare pod has no template that would recreate it.
 *
 * No vscode here.
 */
import { objectPath } from '../cluster/kinds';
import type { ContainerRef } from '../cluster/types';
import {
  HELPER_DIR,
  HELPER_SCRIPT_VERSION,
  busyboxShell,
  installScript,
  startupScript,
  targetConfigScript,
} from './helperScript';
import {
  DEFAULT_HELPER_IMAGE,
  ShelllessError,
  checkAccess,
  readNamespace,
  verifyHelper,
  type HelperCluster,
  type PodChange,
  type PrepareOptions,
  type PreparedApproach,
} from './debugContainer';
import { SIDECAR_NAME, enforcedLevel, podTargetSelector, preflightMessage, preflightSidecar, requiredPermissions, targetUser, type Json } from './shelllessPreflight';

export { SIDECAR_NAME };

/** Workload kinds whose pod template can take the sidecar. */
export const SIDECAR_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type SidecarKind = (typeof SIDECAR_KINDS)[number];

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  readonly op: 'add' | 'replace' | 'test' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

/** Why a kind cannot get a sidecar; undefined when it can. */
export function sidecarRefusal(kind: string): string | undefined {
  if ((SIDECAR_KINDS as readonly string[]).includes(kind)) return undefined;
  if (kind === 'Pod') {
    return 'A bare pod cannot get a scanner sidecar: the containers and shareProcessNamespace of a running pod cannot be changed, and no controller would recreate it from a template. Add the sidecar to the workload that creates such pods, or scan this pod with the debug-container approach.';
  }
  if (kind === 'Job' || kind === 'CronJob') return `A ${kind}'s pods run to completion; a sidecar added to its template would only reach future runs, and would keep them from completing. Scan a running pod with the debug-container approach instead.`;
  return `${kind} objects have no pod template Kube Compliance can patch; the sidecar can be added to Deployments, StatefulSets and DaemonSets.`;
}

export interface SidecarPatchOptions {
  readonly image?: string;
  /** Pod Security level of the workload's namespace (SYS_PTRACE is only added where allowed). */
  readonly psaLevel?: 'privileged' | 'baseline' | 'restricted';
}

/** The scanner sidecar container (a V1Container as JSON). */
export function sidecarContainer(template: Json, o: SidecarPatchOptions = {}): Json {
  const podSpec = template?.spec ?? {};
  // SYS_PTRACE: needed to read containers of another uid; not added when every container is known to run as root
  // or where Pod Security forbids it.
  const fakePod = { spec: podSpec };
  const needPtrace = (podSpec.containers ?? []).some((c: Json) => targetUser(fakePod, c.name).nonRoot !== false);
  const caps = ['SYS_CHROOT', ...(needPtrace && o.psaLevel !== 'baseline' && o.psaLevel !== 'restricted' ? ['SYS_PTRACE'] : [])];
  const ps = podSpec.securityContext ?? {};
  const runAsRoot = ps.runAsNonRoot === true || (typeof ps.runAsUser === 'number' && ps.runAsUser !== 0);
  return {
    name: SIDECAR_NAME,
    image: o.image || DEFAULT_HELPER_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: busyboxShell(startupScript({ mode: 'shared' })),
    resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { memory: '128Mi' } },
    securityContext: { capabilities: { add: caps }, ...(runAsRoot ? { runAsUser: 0, runAsNonRoot: false } : {}) },
  };
}

/**
 * The exact JSON patch (RFC 6902) that adds the scanner sidecar to a workload. The first operation tests the
 * workload's resourceVersion, so the patch applies only to the version the user was shown.
 */
export function sidecarPatch(workload: Json, o: SidecarPatchOptions = {}): JsonPatchOp[] {
  const refusal = sidecarRefusal(workload.kind);
  if (refusal) throw new ShelllessError(refusal, 'preflight');
  const template = workload.spec?.template;
  if (!template?.spec) throw new ShelllessError(`${workload.kind} ${workload.metadata?.name} has no pod template.`, 'preflight');
  if ((template.spec.containers ?? []).some((c: Json) => c.name === SIDECAR_NAME)) {
    throw new ShelllessError(`${workload.kind} ${workload.metadata?.name} already has the scanner sidecar ${SIDECAR_NAME}.`, 'preflight');
  }
  if (o.psaLevel === 'restricted') {
    throw new ShelllessError(`Namespace ${workload.metadata?.namespace} enforces Pod Security "restricted": the sidecar could not chroot (CAP_SYS_CHROOT) there, and its pods would be refused.`, 'preflight');
  }
  const ops: JsonPatchOp[] = [];
  if (workload.metadata?.resourceVersion) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: workload.metadata.resourceVersion });
  ops.push({ op: 'add', path: '/spec/template/spec/shareProcessNamespace', value: true });
  ops.push({ op: 'add', path: '/spec/template/spec/containers/-', value: sidecarContainer(template, o) });
  return ops;
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies add/replace/test/remove operations to a deep copy of `doc` (to show the patched object as a diff). */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  const out = structuredClone(doc) as unknown as Json;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map(unescapePointer);
    const last = parts.pop();
    if (last === undefined) throw new Error(`bad JSON pointer ${op.path}`);
    let parent: Json = out;
    for (const p of parts) {
      if (parent[p] === undefined || parent[p] === null) {
        if (op.op !== 'add') throw new Error(`${op.path}: ${p} does not exist`);
        parent[p] = {};
      }
      parent = parent[p];
    }
    if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
    } else if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op.op === 'add') parent.splice(i, 0, structuredClone(op.value));
      else parent[i] = structuredClone(op.value);
    } else parent[last] = structuredClone(op.value);
  }
  return out as unknown as T;
}

/** API path of a workload (apps/v1), from the kind table. */
export function workloadPath(kind: SidecarKind, namespace: string, name: string): string {
  return objectPath(kind, namespace, name);
}

/** Reads the sidecar's installed wrapper version (undefined: not installed). Throws when /bin/busybox is missing. */
async function installedVersion(cluster: Pick<HelperCluster, 'exec'>, ns: string, pod: string, sidecar: string, signal?: AbortSignal): Promise<number | undefined> {
  const r = await cluster.exec(ns, pod, sidecar, busyboxShell(`cat ${HELPER_DIR}/version 2>/dev/null || true`), { timeoutMs: 30000, signal });
  if (r.end.kind === 'runtime-error') {
    throw new ShelllessError(`The scanner sidecar ${sidecar} has no /bin/busybox (${r.end.message}). The sidecar approach needs a container with a static busybox; add one with "Add Scanner Sidecar".`, 'helper-failed');
  }
  if (r.exitCode !== 0) {
    const why = r.stderr.trim() || (r.end.kind !== 'exit' ? r.end.message : '');
    throw new ShelllessError(`Could not read the scanner sidecar ${sidecar} (exit ${r.exitCode ?? '?'})${why ? `: ${why}` : ''}.`, 'helper-failed');
  }
  const v = Number(r.stdout.trim());
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

export function describeSidecar(sidecar: string, target: string): string {
  return `sidecar ${sidecar} → ${target}`;
}

/**
 * Prepares a scan of `ref` through the pod's scanner sidecar: preflight, the wrapper installed in the sidecar (asks
 * first when it is not there yet, e.g. a user-made sidecar), the sidecar pointed at `ref.container`, reachability
 * checked. Returns the plan (`-t k8s-container://NS/POD/<sidecar>`).
 */
export async function prepareSidecar(cluster: HelperCluster, ref: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>, o: PrepareOptions & { readonly sidecar?: string }): Promise<PreparedApproach> {
  const { namespace: ns, pod: podName, container: target } = ref;
  o.progress?.(`Checking ${ns}/${podName} for a scanner sidecar…`);
  const [pod, nsObj] = await Promise.all([cluster.getPodJson(ns, podName, o.signal), readNamespace(cluster, ns, o.signal)]);
  const access = await checkAccess(cluster, requiredPermissions('sidecar', ns, podName, false), o.signal);
  const pre = preflightSidecar({ pod, namespace: nsObj, target, access, classification: o.classification, sidecar: o.sidecar });
  if (!pre.ok || !pre.sidecar) throw new ShelllessError(preflightMessage(pre), 'preflight', pre);
  const sidecar = pre.sidecar;
  const version = await installedVersion(cluster, ns, podName, sidecar, o.signal);
  if (version !== HELPER_SCRIPT_VERSION) {
    const change: PodChange = {
      approach: 'sidecar',
      namespace: ns,
      pod: podName,
      podUid: pod.metadata?.uid ?? '',
      target,
      container: sidecar,
      capabilities: [],
      summary:
        `Installs the Kube Compliance wrapper in the sidecar ${sidecar} of ${ns}/${podName}: its /bin/sh, /bin/bash and /bin/ash are replaced, and every shell command run in ${sidecar} from then on runs in the filesystem of the sibling being scanned. ` +
        `The change stays until ${sidecar} restarts or the pod is replaced. The pod spec does not change.`,
      warnings: pre.warnings,
    };
    if (!(await o.confirm(change))) throw new ShelllessError(`Not scanned: you declined installing the wrapper in ${sidecar}. Nothing was changed.`, 'declined', pre);
    o.progress?.(`Installing the wrapper in ${sidecar}…`);
    const r = await cluster.exec(ns, podName, sidecar, busyboxShell(installScript({ mode: 'shared' })), { timeoutMs: 60000, signal: o.signal });
    if (r.exitCode !== 0) throw new ShelllessError(`Installing the wrapper in ${sidecar} failed (exit ${r.exitCode ?? '?'}): ${r.stderr.trim() || (r.end.kind !== 'exit' ? r.end.message : '')}. The sidecar needs a writable /bin and /opt, and root.`, 'helper-failed', pre);
  }
  const selector = podTargetSelector(pod, target, true);
  o.progress?.(`Pointing ${sidecar} at ${target}…`);
  const conf = await cluster.exec(ns, podName, sidecar, busyboxShell(targetConfigScript(selector)), { timeoutMs: 30000, signal: o.signal });
  if (conf.exitCode !== 0) throw new ShelllessError(`Could not point ${sidecar} at ${target}: ${conf.stderr.trim() || (conf.end.kind !== 'exit' ? conf.end.message : `exit ${conf.exitCode}`)}`, 'helper-failed', pre);
  o.progress?.(`Checking that ${sidecar} reaches ${target}…`);
  await verifyHelper(cluster, ns, podName, sidecar, o.signal);
  return { kind: 'sidecar', transportTarget: { namespace: ns, pod: podName, container: sidecar }, description: describeSidecar(sidecar, target), created: false, preflight: pre };
}

/** What "Add scanner sidecar" will do, for the confirmation and the diff. */
export interface SidecarProposal {
  readonly kind: SidecarKind;
  readonly namespace: string;
  readonly name: string;
  readonly patch: JsonPatchOp[];
  readonly before: Json;
  readonly after: Json;
}

/** Reads the workload and builds the proposal (nothing is changed). */
export async function proposeSidecar(cluster: Pick<HelperCluster, 'request'>, kind: string, namespace: string, name: string, o: SidecarPatchOptions & { signal?: AbortSignal } = {}): Promise<SidecarProposal> {
  const refusal = sidecarRefusal(kind);
  if (refusal) throw new ShelllessError(refusal, 'preflight');
  const k = kind as SidecarKind;
  const [workload, nsObj] = await Promise.all([cluster.request<Json>('GET', workloadPath(k, namespace, name), { signal: o.signal }), readNamespace(cluster, namespace, o.signal)]);
  const patch = sidecarPatch(workload, { image: o.image, psaLevel: o.psaLevel ?? enforcedLevel(nsObj) });
  return { kind: k, namespace, name, patch, before: workload, after: applyJsonPatch(workload, patch) };
}

/** Sends the proposal's JSON patch (content type application/json-patch+json). */
export async function applySidecar(cluster: { request<T = unknown>(method: string, path: string, o?: { body?: unknown; contentType?: string; signal?: AbortSignal }): Promise<T> }, p: SidecarProposal, signal?: AbortSignal): Promise<Json> {
  return cluster.request<Json>('PATCH', workloadPath(p.kind, p.namespace, p.name), { body: p.patch, contentType: 'application/json-patch+json', signal });
}
