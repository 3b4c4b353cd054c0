/**
 * Preflight of the shell-less approaches (debug container, sidecar): reads what the API says about the pod, its
 * namespace and the caller's permissions, and decides — before anything is changed — whether the approach can work,
 * what blocks it, and which approach would work instead. Pure functions over plain JSON objects; no I/O, no vscode.
 *
 * Facts used (../shared/docs/distroless-helper.md §6, scan-approaches.md §3, §5, §6):
 * - chroot needs CAP_SYS_CHROOT. Pod Security `baseline` allows adding it; `restricted` requires dropping ALL
 *   capabilities (only NET_BIND_SERVICE may be added) and runAsNonRoot, so no helper can chroot there.
 * - Reading /proc/<pid>/root of a process of another uid (or one holding capabilities the helper lacks) needs
 *   CAP_SYS_PTRACE, which `baseline` forbids. So under `baseline` only root targets can be read.
 * - RBAC: debug helper = `patch` on `pods/ephemeralcontainers` (only when a new helper must be added) plus `get` and
 *   `create` on `pods/exec`; sidecar = `get` and `create` on `pods/exec`.
 */
import type { ApproachKind, ContainerClassification } from '../cluster/types';
import { requiredPermissions as accessRequirements } from '../access/requirements';
import type { RequiredPermission } from './types';
import { selectorFor, type TargetSelector } from './helperScript';

/** A Kubernetes object as JSON (the client's RawObject). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export type PsaLevel = 'privileged' | 'baseline' | 'restricted';
export const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** The Pod Security level the namespace enforces, from its label; undefined when unlabelled or unreadable. */
export function enforcedLevel(namespace: Json | undefined): PsaLevel | undefined {
  const v = namespace?.metadata?.labels?.[PSA_ENFORCE_LABEL];
  return v === 'privileged' || v === 'baseline' || v === 'restricted' ? v : undefined;
}

export interface TargetUser {
  /** The uid from runAsUser (container, else pod), when set. */
  readonly uid?: number;
  /** true: known non-root; false: known root; undefined: the image decides (its USER is not visible through the API). */
  readonly nonRoot?: boolean;
  /** Where the answer came from, for messages. */
  readonly source: string;
}

function findContainer(pod: Json, name: string): Json | undefined {
  return (pod.spec?.containers ?? []).find((c: Json) => c.name === name) ?? (pod.spec?.initContainers ?? []).find((c: Json) => c.name === name);
}

/** Who the target's processes run as, as far as the pod spec tells. */
export function targetUser(pod: Json, container: string): TargetUser {
  const c = findContainer(pod, container);
  const cs = c?.securityContext ?? {};
  const ps = pod.spec?.securityContext ?? {};
  if (typeof cs.runAsUser === 'number') return { uid: cs.runAsUser, nonRoot: cs.runAsUser !== 0, source: `runAsUser ${cs.runAsUser} of container ${container}` };
  if (typeof ps.runAsUser === 'number') return { uid: ps.runAsUser, nonRoot: ps.runAsUser !== 0, source: `the pod's runAsUser ${ps.runAsUser}` };
  if (cs.runAsNonRoot === true || (cs.runAsNonRoot === undefined && ps.runAsNonRoot === true)) return { nonRoot: true, source: 'runAsNonRoot: true' };
  const image: string = c?.image ?? '';
  if (/[:-]nonroot\b/.test(image)) return { nonRoot: true, source: `its image tag (${image})` };
  return { source: 'not set in the pod spec (the image decides)' };
}

export interface ContainerStateInfo {
  readonly running: boolean;
  /** `running`, `waiting`, `terminated` or `missing`. */
  readonly state: 'running' | 'waiting' | 'terminated' | 'missing';
  /** e.g. CrashLoopBackOff, Completed, ErrImagePull. */
  readonly reason?: string;
  readonly message?: string;
  readonly containerID?: string;
  readonly restartCount?: number;
}

