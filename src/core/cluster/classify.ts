/**
 * Container classification: for each container, the compatibility word, why, and the scan approach (or what is
 * missing). Cheapest facts first (scan-approaches.md §5):
 *   1. pod spec/status, no round trip: Windows (spec.os / nodeSelector / image), Sandboxed (runtimeClassName),
 *      Not running (container state);
 *   2. the node's `kubernetes.io/os` label (one GET per node, cached);
 *   3. SelfSubjectAccessReview for `pods/exec` get AND create (namespace-wide first, then the pod; cached), and
 *      `pods/ephemeralcontainers` patch only when a shell-less container needs a debug container;
 *   4. at most one exec probe per image digest (imageID) and security profile, shared by every pod using it.
 */
import type { AccessAttributes, ClusterClient, ExecResult, RawPod } from './client';
import { KubeError } from './errors';
import { ESSENTIAL_TOOLS, PROBE_TOOLS, distrolessImageHint, interpretExecFailure, missingTools, parseProbeOutput, probeCommand, windowsImageHint } from './probe';
import { APPROACH_LABEL, type ApproachKind, type Compatibility, type ContainerClassification, type ProbeResult } from './types';

/** What the classifier needs from a cluster; `ClusterClient` provides it (see `clientBackend`). Tests fake it. */
export interface ClassifierBackend {
  readonly context: string;
  /** SelfSubjectAccessReview → allowed. */
  canI(attrs: AccessAttributes): Promise<boolean>;
  /** The node's `kubernetes.io/os` label; undefined when unknown (e.g. no permission to get nodes). */
  nodeOs(nodeName: string): Promise<string | undefined>;
  /** Runs a command in a container; throws KubeError when the exec stream cannot be opened. */
  exec(namespace: string, pod: string, container: string, command: string[]): Promise<ExecResult>;
}

export function clientBackend(client: ClusterClient): ClassifierBackend {
  return {
    context: client.contextName,
    canI: async (attrs) => (await client.selfSubjectAccessReview(attrs)).allowed,
    nodeOs: async (nodeName) => {
      try {
        const node = await client.request<RawPod>('GET', `/api/v1/nodes/${encodeURIComponent(nodeName)}`);
        const labels = node?.metadata?.labels ?? {};
        return labels['kubernetes.io/os'] ?? labels['beta.kubernetes.io/os'] ?? node?.status?.nodeInfo?.operatingSystem;
      } catch {
        return undefined; // forbidden or gone: fall back on the pod spec
      }
    },
    exec: (ns, pod, ctr, cmd) => client.exec(ns, pod, ctr, cmd, { timeoutMs: 15000, maxOutputBytes: 64 * 1024 }),
  };
}

/** Outcome of one probe, cached per image key. */
export type ProbeOutcome =
  | { readonly kind: 'ok'; readonly probe: ProbeResult }
  | { readonly kind: 'no-shell' | 'blocked' | 'forbidden' | 'not-running' | 'failed'; readonly message: string };

type Role = ContainerClassification['role'];

interface ContainerInfo {
  readonly name: string;
  readonly role: Role;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly spec: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly status?: Record<string, any>;
}

const SANDBOX_RUNTIME = /gvisor|runsc|kata|firecracker|\bfc\b|sandbox|confidential|cc-/i;
const ACCESS_TTL_MS = 5 * 60 * 1000;

export interface ClassifierStats {
  /** Exec probes actually sent. */
  probes: number;
  /** Distinct image digests probed. */
  readonly probedImages: Set<string>;
  /** SelfSubjectAccessReviews sent. */
  accessReviews: number;
  /** Node lookups sent. */
  nodeLookups: number;
}

export class Classifier {
  private readonly access = new Map<string, { at: number; value: Promise<boolean> }>();
  private readonly nodes = new Map<string, Promise<string | undefined>>();
  private readonly probes = new Map<string, Promise<ProbeOutcome>>();
  readonly stats: ClassifierStats = { probes: 0, probedImages: new Set(), accessReviews: 0, nodeLookups: 0 };

  constructor(
    private readonly backend: ClassifierBackend,
    private readonly now: () => number = Date.now,
  ) {}

  get context(): string {
    return this.backend.context;
  }

  /** Forgets every cached answer (RBAC and probes), e.g. on a manual refresh. */
  clear(): void {
    this.access.clear();
    this.nodes.clear();
    this.probes.clear();
  }

