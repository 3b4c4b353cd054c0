// Defaults the real API server / kubelet fill into objects, so clients see complete objects (kubectl 1.33 `debug`
// dereferences spec and status fields a sparse prototype left out), and the pod status roll-up from container states.
import { randomBytes } from 'node:crypto';
import { imageIDFor, type KObject } from './contract';

export const LINUX_NODE = 'demo-linux-1';
export const WINDOWS_NODE = 'demo-windows-1';

export function isoNow(now: number): string {
  return new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  const b = randomBytes(n);
  return [...b].map((x) => ALNUM[x % ALNUM.length]).join('');
}

function imagePullPolicy(image: string): string {
  const last = image.split('/').pop() ?? image;
  return image.includes('@') ? 'IfNotPresent' : !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export function containerDefaults(c: KObject): KObject {
  c.imagePullPolicy ??= imagePullPolicy(c.image ?? '');
  c.resources ??= {};
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  return c;
}

/** Spec defaults of a new pod (scheduling included: the emulator "schedules" at create time). */
export function podSpecDefaults(pod: KObject): void {
  const spec = (pod.spec ??= {});
  spec.containers ??= [];
  spec.containers.forEach(containerDefaults);
  (spec.initContainers ?? []).forEach(containerDefaults);
  (spec.ephemeralContainers ?? []).forEach(containerDefaults);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  const windows = spec.nodeSelector?.['kubernetes.io/os'] === 'windows' || spec.nodeName === WINDOWS_NODE;
  spec.nodeName ??= windows ? WINDOWS_NODE : LINUX_NODE;
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
}

let ipCounter = 10;
export function nextPodIP(node: string): string {
  const n = ipCounter++;
  return node === WINDOWS_NODE ? `10.244.1.${(n % 250) + 2}` : `10.244.${Math.floor(n / 250) % 200 + 2}.${(n % 250) + 2}`;
}

/** demo-linux-1 172.18.0.2, demo-windows-1 .3, further Linux nodes demo-linux-N (fleet scenario) .N+2. */
export function hostIPOf(node: string): string {
  if (node === WINDOWS_NODE) return '172.18.0.3';
  const n = Number(/^demo-linux-(\d+)$/.exec(node)?.[1] ?? 1);
  return `172.18.0.${n > 1 ? n + 2 : 2}`;
}

export function containerStatusFor(c: KObject, state: KObject, extra: KObject = {}): KObject {
  const running = !!state.running;
  return {
    name: c.name,
    state,
    lastState: {},
    ready: false,
    restartCount: 0,
    image: c.image,
    imageID: imageIDFor(c.image),
    started: running,
    ...extra,
  };
}

/**
 * Initial status of a new pod: Pending, every container waiting in ContainerCreating (the runtime reports the rest).
 * `imageIDOf`: the image each container pulls (the registry's, contract.ts), default `imageIDFor`.
 */
export function podInitialStatus(pod: KObject, now: number, imageIDOf: (image: string) => string = imageIDFor): void {
  const node = pod.spec.nodeName;
  const ip = nextPodIP(node);
  pod.status = {
    phase: 'Pending',
    hostIP: hostIPOf(node),
    hostIPs: [{ ip: hostIPOf(node) }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: isoNow(now),
    qosClass: qosClass(pod),
    containerStatuses: pod.spec.containers.map((c: KObject) => containerStatusFor(c, { waiting: { reason: 'ContainerCreating' } }, { imageID: imageIDOf(c.image) })),
  };
  if ((pod.spec.initContainers ?? []).length) {
    pod.status.initContainerStatuses = pod.spec.initContainers.map((c: KObject) => containerStatusFor(c, { terminated: { exitCode: 0, reason: 'Completed', startedAt: isoNow(now), finishedAt: isoNow(now) } }, { ready: true, imageID: imageIDOf(c.image) }));
  }
  recomputePodStatus(pod, now);
}

function qosClass(pod: KObject): string {
  const cs: KObject[] = pod.spec.containers;
  const anyRes = cs.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!anyRes) return 'BestEffort';
  const guaranteed = cs.every((c) => c.resources?.limits?.cpu && c.resources?.limits?.memory && (!c.resources.requests || (c.resources.requests.cpu === c.resources.limits.cpu && c.resources.requests.memory === c.resources.limits.memory)));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Phase and conditions from the container states (what the kubelet reports). */
export function recomputePodStatus(pod: KObject, now: number): void {
  const st = (pod.status ??= {});
  const statuses: KObject[] = st.containerStatuses ?? [];
  const total = pod.spec.containers.length;
  const allReady = total > 0 && statuses.length === total && statuses.every((c) => c.ready);
  const started = statuses.some((c) => c.state?.running || c.state?.terminated || c.restartCount > 0 || c.lastState?.terminated);
  const allTerminated = statuses.length === total && total > 0 && statuses.every((c) => c.state?.terminated);
  if (!st.reason) {
    if (allTerminated && pod.spec.restartPolicy !== 'Always') st.phase = statuses.every((c) => c.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
    else if (started) st.phase = 'Running';
    else st.phase = 'Pending';
  }
  const ts = isoNow(now);
  const old: KObject[] = st.conditions ?? [];
  const cond = (type: string, ok: boolean, reason?: string): KObject => {
    const status = ok ? 'True' : 'False';
    const prev = old.find((c) => c.type === type);
    const c: KObject = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : ts };
    if (!ok && reason) c.reason = reason;
    return c;
  };
  const completed = st.phase === 'Succeeded' || st.phase === 'Failed';
  const readyReason = completed ? 'PodCompleted' : 'ContainersNotReady';
  const unready = pod.spec.containers.map((c: KObject) => c.name).filter((n: string) => !statuses.find((x) => x.name === n)?.ready);
  const withMessage = (c: KObject) => (c.status === 'False' && !completed ? { ...c, message: `containers with unready status: [${unready.join(' ')}]` } : c);
  st.conditions = [
    cond('PodReadyToStartContainers', !completed),
    cond('Initialized', true),
    withMessage(cond('Ready', allReady, readyReason)),
    withMessage(cond('ContainersReady', allReady, readyReason)),
    cond('PodScheduled', true),
  ];
}