/** The state of a container (or ephemeral container) from the pod's status. */
export function containerState(pod: Json, name: string, ephemeral = false): ContainerStateInfo {
  const list: Json[] = ephemeral ? (pod.status?.ephemeralContainerStatuses ?? []) : [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const s = list.find((x) => x.name === name);
  if (!s?.state) return { running: false, state: 'missing' };
  const base = { containerID: s.containerID, restartCount: s.restartCount };
  if (s.state.running) return { ...base, running: true, state: 'running' };
  if (s.state.terminated) return { ...base, running: false, state: 'terminated', reason: s.state.terminated.reason ?? `exit code ${s.state.terminated.exitCode}`, message: s.state.terminated.message };
  if (s.state.waiting) return { ...base, running: false, state: 'waiting', reason: s.state.waiting.reason, message: s.state.waiting.message };
  return { ...base, running: false, state: 'missing' };
}

/** True when the pod runs on Windows (spec.os, or the node selector the scheduler honoured). */
export function isWindowsPod(pod: Json): boolean {
  return pod.spec?.os?.name === 'windows' || pod.spec?.nodeSelector?.['kubernetes.io/os'] === 'windows';
}

/** Runtime classes that sandbox the pod (gVisor, Kata): /proc and namespaces behave differently inside them. */
export function sandboxRuntime(pod: Json): string | undefined {
  const rc: string | undefined = pod.spec?.runtimeClassName;
  return rc && /gvisor|runsc|kata|firecracker|sandbox/i.test(rc) ? rc : undefined;
}

export type BlockerCode =
  | 'windows'
  | 'sandboxed'
  | 'not-running'
  | 'rbac-exec'
  | 'rbac-patch'
  | 'psa-restricted'
  | 'psa-baseline-nonroot'
  | 'no-shared-pid'
  | 'sidecar-missing'
  | 'sidecar-not-running'
  | 'sidecar-capabilities';

export interface Blocker {
  readonly code: BlockerCode;
  readonly message: string;
}

export interface PreflightResult {
  readonly approach: Extract<ApproachKind, 'debug-container' | 'sidecar'>;
  readonly ok: boolean;
  readonly blockers: readonly Blocker[];
  /** Things that do not block but that the user should know (shown with the confirmation). */
  readonly warnings: readonly string[];
  /** Which approach would work instead, in words; undefined when none would. */
  readonly alternative?: string;
  /** Capabilities the helper must add (always SYS_CHROOT; SYS_PTRACE for non-root or unknown-user targets when allowed). */
  readonly addCapabilities: readonly string[];
  /** The pod forces a non-root user on its containers, so the helper must say runAsUser: 0 to write its /bin. */
  readonly helperRunsAsRoot: boolean;
  /** The helper container to use for the sidecar approach. */
  readonly sidecar?: string;
}

/** Access decisions keyed by {@link permissionKey}; undefined = not checked / unknown. */
export type AccessMap = Readonly<Record<string, boolean | undefined>>;

export function permissionKey(p: Pick<RequiredPermission, 'verb' | 'resource' | 'subresource'>): string {
  return `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}`;
}

/**
 * The permissions an approach needs on one pod (checked with SelfSubjectAccessReview before anything changes).
 * The rules live in one place, src/core/access/requirements.ts; this keeps the shell-less call signature.
 */
export function requiredPermissions(approach: 'debug-container' | 'sidecar', namespace: string, pod: string, needPatch: boolean): RequiredPermission[] {
  return accessRequirements(approach, { namespace, pod }, { needPatch });
}

const WINDOWS_TEXT =
  'Windows containers cannot be scanned through a helper: the technique needs Linux features (a shared PID namespace, /proc/<pid>/root and chroot) that Windows containers do not have, and the transports run Linux shell commands. No approach of Kube Compliance can scan this container.';

export interface PreflightInput {
  readonly pod: Json;
  /** The namespace object; undefined when it could not be read (then the Pod Security level is unknown). */
  readonly namespace?: Json;
  readonly target: string;
  readonly access: AccessMap;
  /** The explorer's classification of the target, when known (Sandboxed reasons, sidecar candidate). */
  readonly classification?: Pick<ContainerClassification, 'compatibility' | 'reason' | 'sidecar'>;
  /** Debug approach: false when a running helper will be reused (no PATCH needed). */
  readonly needPatch?: boolean;
  /** Sidecar approach: the sidecar to use (else found with {@link findScannerSidecar}). */
  readonly sidecar?: string;
}

function denied(access: AccessMap, verb: string, resource: string, sub?: string): boolean {
  return access[permissionKey({ verb, resource, subresource: sub })] === false;
}

function commonBlockers(input: PreflightInput, blockers: Blocker[]): void {
  const { pod, target } = input;
  const where = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  if (input.classification?.compatibility === 'Windows' || isWindowsPod(pod)) blockers.push({ code: 'windows', message: WINDOWS_TEXT });
  const sandbox = sandboxRuntime(pod);
  if (input.classification?.compatibility === 'Sandboxed' || sandbox) {
    const why = input.classification?.compatibility === 'Sandboxed' ? input.classification.reason : `the pod runs in the sandboxed runtime class ${sandbox}`;
    blockers.push({
      code: 'sandboxed',
      message: `${where} is sandboxed (${why}). A helper in the same pod is confined the same way: its exec is refused by the same security profile (AppArmor, SELinux or seccomp deny the exec or the chroot), and a sandboxed runtime does not let one container read another's /proc/<pid>/root. Ask for the profile to allow exec and chroot for scanning, or scan the image outside this sandbox.`,
    });
  }
  const st = containerState(pod, target);
  if (!st.running) {
    blockers.push({
      code: 'not-running',
      message: `Container ${target} is not running (${st.state}${st.reason ? `: ${st.reason}` : ''}). The helper reads a running container's filesystem through its processes; start it (or fix why it stops), then scan.`,
    });
  }
  if (denied(input.access, 'get', 'pods', 'exec') || denied(input.access, 'create', 'pods', 'exec')) {
    blockers.push({
      code: 'rbac-exec',
      message: `You may not exec into pods in ${pod.metadata?.namespace} (RBAC needs both get and create on pods/exec). Every scan approach runs commands through exec.`,
    });
  }
}

function psaBlockers(level: PsaLevel | undefined, user: TargetUser, target: string, ns: string, blockers: Blocker[], warnings: string[]): boolean {
  if (level === 'restricted') {
    blockers.push({
      code: 'psa-restricted',
      message: `Namespace ${ns} enforces Pod Security "restricted": every container must drop ALL capabilities and run as non-root, so no helper can chroot into ${target}'s filesystem.`,
    });
    return false;
  }
  const ptraceAllowed = level !== 'baseline';
  if (!ptraceAllowed && user.nonRoot === true) {
    blockers.push({
      code: 'psa-baseline-nonroot',
      message: `${target} runs as a non-root user (${user.source}); reading its filesystem needs CAP_SYS_PTRACE, which namespace ${ns}'s Pod Security level "baseline" forbids.`,
    });
  } else if (!ptraceAllowed && user.nonRoot === undefined) {
    warnings.push(`Namespace ${ns} enforces Pod Security "baseline", which forbids CAP_SYS_PTRACE: if ${target}'s image runs as a non-root user, the helper cannot read it.`);
  }
  return ptraceAllowed && user.nonRoot !== false;
}

function podForcesNonRoot(pod: Json): boolean {
  const ps = pod.spec?.securityContext ?? {};
  return ps.runAsNonRoot === true || (typeof ps.runAsUser === 'number' && ps.runAsUser !== 0);
}

/** Preflight of the debug-container approach. */
export function preflightDebug(input: PreflightInput): PreflightResult {
  const blockers: Blocker[] = [];
  const warnings: string[] = [];
  const ns: string = input.pod.metadata?.namespace ?? '';
  commonBlockers(input, blockers);
  const needPatch = input.needPatch !== false;
  if (needPatch && denied(input.access, 'patch', 'pods', 'ephemeralcontainers')) {
    blockers.push({
      code: 'rbac-patch',
      message: `You may not add ephemeral containers to pods in ${ns} (RBAC needs patch on pods/ephemeralcontainers).`,
    });
  }
  const level = enforcedLevel(input.namespace);
  if (!input.namespace) warnings.push(`The Pod Security level of namespace ${ns} could not be read; if it enforces "baseline" or "restricted" the API server will refuse the helper.`);
  const user = targetUser(input.pod, input.target);
  const ptrace = psaBlockers(level, user, input.target, ns, blockers, warnings);
  if (ptrace && user.nonRoot === undefined) warnings.push(`${input.target}'s user is ${user.source}, so the helper also gets CAP_SYS_PTRACE in case it runs as non-root.`);
  const ok = blockers.length === 0;
  return {
    approach: 'debug-container',
    ok,
    blockers,
    warnings,
    alternative: ok ? undefined : alternativeToDebug(input, blockers),
    addCapabilities: ptrace ? ['SYS_CHROOT', 'SYS_PTRACE'] : ['SYS_CHROOT'],
    helperRunsAsRoot: podForcesNonRoot(input.pod),
  };
}

/** The scanner sidecar to use: the named one, else ours (`kc-scanner`), else the explorer's, else one named *scanner*. */
export function findScannerSidecar(pod: Json, target: string, preferred?: string): string | undefined {
  if (!pod.spec?.shareProcessNamespace) return undefined;
  const names: string[] = (pod.spec?.containers ?? []).map((c: Json) => c.name).filter((n: string) => n !== target);
  for (const n of [preferred, SIDECAR_NAME]) if (n && names.includes(n)) return n;
  return names.find((n) => /scan/i.test(n));
}

/** The sidecar's uid and whether it holds CAP_SYS_PTRACE (added, ALL, or privileged). */
export function sidecarUser(pod: Json, sidecar: string): { uid?: number; ptrace: boolean } {
  const c = findContainer(pod, sidecar);
  const sc = c?.securityContext ?? {};
  const add: string[] = sc.capabilities?.add ?? [];
  const ptrace = sc.privileged === true || add.some((x) => ['SYS_PTRACE', 'CAP_SYS_PTRACE', 'ALL'].includes(String(x).toUpperCase()));
  const uid = typeof sc.runAsUser === 'number' ? sc.runAsUser : typeof pod.spec?.securityContext?.runAsUser === 'number' ? pod.spec.securityContext.runAsUser : undefined;
  return { uid, ptrace };
}

/** Name of the scanner sidecar the "Add scanner sidecar" patch adds. */
export const SIDECAR_NAME = 'kc-scanner';

/** Preflight of the sidecar approach. */
export function preflightSidecar(input: PreflightInput): PreflightResult {
  const blockers: Blocker[] = [];
  const warnings: string[] = [];
  const ns: string = input.pod.metadata?.namespace ?? '';
  commonBlockers(input, blockers);
  const sidecar = input.sidecar ?? findScannerSidecar(input.pod, input.target, input.classification?.sidecar);
  if (!input.pod.spec?.shareProcessNamespace) {
    blockers.push({
      code: 'no-shared-pid',
      message: `Pod ${input.pod.metadata?.name} does not share its process namespace (shareProcessNamespace is not true), so no sidecar can see ${input.target}'s processes.`,
    });
  } else if (!sidecar) {
    blockers.push({ code: 'sidecar-missing', message: `Pod ${input.pod.metadata?.name} has no scanner sidecar (a container with a static busybox, e.g. one added with "Add Scanner Sidecar").` });
  } else if (!containerState(input.pod, sidecar).running) {
    const st = containerState(input.pod, sidecar);
    blockers.push({ code: 'sidecar-not-running', message: `The scanner sidecar ${sidecar} is not running (${st.state}${st.reason ? `: ${st.reason}` : ''}).` });
  }
  if (sidecar && !blockers.length) {
    const user = targetUser(input.pod, input.target);
    const side = sidecarUser(input.pod, sidecar);
    if (!side.ptrace && user.nonRoot !== false && !(user.uid !== undefined && user.uid === side.uid)) {
      const text = `the scanner sidecar ${sidecar} has no CAP_SYS_PTRACE, which it needs to read the files of ${input.target} when that runs as another user`;
      if (user.nonRoot === true) blockers.push({ code: 'sidecar-capabilities', message: `${text.charAt(0).toUpperCase()}${text.slice(1)} (${input.target}: ${user.source}).` });
      else warnings.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}; ${input.target}'s user is ${user.source}.`);
    }
  }
  const level = enforcedLevel(input.namespace);
  const user = targetUser(input.pod, input.target);
  if (level === 'restricted') psaBlockers(level, user, input.target, ns, blockers, warnings);
  else if (level === 'baseline' && user.nonRoot === true) psaBlockers(level, user, input.target, ns, blockers, warnings);
  const ok = blockers.length === 0;
  return {
    approach: 'sidecar',
    ok,
    blockers,
    warnings,
    alternative: ok ? undefined : alternativeToSidecar(input, blockers),
    addCapabilities: [],
    helperRunsAsRoot: false,
    sidecar,
  };
}