  /** Classifies one container of a pod. */
  async classifyContainer(pod: RawPod, container: string): Promise<ContainerClassification | undefined> {
    return (await this.classifyPod(pod)).find((c) => c.container === container);
  }

  /** Classifies every container of a pod: init, app and ephemeral, in spec order. */
  async classifyPod(pod: RawPod): Promise<ContainerClassification[]> {
    const ns: string = pod.metadata?.namespace ?? 'default';
    const name: string = pod.metadata?.name ?? '';
    const containers = podContainers(pod);
    const podOs = podOsFromSpec(pod);
    const runtimeClass: string | undefined = pod.spec?.runtimeClassName;
    const base = (c: ContainerInfo) => ({
      context: this.backend.context,
      namespace: ns,
      pod: name,
      container: c.name,
      role: c.role,
      image: String(c.status?.image || c.spec.image || ''),
      imageID: (c.status?.imageID as string | undefined) || undefined,
    });

    // 1. facts from the spec and status
    const early = new Map<string, ContainerClassification>();
    for (const c of containers) {
      const b = base(c);
      if (podOs.os === 'windows' || windowsImageHint(b.image)) {
        early.set(c.name, windows(b, podOs.os === 'windows' ? podOs.source : `image ${b.image}`));
      } else if (runtimeClass && SANDBOX_RUNTIME.test(runtimeClass)) {
        early.set(c.name, {
          ...b,
          compatibility: 'Sandboxed',
          reason: `The pod runs in the sandboxed runtime class "${runtimeClass}": exec and /proc access are restricted by the sandbox, so the filesystem cannot be read reliably.`,
          missing: 'a container outside the sandboxed runtime (scan the image elsewhere)',
        });
      } else {
        const nr = notRunning(pod, c);
        if (nr) early.set(c.name, { ...b, compatibility: 'Not running', reason: nr, missing: 'a running container' });
      }
    }
    const pending = containers.filter((c) => !early.has(c.name));
    if (!pending.length) return containers.map((c) => early.get(c.name)!);

    // 2. the node's OS when the spec does not say
    if (!podOs.os && pod.spec?.nodeName) {
      const os = await this.nodeOs(pod.spec.nodeName);
      if (os === 'windows') {
        for (const c of pending) early.set(c.name, windows(base(c), `node ${pod.spec.nodeName} has kubernetes.io/os=windows`));
        return containers.map((c) => early.get(c.name)!);
      }
    }

    // 3. RBAC for exec (both verbs: the WebSocket upgrade is a GET; API servers ≥1.35 also check create)
    const [canGet, canCreate] = await Promise.all([
      this.canI({ namespace: ns, verb: 'get', resource: 'pods', subresource: 'exec', name }),
      this.canI({ namespace: ns, verb: 'create', resource: 'pods', subresource: 'exec', name }),
    ]);
    if (!canGet || !canCreate) {
      const verbs = [!canGet && 'get', !canCreate && 'create'].filter(Boolean).join(' and ');
      for (const c of pending) {
        const b = base(c);
        early.set(c.name, {
          ...b,
          compatibility: 'Forbidden',
          reason: `Your identity (context ${this.backend.context}) may not ${verbs} pods/exec for pod ${name} in namespace ${ns} (SelfSubjectAccessReview denied). Every scan approach runs commands through exec.${distrolessImageHint(b.image) ? ' The image name suggests a shell-less (distroless) image.' : ''}`,
          missing: `RBAC permission: pods/exec with verbs get and create in namespace ${ns}`,
        });
      }
      return containers.map((c) => early.get(c.name)!);
    }

    // 4. one probe per image key, in parallel
    const outcomes = new Map<string, ProbeOutcome>();
    await Promise.all(
      pending.map(async (c) => {
        outcomes.set(c.name, await this.probe(pod, c));
      }),
    );

    const results = new Map<string, ContainerClassification>(early);
    const distroless: ContainerInfo[] = [];
    for (const c of pending) {
      const b = base(c);
      const o = outcomes.get(c.name)!;
      switch (o.kind) {
        case 'ok':
          results.set(c.name, fromProbe(b, o.probe));
          break;
        case 'no-shell':
          distroless.push(c);
          break;
        case 'blocked':
          results.set(c.name, {
            ...b,
            compatibility: 'Sandboxed',
            reason: `Exec is refused by a security profile (AppArmor/seccomp/SELinux): ${o.message}`,
            missing: 'an exec exception in the container security profile',
          });
          break;
        case 'forbidden':
          results.set(c.name, {
            ...b,
            compatibility: 'Forbidden',
            reason: `The API server refused the exec although SelfSubjectAccessReview allowed it: ${o.message}`,
            missing: `RBAC or admission permission for pods/exec in namespace ${ns}`,
          });
          break;
        case 'not-running':
          results.set(c.name, { ...b, compatibility: 'Not running', reason: `The container is not running: ${o.message}`, missing: 'a running container' });
          break;
        case 'failed':
          results.set(c.name, {
            ...b,
            compatibility: distrolessImageHint(b.image) ? 'Distroless' : 'Standard',
            reason: `The probe failed (${o.message}); the word is a guess from the image name. Refresh to probe again.`,
            approach: distrolessImageHint(b.image) ? undefined : 'kubernetes-api',
            missing: 'a successful probe (refresh to retry)',
          });
          break;
      }
    }

    // 5. shell-less containers: a sidecar sharing the PID namespace, else a debug container
    if (distroless.length) {
      const sharePid = pod.spec?.shareProcessNamespace === true;
      const shellSibling = sharePid
        ? containers.find((s) => s.role === 'app' && results.get(s.name)?.probe?.shell && ['Standard', 'Alpine', 'Minimal'].includes(results.get(s.name)!.compatibility))
        : undefined;
      let canPatch: boolean | undefined;
      if (!shellSibling) canPatch = await this.canI({ namespace: ns, verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', name });
      for (const c of distroless) {
        const b = base(c);
        const o = outcomes.get(c.name) as { message: string };
        const why = `No shell in the container: exec of ${probeCommand()[0]} failed with "${shortenTail(o.message)}".`;
        const sidecar = shellSibling && shellSibling.name !== c.name ? shellSibling : undefined;
        if (sidecar) {
          results.set(c.name, {
            ...b,
            compatibility: 'Distroless',
            approach: 'sidecar',
            sidecar: sidecar.name,
            reason: `${why} The pod shares its process namespace, so the scan runs through sidecar "${sidecar.name}" (which has a shell) and reads this container's filesystem via /proc/<pid>/root.`,
          });
        } else if (canPatch) {
          results.set(c.name, {
            ...b,
            compatibility: 'Distroless',
            approach: 'debug-container',
            reason: `${why} The scan adds an ephemeral debug container with a static busybox that reads this container's filesystem via /proc/<pid>/root (this permanently adds an entry to the pod spec).`,
          });
        } else {
          results.set(c.name, {
            ...b,
            compatibility: 'Distroless',
            reason: `${why} No sibling sidecar with a shell shares the process namespace, and you may not add a debug container.`,
            missing: `RBAC permission: patch pods/ephemeralcontainers in namespace ${ns} (for a debug container)`,
          });
        }
      }
    }
    return containers.map((c) => results.get(c.name)!);
  }

  private canI(attrs: AccessAttributes): Promise<boolean> {
    // namespace-wide first: one answer for every pod of the namespace; per pod only when that is denied
    // (a Role may grant pods/exec with resourceNames)
    const wide = { ...attrs, name: undefined };
    return this.cachedAccess(wide).then((ok) => (ok || !attrs.name ? ok : this.cachedAccess(attrs)));
  }

  private cachedAccess(attrs: AccessAttributes): Promise<boolean> {
    const key = [attrs.namespace, attrs.group ?? '', attrs.resource, attrs.subresource ?? '', attrs.verb, attrs.name ?? ''].join('|');
    const hit = this.access.get(key);
    if (hit && this.now() - hit.at < ACCESS_TTL_MS) return hit.value;
    this.stats.accessReviews++;
    const value = this.backend.canI(attrs).catch((err) => {
      this.access.delete(key);
      if (err instanceof KubeError && err.kind === 'forbidden') return false; // may not even ask
      throw err;
    });
    this.access.set(key, { at: this.now(), value });
    return value;
  }

  private nodeOs(node: string): Promise<string | undefined> {
    let p = this.nodes.get(node);
    if (!p) {
      this.stats.nodeLookups++;
      p = this.backend.nodeOs(node).catch(() => undefined);
      this.nodes.set(node, p);
    }
    return p;
  }

  private probe(pod: RawPod, c: ContainerInfo): Promise<ProbeOutcome> {
    const image = String(c.status?.imageID || c.status?.image || c.spec.image || '');
    const key = `${image}#${securitySignature(pod, c)}`;
    let p = this.probes.get(key);
    if (!p) {
      p = this.runProbe(pod, c, image);
      this.probes.set(key, p);
      // only image facts are shared; pod-specific failures are asked again next time
      void p.then((o) => {
        if (!['ok', 'no-shell', 'blocked'].includes(o.kind)) this.probes.delete(key);
      });
    }
    return p;
  }

  private async runProbe(pod: RawPod, c: ContainerInfo, image: string): Promise<ProbeOutcome> {
    this.stats.probes++;
    this.stats.probedImages.add(image);
    let res: ExecResult;
    try {
      res = await this.backend.exec(pod.metadata.namespace, pod.metadata.name, c.name, probeCommand());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof KubeError) {
        if (err.kind === 'forbidden' || err.kind === 'unauthorized') return { kind: 'forbidden', message };
        if (err.kind === 'not-found' || err.kind === 'invalid') return { kind: 'not-running', message };
      }
      const k = interpretExecFailure(message);
      return { kind: k === 'other' ? 'failed' : k, message };
    }
    return outcomeOfProbe(res);
  }
}

/** Interprets a finished probe exec (pure; exported for tests). */
export function outcomeOfProbe(res: ExecResult): ProbeOutcome {
  const parsed = parseProbeOutput(res.stdout);
  if (res.end.kind === 'exit' && parsed) return { kind: 'ok', probe: parsed };
  const message = res.end.kind === 'exit' ? (res.stderr.trim() || `the probe exited with ${res.end.exitCode} and printed no report`) : res.end.message;
  if (res.end.kind === 'exit') {
    // the shell ran but the script did not: 126 = cannot execute, 127 = not found
    if (res.end.exitCode === 127) return { kind: 'no-shell', message };
    if (res.end.exitCode === 126) return { kind: 'blocked', message };
    const k = interpretExecFailure(message);
    return { kind: k === 'other' || k === 'no-shell' ? 'failed' : k, message };
  }
  if (res.end.kind === 'runtime-error') {
    const k = interpretExecFailure(`${res.end.message} ${res.stderr}`);
    return { kind: k === 'other' ? 'failed' : k, message: res.end.message };
  }
  // closed without status: the connection broke or the pod went away
  const k = interpretExecFailure(`${message} ${res.stderr}`);
  return { kind: k === 'other' || k === 'no-shell' ? 'failed' : k, message: [message, res.stderr.trim()].filter(Boolean).join(': ') };
}

/** Standard / Alpine / Minimal from a successful probe. */
export function fromProbe(b: Omit<ContainerClassification, 'compatibility' | 'reason'>, probe: ProbeResult): ContainerClassification {
  const os = probe.prettyName ?? (probe.osId ? `${probe.osId}${probe.osVersion ? ` ${probe.osVersion}` : ''}` : 'unknown OS (no os-release)');
  const lacking = missingTools(probe, ESSENTIAL_TOOLS);
  const otherMissing = missingTools(probe, PROBE_TOOLS).filter((t) => !lacking.includes(t));
  if (lacking.length) {
    return {
      ...b,
      probe,
      compatibility: 'Minimal',
      approach: 'kubernetes-api',
      reason: `${os}; shell ${probe.shell} works, but ${list(lacking)} ${lacking.length > 1 ? 'are' : 'is'} missing${otherMissing.length ? ` (also ${list(otherMissing)})` : ''}: controls that read files through the Kubernetes API approach will error.`,
      missing: `${list(lacking)} in the container; a debug container brings its own busybox`,
    };
  }
  const alpine = probe.osId === 'alpine';
  const extra = otherMissing.length ? ` Missing extras: ${list(otherMissing)}.` : '';
  return {
    ...b,
    probe,
    compatibility: alpine ? 'Alpine' : 'Standard',
    approach: 'kubernetes-api',
    reason: `${os}; shell ${probe.shell} and the tools the transport needs (${ESSENTIAL_TOOLS.join(', ')}) are present.${extra}`,
  };
}

function windows(b: Omit<ContainerClassification, 'compatibility' | 'reason'>, source: string): ContainerClassification {
  return {
    ...b,
    compatibility: 'Windows',
    reason: `Windows container (${source}). The k8s-container transports scan Linux containers only.`,
    missing: 'a Linux container (Windows containers are out of scope)',
  };
}

/** The containers of a pod, with their statuses: init, app, ephemeral, in spec order. */
export function podContainers(pod: RawPod): ContainerInfo[] {
  const statuses = (list: unknown) => new Map<string, Record<string, unknown>>(((list as Array<{ name: string }>) ?? []).map((s) => [s.name, s as Record<string, unknown>]));
  const init = statuses(pod.status?.initContainerStatuses);
  const app = statuses(pod.status?.containerStatuses);
  const eph = statuses(pod.status?.ephemeralContainerStatuses);
  const out: ContainerInfo[] = [];
  for (const c of pod.spec?.initContainers ?? []) out.push({ name: c.name, role: 'init', spec: c, status: init.get(c.name) });
  for (const c of pod.spec?.containers ?? []) out.push({ name: c.name, role: 'app', spec: c, status: app.get(c.name) });
  for (const c of pod.spec?.ephemeralContainers ?? []) out.push({ name: c.name, role: 'ephemeral', spec: c, status: eph.get(c.name) });
  return out;
}

/** The OS the pod asks for in its spec (spec.os.name, else the `kubernetes.io/os` node selector). */
export function podOsFromSpec(pod: RawPod): { os?: string; source: string } {
  const specOs: string | undefined = pod.spec?.os?.name;
  if (specOs) return { os: specOs.toLowerCase(), source: `spec.os.name=${specOs}` };
  const sel: string | undefined = pod.spec?.nodeSelector?.['kubernetes.io/os'] ?? pod.spec?.nodeSelector?.['beta.kubernetes.io/os'];
  if (sel) return { os: sel.toLowerCase(), source: `nodeSelector kubernetes.io/os=${sel}` };
  return { source: '' };
}

/** Why a container is not running, or undefined when it runs. */
export function notRunning(pod: RawPod, c: ContainerInfo): string | undefined {
  const phase: string | undefined = pod.status?.phase;
  if (pod.metadata?.deletionTimestamp) return 'The pod is being deleted.';
  const st = c.status?.state as Record<string, Record<string, unknown> | undefined> | undefined;
  if (st?.running) return undefined;
  if (st?.waiting) {
    const w = st.waiting;
    return `The container is waiting${w.reason ? ` (${String(w.reason)}${w.message ? `: ${shorten(String(w.message))}` : ''})` : ''}${c.status?.restartCount ? `, ${String(c.status.restartCount)} restarts` : ''}.`;
  }
  if (st?.terminated) {
    const t = st.terminated;
    const what = c.role === 'init' ? 'The init container finished' : 'The container terminated';
    return `${what} (${String(t.reason ?? 'Terminated')}, exit code ${String(t.exitCode ?? '?')}).`;
  }
  if (phase === 'Succeeded' || phase === 'Failed') return `The pod has ${phase.toLowerCase()}.`;
  if (!c.status) return phase === 'Pending' ? 'The pod is pending: the container has not been created yet.' : 'The container reports no status yet.';
  return 'The container reports no running state.';
}

/** The security settings that can change what exec does: part of the probe cache key. */
export function securitySignature(pod: RawPod, c: ContainerInfo): string {
  const a = pod.metadata?.annotations ?? {};
  const parts = [
    pod.spec?.runtimeClassName,
    pod.spec?.securityContext?.seccompProfile,
    pod.spec?.securityContext?.appArmorProfile,
    pod.spec?.securityContext?.seLinuxOptions,
    c.spec.securityContext?.seccompProfile,
    c.spec.securityContext?.appArmorProfile,
    c.spec.securityContext?.seLinuxOptions,
    a[`container.apparmor.security.beta.kubernetes.io/${c.name}`],
    a['seccomp.security.alpha.kubernetes.io/pod'],
  ];
  return parts.every((p) => p === undefined || p === null) ? '' : JSON.stringify(parts);
}

/** "Standard · Kubernetes API", "Distroless · debug container", "Forbidden · needs …" — the tree's short form. */
export function summarizeClassification(c: ContainerClassification): string {
  if (c.approach) return `${c.compatibility} · ${APPROACH_LABEL[c.approach]}${c.sidecar ? ` (${c.sidecar})` : ''}`;
  return c.compatibility;
}

export function isScannable(c: ContainerClassification): boolean {
  return c.approach !== undefined;
}

export const COMPATIBILITY_WORDS: readonly Compatibility[] = ['Standard', 'Alpine', 'Minimal', 'Distroless', 'Windows', 'Sandboxed', 'Not running', 'Forbidden'];
export type { ApproachKind };

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Keeps the end of a long runtime error, where containerd/runc put the cause. */
function shortenTail(s: string, max = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `…${one.slice(one.length - max + 1)}` : one;
}

function shorten(s: string, max = 200): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
