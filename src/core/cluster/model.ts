/**
 * The explorer's data model, vscode-free: namespaces (filter + favourites), workloads grouped by kind through
 * ownerReferences (Deployment → ReplicaSet → Pod, CronJob → Job → Pod, StatefulSet/DaemonSet/Job → Pod, standalone
 * pods), pods and their containers (init, app, ephemeral). Fetched lazily per namespace, cached until invalidated,
 * kept small: pods are reduced to the fields the tree and the classifier use.
 */
import type { ClusterClient, RawObject, RawPod, WatchHandle } from './client';
import { KubeError } from './errors';
import { collectionPath } from './kinds';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'ReplicaSet' | 'Pod';

/** Order of the kind groups under a namespace; `Pod` = standalone pods. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'ReplicaSet', 'Pod'];

export const WORKLOAD_GROUP_LABEL: Record<WorkloadKind, string> = {
  Deployment: 'Deployments',
  StatefulSet: 'StatefulSets',
  DaemonSet: 'DaemonSets',
  CronJob: 'CronJobs',
  Job: 'Jobs',
  ReplicaSet: 'ReplicaSets',
  Pod: 'Pods',
};

export interface ContainerSummary {
  readonly name: string;
  readonly role: 'app' | 'init' | 'ephemeral';
  readonly image: string;
  /** running | waiting | terminated | unknown */
  readonly state: string;
  /** waiting/terminated reason, e.g. CrashLoopBackOff, Completed. */
  readonly stateReason?: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** Ephemeral containers: the container whose processes it shares (`targetContainerName`). */
  readonly target?: string;
}

export interface PodSummary {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly phase: string;
  /** Ready app containers / app containers. */
  readonly ready: number;
  readonly total: number;
  readonly restarts: number;
  readonly node?: string;
  /** The workload the pod belongs to, after following ReplicaSet → Deployment and Job → CronJob. */
  workload: { kind: WorkloadKind; name: string };
  readonly containers: ContainerSummary[];
  /** A reduced pod object (metadata, the spec and status fields classification uses). */
  readonly pod: RawPod;
}

export interface Workload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  /** e.g. "3/3 ready", or a CronJob's schedule and active jobs. */
  readonly status: string;
  readonly pods: PodSummary[];
}

export interface WorkloadGroup {
  readonly kind: WorkloadKind;
  readonly workloads: Workload[];
}

export interface NamespaceContents {
  readonly namespace: string;
  readonly pods: PodSummary[];
  readonly groups: WorkloadGroup[];
  /** Workload kinds that could not be listed (403 …); their pods are grouped from ownerReferences alone. */
  readonly warnings: string[];
  readonly resourceVersion?: string;
}

export interface NamespaceListing {
  readonly names: string[];
  /** Set when namespaces could not be listed and the context's namespace is shown instead. */
  readonly fallback?: { readonly namespace: string; readonly reason: string };
  /** resourceVersion of the list, to watch from. */
  readonly resourceVersion?: string;
}

export interface NamespacePrefs {
  /** Comma/space separated patterns: plain words match as substrings, `*` and `?` are globs. Empty: all. */
  readonly filter?: string;
  readonly favourites?: readonly string[];
}

