/**
 * Debug-container approach: one ephemeral helper container per target, added to the running pod with
 * `targetContainerName`, running our startup script under its static busybox (see helperScript.ts). The auditor then
 * scans `k8s-container://NS/POD/<helper>` and every command lands in the target's filesystem.
 *
 * Ephemeral containers can never be removed or restarted, and names cannot be reused. So:
 * - names are predictable: `kc-scan-helper`, then `kc-scan-helper-2`, `kc-scan-helper-3`, … (next = highest + 1);
 * - the newest helper of ours for the same target is reused while `status.ephemeralContainerStatuses[name].state.running`;
 * - when it terminated (its target restarted, so the kernel killed everything in that PID namespace) a new one is added.
 *
 * No vscode here: the cluster is reached through the narrow {@link HelperCluster} port (ClusterClient satisfies it).
 */
import type { ApproachPlan } from './types';
import type { ContainerRef } from '../cluster/types';
import type { AccessDecision, AccessAttributes, ExecResult, ExecRunOptions } from '../cluster/client';
import { TARGET_PID_VARIABLE, WRAPPER_MESSAGE_PREFIX, WRAPPER_UNREACHABLE_EXIT, busyboxShell, startupScript, targetConfigScript, type TargetSelector } from './helperScript';
import {
  containerState,
  permissionKey,
  preflightDebug,
  podTargetSelector,
  preflightMessage,
  requiredPermissions,
  type AccessMap,
  type Json,
  type PreflightInput,
  type PreflightResult,
} from './shelllessPreflight';

export const HELPER_NAME = 'kc-scan-helper';
export const DEFAULT_HELPER_IMAGE = 'busybox:1.36.1-musl';

/** `kc-scan-helper` is number 1, `kc-scan-helper-N` number N; anything else is not ours. */
export function helperIndex(name: string): number | undefined {
  if (name === HELPER_NAME) return 1;
  const m = /^kc-scan-helper-([1-9][0-9]*)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function helperName(index: number): string {
  return index <= 1 ? HELPER_NAME : `${HELPER_NAME}-${index}`;
}

/** What to do about the helper before a scan. */
export type HelperDecision =
  | { readonly action: 'reuse'; readonly name: string }
  /** Ours, added, not running yet (image pulling, starting): wait for it. */
  | { readonly action: 'wait'; readonly name: string }
  /** Add a new helper under `name`; `previous` is the helper it replaces and why. */
  | { readonly action: 'create'; readonly name: string; readonly previous?: { readonly name: string; readonly why: string } }
  /** Ours, stuck (e.g. the image cannot be pulled) with the same image: adding another would fail the same way. */
  | { readonly action: 'failed'; readonly name: string; readonly why: string };

const STUCK = /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError|StartError|ErrImageNeverPull/;

/** Decides reuse / wait / create from the pod as the API returns it. Never picks a name the pod already has. */
export function decideHelper(pod: Json, target: string, image: string): HelperDecision {
  const eph: Json[] = pod.spec?.ephemeralContainers ?? [];
  const taken = new Set<string>([...eph, ...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c: Json) => c.name));
  const ours = eph
    .map((c) => ({ c, i: helperIndex(c.name) }))
    .filter((x): x is { c: Json; i: number } => x.i !== undefined)
    .sort((a, b) => b.i - a.i);
  let next = (ours[0]?.i ?? 0) + 1;
  while (taken.has(helperName(next))) next++;
  const latest = ours.find((x) => x.c.targetContainerName === target)?.c;
  if (!latest) return { action: 'create', name: helperName(next) };
  const st = containerState(pod, latest.name, true);
  if (st.running) return { action: 'reuse', name: latest.name };
  if (st.state === 'terminated') {
    return { action: 'create', name: helperName(next), previous: { name: latest.name, why: `${latest.name} terminated (${st.reason ?? 'exited'}), most likely because ${target} restarted` } };
  }
  if (st.state === 'waiting' && st.reason && STUCK.test(st.reason)) {
    const why = `${latest.name} cannot start: ${st.reason}${st.message ? ` (${st.message})` : ''}`;
    if (latest.image !== image) return { action: 'create', name: helperName(next), previous: { name: latest.name, why } };
    return { action: 'failed', name: latest.name, why };
  }
  return { action: 'wait', name: latest.name };
}

export interface HelperSpecOptions {
  readonly name: string;
  readonly target: string;
  readonly image: string;
  readonly selector: TargetSelector;
  readonly capabilities: readonly string[];
  readonly runAsRoot: boolean;
}