const HARD: BlockerCode[] = ['windows', 'sandboxed', 'not-running', 'rbac-exec', 'psa-restricted', 'psa-baseline-nonroot'];

function alternativeToDebug(input: PreflightInput, blockers: readonly Blocker[]): string | undefined {
  const codes = new Set(blockers.map((b) => b.code));
  if (codes.has('windows') || codes.has('sandboxed') || codes.has('rbac-exec')) return undefined;
  if (codes.has('not-running')) return 'None until the container runs: every approach needs a running target.';
  if (codes.has('psa-restricted') || codes.has('psa-baseline-nonroot')) {
    return `No approach can read it in this namespace as it is: ask a cluster admin for a Pod Security exemption for scanning, or to label the namespace ${PSA_ENFORCE_LABEL}=privileged while you scan; or scan a copy of the workload in a namespace that allows CAP_SYS_CHROOT${codes.has('psa-baseline-nonroot') ? ' and CAP_SYS_PTRACE' : ''}.`;
  }
  if (codes.has('rbac-patch')) {
    const side = findScannerSidecar(input.pod, input.target, input.classification?.sidecar);
    if (side && containerState(input.pod, side).running) return `The sidecar approach through ${side} (it needs only exec, which you have).`;
    return 'Ask for patch on pods/ephemeralcontainers in this namespace, or add a scanner sidecar to the workload (Add Scanner Sidecar), which needs patch on the workload instead.';
  }
  return undefined;
}