export interface NamespaceEntry {
  readonly name: string;
  readonly favourite: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// pure helpers

export function namespaceMatcher(filter: string | undefined): (ns: string) => boolean {
  const pats = (filter ?? '')
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (!pats.length) return () => true;
  const include = pats.filter((p) => !p.startsWith('!'));
  const exclude = pats.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const test = (p: string, ns: string) => {
    if (!/[*?]/.test(p)) return ns.includes(p);
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return re.test(ns);
  };
  return (ns) => (!include.length || include.some((p) => test(p, ns))) && !exclude.some((p) => test(p, ns));
}

/** Favourites first (in the order given), then the namespaces that pass the filter, sorted. */
export function arrangeNamespaces(all: readonly string[], prefs: NamespacePrefs): NamespaceEntry[] {
  const favs = (prefs.favourites ?? []).filter((f) => all.includes(f));
  const fav = new Set(favs);
  const match = namespaceMatcher(prefs.filter);
  const rest = all.filter((n) => !fav.has(n) && match(n)).sort();
  return [...favs.map((name) => ({ name, favourite: true })), ...rest.map((name) => ({ name, favourite: false }))];
}

interface OwnerRef {
  kind: string;
  name: string;
}

function controllerOf(obj: RawObject | undefined): OwnerRef | undefined {
  const refs: Array<{ kind: string; name: string; controller?: boolean }> = obj?.metadata?.ownerReferences ?? [];
  const r = refs.find((x) => x.controller) ?? refs[0];
  return r ? { kind: r.kind, name: r.name } : undefined;
}

function pick<T extends RawObject>(o: T | undefined, keys: string[]): RawObject | undefined {
  if (!o) return undefined;
  const out: RawObject = {};
  let any = false;
  for (const k of keys) {
    if (o[k] !== undefined) {
      out[k] = o[k];
      any = true;
    }
  }
  return any ? out : undefined;
}

const SEC_KEYS = ['seccompProfile', 'appArmorProfile', 'seLinuxOptions', 'privileged', 'readOnlyRootFilesystem', 'runAsNonRoot'];

function slimContainer(c: RawObject): RawObject {
  const out: RawObject = { name: c.name, image: c.image };
  const sc = pick(c.securityContext, SEC_KEYS);
  if (sc) out.securityContext = sc;
  if (c.targetContainerName) out.targetContainerName = c.targetContainerName;
  return out;
}

function slimStatus(s: RawObject): RawObject {
  return { name: s.name, ready: s.ready, restartCount: s.restartCount, state: s.state, image: s.image, imageID: s.imageID, started: s.started };
}

/** Reduces a pod to what the tree and the classifier use (about a tenth of a full pod object). */
export function slimPod(p: RawPod): RawPod {
  const m = p.metadata ?? {};
  const s = p.spec ?? {};
  const st = p.status ?? {};
  const ann = m.annotations ?? {};
  const keptAnn: Record<string, string> = {};
  for (const k of Object.keys(ann)) if (k.startsWith('container.apparmor.security') || k.startsWith('seccomp.security')) keptAnn[k] = ann[k];
  const meta: RawObject = { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  if (m.deletionTimestamp) meta.deletionTimestamp = m.deletionTimestamp;
  if (m.ownerReferences) meta.ownerReferences = m.ownerReferences.map((r: RawObject) => ({ kind: r.kind, name: r.name, controller: r.controller }));
  const kept = ['pod-template-hash', 'controller-revision-hash'].filter((k) => m.labels?.[k]);
  if (kept.length) meta.labels = Object.fromEntries(kept.map((k) => [k, m.labels[k]]));
  if (Object.keys(keptAnn).length) meta.annotations = keptAnn;
  const spec: RawObject = { containers: (s.containers ?? []).map(slimContainer) };
  if (s.initContainers?.length) spec.initContainers = s.initContainers.map(slimContainer);
  if (s.ephemeralContainers?.length) spec.ephemeralContainers = s.ephemeralContainers.map(slimContainer);
  for (const k of ['nodeName', 'runtimeClassName', 'shareProcessNamespace', 'os']) if (s[k] !== undefined) spec[k] = s[k];
  const os = s.nodeSelector?.['kubernetes.io/os'] ?? s.nodeSelector?.['beta.kubernetes.io/os'];
  if (os) spec.nodeSelector = { 'kubernetes.io/os': os };
  const psc = pick(s.securityContext, ['seccompProfile', 'appArmorProfile', 'seLinuxOptions']);
  if (psc) spec.securityContext = psc;
  const status: RawObject = { phase: st.phase };
  if (st.reason) status.reason = st.reason;
  if (st.containerStatuses) status.containerStatuses = st.containerStatuses.map(slimStatus);
  if (st.initContainerStatuses) status.initContainerStatuses = st.initContainerStatuses.map(slimStatus);
  if (st.ephemeralContainerStatuses) status.ephemeralContainerStatuses = st.ephemeralContainerStatuses.map(slimStatus);
  return { metadata: meta, spec, status };
}

function containerSummaries(p: RawPod): ContainerSummary[] {
  const byName = (l: RawObject[] | undefined) => new Map<string, RawObject>((l ?? []).map((x) => [x.name, x]));
  const stInit = byName(p.status?.initContainerStatuses);
  const stApp = byName(p.status?.containerStatuses);
  const stEph = byName(p.status?.ephemeralContainerStatuses);
  const one = (c: RawObject, role: ContainerSummary['role'], s: RawObject | undefined): ContainerSummary => {
    const state = s?.state ?? {};
    const key = state.running ? 'running' : state.waiting ? 'waiting' : state.terminated ? 'terminated' : 'unknown';
    return {
      name: c.name,
      role,
      image: String(s?.image || c.image || ''),
      state: key,
      stateReason: state.waiting?.reason ?? state.terminated?.reason,
      ready: s?.ready === true,
      restarts: Number(s?.restartCount ?? 0),
      ...(role === 'ephemeral' && typeof c.targetContainerName === 'string' ? { target: c.targetContainerName } : {}),
    };
  };
  return [
    ...(p.spec?.initContainers ?? []).map((c: RawObject) => one(c, 'init', stInit.get(c.name))),
    ...(p.spec?.containers ?? []).map((c: RawObject) => one(c, 'app', stApp.get(c.name))),
    ...(p.spec?.ephemeralContainers ?? []).map((c: RawObject) => one(c, 'ephemeral', stEph.get(c.name))),
  ];
}

/** Builds the pod summary from a pod (full or slim) object. The workload is the pod's direct controller until `groupWorkloads` resolves it. */
export function summarizePod(raw: RawPod): PodSummary {
  const pod = slimPod(raw);
  const containers = containerSummaries(pod);
  const app = containers.filter((c) => c.role === 'app');
  const owner = controllerOf(pod);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    uid: pod.metadata.uid ?? '',
    phase: pod.metadata.deletionTimestamp ? 'Terminating' : podPhase(pod),
    ready: app.filter((c) => c.ready).length,
    total: app.length,
    restarts: app.reduce((n, c) => n + c.restarts, 0),
    node: pod.spec.nodeName,
    workload: owner && isWorkloadKind(owner.kind) ? { kind: owner.kind, name: owner.name } : { kind: 'Pod', name: pod.metadata.name },
    containers,
    pod,
  };
}

function isWorkloadKind(k: string): k is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(k);
}