/** The ephemeral container to add (a V1EphemeralContainer as JSON). */
export function helperContainer(o: HelperSpecOptions): Json {
  const securityContext: Json = {};
  if (o.capabilities.length) securityContext.capabilities = { add: [...o.capabilities] };
  if (o.runAsRoot) Object.assign(securityContext, { runAsUser: 0, runAsNonRoot: false });
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    command: busyboxShell(startupScript(o.selector)),
    targetContainerName: o.target,
    stdin: false,
    tty: false,
    terminationMessagePolicy: 'File',
    resources: {},
    ...(Object.keys(securityContext).length ? { securityContext } : {}),
  };
}

/** The strategic-merge patch body of `pods/ephemeralcontainers` that adds exactly one helper. */
export function ephemeralContainerPatch(container: Json): Json {
  return { spec: { ephemeralContainers: [container] } };
}

/** The cluster operations the approach needs (a subset of ClusterClient). */
export interface HelperCluster {
  getPodJson(namespace: string, name: string, signal?: AbortSignal): Promise<Json>;
  request<T = unknown>(method: string, path: string, o?: { signal?: AbortSignal }): Promise<T>;
  patchEphemeralContainers(namespace: string, pod: string, containers: Json[]): Promise<Json>;
  exec(namespace: string, pod: string, container: string, command: string[], o?: ExecRunOptions): Promise<ExecResult>;
  selfSubjectAccessReview(attrs: AccessAttributes, signal?: AbortSignal): Promise<AccessDecision>;
}

/** A refusal or failure of a shell-less approach: `message` says what blocks it and what to do. */
export class ShelllessError extends Error {
  override readonly name = 'ShelllessError';
  constructor(
    message: string,
    readonly code: 'preflight' | 'declined' | 'helper-failed' | 'timeout' | 'unreachable' | 'cancelled',
    readonly preflight?: PreflightResult,
  ) {
    super(message);
  }
}

/** What the user is asked to confirm before the pod changes. */
export interface PodChange {
  readonly approach: 'debug-container' | 'sidecar';
  readonly namespace: string;
  readonly pod: string;
  readonly podUid: string;
  readonly target: string;
  /** The container added or changed (helper name, or the sidecar). */
  readonly container: string;
  readonly image?: string;
  readonly capabilities: readonly string[];
  /** One paragraph: what changes and for how long. */
  readonly summary: string;
  readonly warnings: readonly string[];
  /** The exact body sent to the API server (debug), for "show details". */
  readonly patch?: Json;
}

export interface PrepareOptions {
  readonly image?: string;
  /** Asked before the pod is changed; false = the user declined (nothing changes). */
  readonly confirm: (change: PodChange) => Promise<boolean>;
  readonly progress?: (message: string) => void;
  readonly signal?: AbortSignal;
  /** How long to wait for the helper to run. Default 90 s. */
  readonly startTimeoutMs?: number;
  /** Poll interval while waiting. Default 500 ms. */
  readonly pollMs?: number;
  readonly classification?: PreflightInput['classification'];
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ShelllessError('Cancelled before the scan started; nothing more was changed.', 'cancelled');
}