function alternativeToSidecar(input: PreflightInput, blockers: readonly Blocker[]): string | undefined {
  if (blockers.some((b) => HARD.includes(b.code))) return alternativeToDebug(input, blockers);
  if (blockers.some((b) => b.code === 'sidecar-capabilities') && !denied(input.access, 'patch', 'pods', 'ephemeralcontainers')) {
    return 'The debug-container approach: its helper gets CAP_SYS_PTRACE for a non-root target.';
  }
  if (denied(input.access, 'patch', 'pods', 'ephemeralcontainers')) return 'Add a scanner sidecar to the workload (Add Scanner Sidecar); the debug-container approach needs patch on pods/ephemeralcontainers, which you do not have.';
  return 'The debug-container approach (it adds an ephemeral helper to this pod).';
}

/** One message for a failed preflight: every blocker, then what would work instead. */
export function preflightMessage(r: PreflightResult): string {
  const lines = r.blockers.map((b) => b.message);
  lines.push(r.alternative ? `Would work instead: ${r.alternative}` : 'Nothing was changed.');
  if (r.alternative) lines.push('Nothing was changed.');
  return lines.join('\n');
}

/** How the helper finds `target`'s processes in `pod`: PID 1 in its own PID namespace, else by container ID / command line. */
export function podTargetSelector(pod: Json, target: string, shareProcessNamespace: boolean): TargetSelector {
  const containers: Json[] = pod.spec?.containers ?? [];
  const spec = containers.find((c: Json) => c.name === target);
  return selectorFor({
    shareProcessNamespace,
    container: target,
    containerId: containerState(pod, target).containerID,
    command: spec?.command,
    args: spec?.args,
    siblings: containers.filter((c: Json) => c.name !== target),
  });
}