/** kubectl-like status: a waiting/terminated reason of an app container wins over the phase (CrashLoopBackOff). */
function podPhase(pod: RawPod): string {
  for (const s of pod.status?.containerStatuses ?? []) {
    const w = s.state?.waiting?.reason;
    if (w && w !== 'ContainerCreating') return w;
  }
  return pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
}

export interface WorkloadLists {
  deployments?: RawObject[];
  replicaSets?: RawObject[];
  statefulSets?: RawObject[];
  daemonSets?: RawObject[];
  jobs?: RawObject[];
  cronJobs?: RawObject[];
}

function workloadStatus(kind: WorkloadKind, o: RawObject | undefined, pods: PodSummary[]): string {
  const readyPods = pods.filter((p) => p.total > 0 && p.ready === p.total).length;
  if (!o) return kind === 'Pod' ? '' : `${readyPods}/${pods.length} ready`;
  const s = o.status ?? {};
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return `${s.readyReplicas ?? readyPods}/${o.spec?.replicas ?? pods.length} ready`;
    case 'DaemonSet':
      return `${s.numberReady ?? readyPods}/${s.desiredNumberScheduled ?? pods.length} ready`;
    case 'Job': {
      const done = s.succeeded ?? 0;
      const want = o.spec?.completions ?? 1;
      return `${done}/${want} complete${s.active ? ` · ${s.active} active` : ''}`;
    }
    case 'CronJob':
      return `${o.spec?.schedule ?? ''}${o.spec?.suspend ? ' · suspended' : ''} · ${(s.active ?? []).length} active`;
    default:
      return '';
  }
}

/**
 * Groups pods by workload: Deployment → ReplicaSet → Pod and CronJob → Job → Pod via ownerReferences (when the
 * ReplicaSet/Job lists are missing, by the `pod-template-hash` label and the CronJob job-name pattern).
 * Workloads without pods are listed too. Pure: mutates only the pods' `workload` field.
 */