/** Reads the namespace object; undefined when not allowed (Pod Security level then unknown). */
export async function readNamespace(cluster: Pick<HelperCluster, 'request'>, namespace: string, signal?: AbortSignal): Promise<Json | undefined> {
  try {
    return await cluster.request<Json>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`, { signal });
  } catch {
    return undefined;
  }
}

/** Runs the SelfSubjectAccessReviews for `perms`, in parallel. Unknown (review failed) stays undefined. */
export async function checkAccess(cluster: Pick<HelperCluster, 'selfSubjectAccessReview'>, perms: ReturnType<typeof requiredPermissions>, signal?: AbortSignal): Promise<AccessMap> {
  const out: Record<string, boolean | undefined> = {};
  await Promise.all(
    perms.map(async (p) => {
      try {
        const d = await cluster.selfSubjectAccessReview({ namespace: p.namespace, verb: p.verb, resource: p.resource, subresource: p.subresource, name: p.name, group: p.group }, signal);
        out[permissionKey(p)] = d.allowed;
      } catch {
        out[permissionKey(p)] = undefined;
      }
    }),
  );
  return out;
}

/** Explains a failed reachability check of the helper in words. */
export function explainUnreachable(helper: string, r: Pick<ExecResult, 'exitCode' | 'stderr' | 'stdout' | 'end'>): string {
  const err = `${r.stderr}${r.stdout}`.trim();
  const wrapperLine = err.split('\n').find((l) => l.startsWith(WRAPPER_MESSAGE_PREFIX));
  if (wrapperLine) return wrapperLine.slice(WRAPPER_MESSAGE_PREFIX.length).trim().replace(/^./, (c) => c.toUpperCase());
  if (/chroot.*(Operation not permitted|EPERM)/i.test(err)) return `${helper} may not chroot (CAP_SYS_CHROOT is missing: the runtime's default capabilities or a security policy removed it).`;
  if (/can't execute|No such file or directory|not found/i.test(err)) return `${helper}'s busybox cannot run inside the target's filesystem: it must be a STATIC busybox (kubeCompliance.debugContainer.image). ${err}`;
  if (r.end.kind === 'runtime-error') return `${helper} refused the command: ${r.end.message}`;
  if (r.end.kind === 'closed') return `The exec into ${helper} ended without a result: ${r.end.message}`;
  return `${helper} could not reach the target (exit ${r.exitCode ?? '?'}${err ? `: ${err}` : ''}).`;
}

/** The readiness command: prints the target PID the wrapper chose (nothing when /bin/sh is not the wrapper yet). */
export const VERIFY_COMMAND = ['/bin/sh', '-c', `echo "kc-ok:$${TARGET_PID_VARIABLE}"`];

/**
 * Checks that commands sent to the helper really reach the target, exactly as the transports call it. The helper's
 * status turns `running` before its startup script has replaced /bin/sh, so a plain shell's answer (no target PID)
 * means "not yet": retried until `timeoutMs`. Throws a ShelllessError saying why not.
 */
export async function verifyHelper(cluster: Pick<HelperCluster, 'exec'>, ns: string, pod: string, helper: string, signal?: AbortSignal, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkAbort(signal);
    const r = await cluster.exec(ns, pod, helper, VERIFY_COMMAND, { timeoutMs: 30000, signal });
    if (r.exitCode === 0 && /kc-ok:\d+/.test(r.stdout)) return;
    const notYet = r.exitCode === 0 && r.stdout.includes('kc-ok:');
    if (!notYet) throw new ShelllessError(explainUnreachable(helper, r), r.exitCode === WRAPPER_UNREACHABLE_EXIT ? 'unreachable' : 'helper-failed');
    if (Date.now() > deadline) throw new ShelllessError(`${helper} runs, but its startup script did not install the wrapper within ${Math.round(timeoutMs / 1000)} s: check that the image (kubeCompliance.debugContainer.image) has a static busybox at /bin/busybox and a writable /bin.`, 'helper-failed');
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Polls the pod until the helper runs; throws with the helper's own reason when it fails or time runs out. */
export async function waitForHelper(cluster: Pick<HelperCluster, 'getPodJson'>, ns: string, pod: string, name: string, o: Pick<PrepareOptions, 'signal' | 'startTimeoutMs' | 'pollMs'> = {}): Promise<Json> {
  const deadline = Date.now() + (o.startTimeoutMs ?? 90000);
  let last = 'no status yet';
  for (;;) {
    checkAbort(o.signal);
    const p = await cluster.getPodJson(ns, pod, o.signal);
    const st = containerState(p, name, true);
    if (st.running) return p;
    if (st.state === 'terminated') {
      throw new ShelllessError(`The helper ${name} stopped right after starting (${st.reason ?? 'exited'}${st.message ? `: ${st.message}` : ''}). Check that kubeCompliance.debugContainer.image holds a static busybox at /bin/busybox.`, 'helper-failed');
    }
    if (st.state === 'waiting' && st.reason && STUCK.test(st.reason)) {
      throw new ShelllessError(`The helper ${name} cannot start: ${st.reason}${st.message ? ` (${st.message})` : ''}. Check the image in kubeCompliance.debugContainer.image and that the node can pull it.`, 'helper-failed');
    }
    last = st.state === 'waiting' ? `waiting${st.reason ? `: ${st.reason}` : ''}` : st.state;
    if (Date.now() > deadline) {
      throw new ShelllessError(`The helper ${name} did not start within ${Math.round((o.startTimeoutMs ?? 90000) / 1000)} s (last state: ${last}). It stays in the pod; the next scan reuses it once it runs.`, 'timeout');
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
}

/** Everything a caller needs to know about the prepared helper. */
export interface PreparedApproach extends ApproachPlan {
  /** True when this call added an ephemeral container. */
  readonly created: boolean;
  readonly preflight: PreflightResult;
}

export function describeDebug(helper: string, target: string): string {
  return `debug container ${helper} → ${target}`;
}

/**
 * Gets a running helper for `ref` (reusing ours, or adding one after the user confirms), checks that it reaches the
 * target, and returns the plan the scan runs with. Throws a ShelllessError (nothing changed) when the preflight fails.
 */
export async function prepareDebugContainer(cluster: HelperCluster, ref: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>, o: PrepareOptions): Promise<PreparedApproach> {
  const { namespace: ns, pod: podName, container: target } = ref;
  const image = o.image || DEFAULT_HELPER_IMAGE;
  o.progress?.(`Checking ${ns}/${podName} for a scan helper…`);
  const [pod, nsObj] = await Promise.all([cluster.getPodJson(ns, podName, o.signal), readNamespace(cluster, ns, o.signal)]);
  let decision = decideHelper(pod, target, image);
  const access = await checkAccess(cluster, requiredPermissions('debug-container', ns, podName, decision.action === 'create'), o.signal);
  const pre = preflightDebug({ pod, namespace: nsObj, target, access, classification: o.classification, needPatch: decision.action === 'create' });
  if (!pre.ok) throw new ShelllessError(preflightMessage(pre), 'preflight', pre);
  if (decision.action === 'failed') throw new ShelllessError(`${decision.why}. Change kubeCompliance.debugContainer.image to an image the cluster can run (a static busybox), then scan again.`, 'helper-failed', pre);
  checkAbort(o.signal);

  let created = false;
  const shared = pod.spec?.shareProcessNamespace === true;
  const selector = podTargetSelector(pod, target, shared);
  if (decision.action === 'create') {
    const container = helperContainer({ name: decision.name, target, image, selector, capabilities: pre.addCapabilities, runAsRoot: pre.helperRunsAsRoot });
    const change: PodChange = {
      approach: 'debug-container',
      namespace: ns,
      pod: podName,
      podUid: pod.metadata?.uid ?? '',
      target,
      container: decision.name,
      image,
      capabilities: pre.addCapabilities,
      summary:
        `Adds the ephemeral container ${decision.name} (image ${image}, capabilities ${pre.addCapabilities.join(', ')}${pre.helperRunsAsRoot ? ', runs as root' : ''}) to pod ${ns}/${podName}, ` +
        `sharing ${target}'s process namespace. Ephemeral containers cannot be removed: it stays in the pod spec until the pod is replaced. ` +
        `Later scans of ${target} reuse it while it runs.` +
        (decision.previous ? ` A new helper is needed because ${decision.previous.why}.` : ''),
      warnings: pre.warnings,
      patch: ephemeralContainerPatch(container),
    };
    if (!(await o.confirm(change))) throw new ShelllessError(`Not scanned: you declined adding ${decision.name} to ${ns}/${podName}. Nothing was changed.`, 'declined', pre);
    checkAbort(o.signal);
    o.progress?.(`Adding ${decision.name} to ${ns}/${podName}…`);
    await cluster.patchEphemeralContainers(ns, podName, [container]);
    created = true;
    decision = { action: 'wait', name: decision.name };
  }
  if (decision.action === 'wait') {
    o.progress?.(`Waiting for ${decision.name} to start…`);
    await waitForHelper(cluster, ns, podName, decision.name, o);
  }
  const helper = decision.name;
  if (shared && !created) {
    // In a shared PID namespace the helper outlives restarts of its target (new container ID, new PID): refresh the
    // selection hints it was created with.
    const conf = await cluster.exec(ns, podName, helper, busyboxShell(targetConfigScript(selector)), { timeoutMs: 30000, signal: o.signal });
    if (conf.exitCode !== 0) throw new ShelllessError(`Could not update ${helper}'s target: ${conf.stderr.trim() || (conf.end.kind !== 'exit' ? conf.end.message : `exit ${conf.exitCode}`)}`, 'helper-failed', pre);
  }
  o.progress?.(`Checking that ${helper} reaches ${target}…`);
  await verifyHelper(cluster, ns, podName, helper, o.signal);
  return {
    kind: 'debug-container',
    transportTarget: { namespace: ns, pod: podName, container: helper },
    description: describeDebug(helper, target),
    created,
    preflight: pre,
  };
}