export function groupWorkloads(namespace: string, pods: PodSummary[], lists: WorkloadLists): WorkloadGroup[] {
  const rsOwner = new Map<string, OwnerRef | undefined>((lists.replicaSets ?? []).map((r) => [r.metadata.name, controllerOf(r)]));
  const jobOwner = new Map<string, OwnerRef | undefined>((lists.jobs ?? []).map((j) => [j.metadata.name, controllerOf(j)]));
  const deployments = new Set((lists.deployments ?? []).map((d) => d.metadata.name as string));
  const cronJobs = new Set((lists.cronJobs ?? []).map((c) => c.metadata.name as string));

  for (const p of pods) {
    const w = p.workload;
    if (w.kind === 'ReplicaSet') {
      const owner = rsOwner.get(w.name);
      if (owner?.kind === 'Deployment') p.workload = { kind: 'Deployment', name: owner.name };
      else if (!rsOwner.has(w.name)) {
        const hash = p.pod.metadata?.labels?.['pod-template-hash'];
        const guess = hash && w.name.endsWith(`-${hash}`) ? w.name.slice(0, -hash.length - 1) : undefined;
        if (guess && (deployments.has(guess) || !lists.deployments)) p.workload = { kind: 'Deployment', name: guess };
      }
    } else if (w.kind === 'Job') {
      const owner = jobOwner.get(w.name);
      if (owner?.kind === 'CronJob') p.workload = { kind: 'CronJob', name: owner.name };
      else if (!jobOwner.has(w.name)) {
        const m = /^(.*)-\d+$/.exec(w.name);
        if (m && cronJobs.has(m[1])) p.workload = { kind: 'CronJob', name: m[1] };
      }
    }
  }

  const byKey = new Map<string, { kind: WorkloadKind; name: string; obj?: RawObject; pods: PodSummary[] }>();
  const add = (kind: WorkloadKind, name: string, obj?: RawObject) => {
    const k = `${kind}/${name}`;
    let e = byKey.get(k);
    if (!e) byKey.set(k, (e = { kind, name, obj, pods: [] }));
    else if (obj) e.obj = obj;
    return e;
  };
  for (const d of lists.deployments ?? []) add('Deployment', d.metadata.name, d);
  for (const s of lists.statefulSets ?? []) add('StatefulSet', s.metadata.name, s);
  for (const d of lists.daemonSets ?? []) add('DaemonSet', d.metadata.name, d);
  for (const c of lists.cronJobs ?? []) add('CronJob', c.metadata.name, c);
  // Jobs owned by a CronJob show under the CronJob, not again under Jobs
  for (const j of lists.jobs ?? []) if (controllerOf(j)?.kind !== 'CronJob') add('Job', j.metadata.name, j);
  const rsObj = new Map((lists.replicaSets ?? []).map((r) => [r.metadata.name as string, r]));
  for (const p of pods) {
    if (p.workload.kind === 'Pod') continue;
    add(p.workload.kind, p.workload.name, p.workload.kind === 'ReplicaSet' ? rsObj.get(p.workload.name) : undefined).pods.push(p);
  }

  const groups: WorkloadGroup[] = [];
  for (const kind of WORKLOAD_KINDS) {
    if (kind === 'Pod') {
      const standalone = pods.filter((p) => p.workload.kind === 'Pod').sort((a, b) => a.name.localeCompare(b.name));
      if (standalone.length) groups.push({ kind, workloads: standalone.map((p) => ({ kind, name: p.name, namespace, status: '', pods: [p] })) });
      continue;
    }
    const ws = [...byKey.values()]
      .filter((e) => e.kind === kind)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => ({ kind, name: e.name, namespace, status: workloadStatus(kind, e.obj, e.pods), pods: e.pods.sort((a, b) => a.name.localeCompare(b.name)) }));
    if (ws.length) groups.push({ kind, workloads: ws });
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------------------------
// the model over a client

/** The workload lists of a namespace, in request order; paths from the kind table. */
export const WORKLOAD_LISTS: Array<[keyof WorkloadLists, Exclude<WorkloadKind, 'Pod'>]> = [
  ['deployments', 'Deployment'],
  ['replicaSets', 'ReplicaSet'],
  ['statefulSets', 'StatefulSet'],
  ['daemonSets', 'DaemonSet'],
  ['jobs', 'Job'],
  ['cronJobs', 'CronJob'],
];

export interface ModelOptions {
  /** Page size of lists. Default 500 (kubectl's). */
  readonly pageSize?: number;
}

/** One context's model: lazily fetched, cached per namespace until invalidated. */
export class ClusterModel {
  private namespacesCache: Promise<NamespaceListing> | undefined;
  private readonly contents = new Map<string, Promise<NamespaceContents>>();

  constructor(
    readonly client: ClusterClient,
    private readonly options: ModelOptions = {},
  ) {}

  get context(): string {
    return this.client.contextName;
  }

  /** Every namespace name (paged); on 403 falls back to the context's namespace and says so. */
  namespaces(): Promise<NamespaceListing> {
    if (!this.namespacesCache) {
      this.namespacesCache = this.fetchNamespaces();
      this.namespacesCache.catch(() => (this.namespacesCache = undefined));
    }
    return this.namespacesCache;
  }

  private async fetchNamespaces(): Promise<NamespaceListing> {
    try {
      const names: string[] = [];
      let resourceVersion: string | undefined;
      for await (const page of this.client.listPages<RawObject>(collectionPath('Namespace'), { limit: this.options.pageSize })) {
        for (const n of page.items) names.push(n.metadata.name);
        resourceVersion = page.resourceVersion;
      }
      return { names: names.sort(), resourceVersion };
    } catch (err) {
      if (err instanceof KubeError && err.kind === 'forbidden') {
        const ns = this.client.namespace;
        return { names: [ns], fallback: { namespace: ns, reason: `You may not list namespaces (403), so only the context's namespace "${ns}" is shown.` } };
      }
      throw err;
    }
  }

  /** Pods and workloads of a namespace (cached). */
  namespace(ns: string): Promise<NamespaceContents> {
    let p = this.contents.get(ns);
    if (!p) {
      p = this.fetchNamespace(ns);
      this.contents.set(ns, p);
      p.catch(() => this.contents.delete(ns));
    }
    return p;
  }

  /** The cached contents, if loaded. */
  peek(ns: string): Promise<NamespaceContents> | undefined {
    return this.contents.get(ns);
  }

  private async fetchNamespace(ns: string): Promise<NamespaceContents> {
    const warnings: string[] = [];
    const lists: WorkloadLists = {};
    const [podsRes] = await Promise.all([
      this.listPods(collectionPath('Pod', ns)),
      ...WORKLOAD_LISTS.map(async ([key, kind]) => {
        try {
          lists[key] = (await this.client.list<RawObject>(collectionPath(kind, ns), { limit: this.options.pageSize })).items;
        } catch (err) {
          if (err instanceof KubeError && (err.kind === 'forbidden' || err.kind === 'not-found')) warnings.push(`${WORKLOAD_GROUP_LABEL[kind]} could not be listed (${err.kind}); their pods are grouped from ownerReferences.`);
          else throw err;
        }
      }),
    ]);
    const groups = groupWorkloads(ns, podsRes.pods, lists);
    return { namespace: ns, pods: podsRes.pods, groups, warnings, resourceVersion: podsRes.resourceVersion };
  }

  private async listPods(path: string): Promise<{ pods: PodSummary[]; resourceVersion?: string }> {
    const pods: PodSummary[] = [];
    let resourceVersion: string | undefined;
    for await (const page of this.client.listPages<RawPod>(path, { limit: this.options.pageSize })) {
      for (const p of page.items) pods.push(summarizePod(p));
      resourceVersion = page.resourceVersion;
    }
    return { pods, resourceVersion };
  }

  /** Every namespace and every pod of the cluster: one paged cluster-wide pod list (for "scan all" and the benchmark). */
  async loadAll(): Promise<{ namespaces: NamespaceListing; podsByNamespace: Map<string, PodSummary[]>; podCount: number }> {
    const [namespaces, all] = await Promise.all([this.namespaces(), this.listPods(collectionPath('Pod'))]);
    const podsByNamespace = new Map<string, PodSummary[]>();
    for (const p of all.pods) {
      let l = podsByNamespace.get(p.namespace);
      if (!l) podsByNamespace.set(p.namespace, (l = []));
      l.push(p);
    }
    return { namespaces, podsByNamespace, podCount: all.pods.length };
  }

  /** Forgets cached data: one namespace, or everything. */
  invalidate(ns?: string): void {
    if (ns === undefined) {
      this.namespacesCache = undefined;
      this.contents.clear();
    } else this.contents.delete(ns);
  }

  /**
   * Watches the pods of a namespace: any change invalidates the cached contents and calls `onChange`
   * (debounce in the caller). Reconnects by itself; `onStop` on a permanent failure.
   */
  watchNamespace(ns: string, resourceVersion: string | undefined, onChange: () => void, onStop?: (err: KubeError) => void): WatchHandle {
    const changed = () => {
      this.contents.delete(ns);
      onChange();
    };
    return this.client.watch(collectionPath('Pod', ns), (type) => type !== 'BOOKMARK' && changed(), {
      resourceVersion,
      onResync: changed,
      onReconnect: () => changed(),
      onStop,
    });
  }

  /** Watches namespaces (added/removed). */
  watchNamespaces(resourceVersion: string | undefined, onChange: () => void, onStop?: (err: KubeError) => void): WatchHandle {
    const changed = () => {
      this.namespacesCache = undefined;
      onChange();
    };
    return this.client.watch(collectionPath('Namespace'), (type) => (type === 'ADDED' || type === 'DELETED') && changed(), { resourceVersion, onResync: changed, onStop });
  }
}

/** Coalesces bursts of calls into one call after `ms` of quiet (and at most every `maxMs`). */
export class Debouncer {
  private timer: NodeJS.Timeout | undefined;
  private first = 0;
  constructor(
    private readonly fn: () => void,
    private readonly ms = 300,
    private readonly maxMs = 2000,
  ) {}
  trigger(): void {
    const now = Date.now();
    if (!this.timer) this.first = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.ms, this.first + this.maxMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, wait);
  }
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
