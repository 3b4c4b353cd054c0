/**
 * Target expansion: a selection (a namespace, a workload, explicit containers, a label selector, every namespace) →
 * every container it covers, each either scannable (with its approach) or not (with the classifier's reason).
 * Nothing is dropped silently: a container that cannot be scanned, a pod that is gone, Kube Compliance's own helpers —
 * each is a target with `approach` undefined and a `reason`. The running image is `containerStatuses[].imageID`
 * (the digest the node actually runs), never the tag.
 */
import type { Classifier } from '../cluster/classify';
import type { RawPod } from '../cluster/client';
import { KubeError } from '../cluster/errors';
import { collectionPath } from '../cluster/kinds';
import { WORKLOAD_LISTS, groupWorkloads, summarizePod, type ClusterModel, type PodSummary, type WorkloadKind, type WorkloadLists } from '../cluster/model';
import type { ApproachKind, Compatibility, ContainerClassification, ContainerRef } from '../cluster/types';
import { helperIndex } from '../scan/debugContainer';
import { SIDECAR_NAME } from '../scan/shelllessPreflight';
import { podTemplateHashOf } from '../history/indexFormat';
import { formatSelector, parseSelector } from './selector';

export type FleetSelection =
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'workload'; readonly namespace: string; readonly workload: { readonly kind: WorkloadKind; readonly name: string } }
  /** Explicit picks (multi-select): a container, or every container of a pod when `container` is absent. */
  | { readonly kind: 'containers'; readonly containers: ReadonlyArray<{ readonly namespace: string; readonly pod: string; readonly container?: string }> }
  /** kubectl's `-l`; in one namespace, or in every namespace when `namespace` is absent. */
  | { readonly kind: 'selector'; readonly selector: string; readonly namespace?: string }
  | { readonly kind: 'all-namespaces' };

export interface FleetTarget extends ContainerRef {
  readonly workload: { readonly kind: WorkloadKind; readonly name: string };
  readonly role: 'app' | 'init' | 'ephemeral';
  readonly image: string;
  /** The running image digest (`sha256:…`) from `containerStatuses[].imageID`; absent when the status has none. */
  readonly imageDigest?: string;
  /** The pod's template hash label (`podTemplateHashOf`), when it has one. */
  readonly podTemplateHash?: string;
  readonly compatibility?: Compatibility;
  /** Set when the container can be scanned. */
  readonly approach?: ApproachKind;
  /** The classifier's explanation; for an unscannable target, why it cannot be scanned (and what is missing). */
  readonly reason: string;
  /** The full classification (sidecar name, probe findings), when the container was classified. */
  readonly classification?: ContainerClassification;
}

export interface Expansion {
  readonly context: string;
  /** Every container of the selection, scannable or not: by namespace, pod, then the pod's container order. */
  readonly targets: readonly FleetTarget[];
  /** What the user should know about the selection as a whole (it matched nothing, a list was refused, …). */
  readonly notes: readonly string[];
}

export class FleetSelectionError extends Error {
  override readonly name = 'FleetSelectionError';
}

/** What expansion needs from a cluster; `clusterSource` builds it from the explorer's model and classifier. Tests fake it. */
export interface FleetSource {
  readonly context: string;
  /** A namespace's pods with their workloads (the model's cache). */
  namespacePods(namespace: string): Promise<readonly PodSummary[]>;
  /** Pods in one namespace or all, optionally filtered by the API server (`labelSelector`), workloads resolved. */
  listPods(scope: { readonly namespace?: string; readonly labelSelector?: string }): Promise<{ readonly pods: readonly PodSummary[]; readonly notes: readonly string[] }>;
  classifyPod(pod: RawPod): Promise<readonly ContainerClassification[]>;
}

export const isScannableTarget = (t: FleetTarget): boolean => t.approach !== undefined;

/** `sha256:<hex>` from an imageID (`docker-pullable://repo@sha256:…`, `repo@sha256:…`, `sha256:…`); other forms as they are. */
export function runningDigest(imageID: string | undefined): string | undefined {
  const id = imageID?.trim();
  if (!id) return undefined;
  const m = /(?:^|@|\/\/)([a-z0-9]+:[0-9a-f]{32,})$/i.exec(id);
  return m ? m[1].toLowerCase() : id;
}

/** Expands a selection into fleet targets (see the module comment). Throws `FleetSelectionError` for an unusable selection. */
export async function expandSelection(source: FleetSource, selection: FleetSelection, options: { readonly classifyConcurrency?: number } = {}): Promise<Expansion> {
  const notes: string[] = [];
  let pods: readonly PodSummary[];
  const picks = new Map<string, Set<string> | 'all'>(); // pod key → chosen containers
  const missing: FleetTarget[] = [];
  switch (selection.kind) {
    case 'namespace':
      pods = await source.namespacePods(selection.namespace);
      if (!pods.length) notes.push(`Namespace ${selection.namespace} has no pods (or does not exist).`);
      break;
    case 'workload': {
      const w = selection.workload;
      pods = (await source.namespacePods(selection.namespace)).filter((p) => p.workload.kind === w.kind && p.workload.name === w.name);
      if (!pods.length) notes.push(`${w.kind} ${w.name} in namespace ${selection.namespace} has no pods.`);
      break;
    }
    case 'selector':
    case 'all-namespaces': {
      let labelSelector: string | undefined;
      if (selection.kind === 'selector') {
        const reqs = parseSelectorOrThrow(selection.selector);
        if (!reqs.length) throw new FleetSelectionError('The label selector is empty: give at least one requirement such as app=web.');
        labelSelector = formatSelector(reqs);
      }
      const namespace = selection.kind === 'selector' ? selection.namespace : undefined;
      const listed = await listOrExplain(source, namespace, labelSelector);
      pods = listed.pods;
      notes.push(...listed.notes);
      if (!pods.length) notes.push(labelSelector ? `The label selector "${labelSelector}" matched no pod ${namespace ? `in namespace ${namespace}` : 'in any namespace'}.` : 'The cluster has no pods.');
      break;
    }
    case 'containers': {
      const byNs = new Map<string, Array<{ pod: string; container?: string }>>();
      for (const c of selection.containers) byNs.set(c.namespace, [...(byNs.get(c.namespace) ?? []), c]);
      const chosen: PodSummary[] = [];
      const reported = new Set<string>();
      const gone = (t: FleetTarget) => {
        const k = `${t.namespace}/${t.pod}/${t.container}`;
        if (!reported.has(k)) missing.push(t);
        reported.add(k);
      };
      for (const [ns, wanted] of byNs) {
        const inNs = new Map((await source.namespacePods(ns)).map((p) => [p.name, p]));
        for (const w of wanted) {
          const pod = inNs.get(w.pod);
          if (!pod) {
            gone(goneTarget(source.context, ns, w.pod, w.container ?? '*', `Pod ${w.pod} was not found in namespace ${ns}: it was deleted or replaced since it was selected (refresh the explorer).`));
            continue;
          }
          const key = `${ns}/${w.pod}`;
          const prev = picks.get(key);
          if (!prev) chosen.push(pod);
          picks.set(key, !w.container || prev === 'all' ? 'all' : new Set([...(prev ?? []), w.container]));
          if (w.container && !pod.containers.some((c) => c.name === w.container)) {
            gone(goneTarget(source.context, ns, w.pod, w.container, `Pod ${w.pod} has no container ${w.container} (the pod may have been replaced by one with a different spec).`, pod.workload));
          }
        }
      }
      pods = chosen;
      break;
    }
  }
  const classified = await mapBounded(pods, options.classifyConcurrency ?? 8, (p) => targetsOfPod(source, p));
  const targets: FleetTarget[] = [];
  for (let i = 0; i < pods.length; i++) {
    const pick = picks.get(`${pods[i].namespace}/${pods[i].name}`);
    targets.push(...classified[i].filter((t) => !pick || pick === 'all' || pick.has(t.container)));
  }
  targets.push(...missing);
  targets.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
  return { context: source.context, targets, notes };
}

/** Marks scannable targets whose approach is one of `kinds` as not scannable, e.g. "skip shell-less" (debug container, sidecar). */
export function skipApproaches(targets: readonly FleetTarget[], kinds: readonly ApproachKind[], reason: string): FleetTarget[] {
  return targets.map((t) => (t.approach && kinds.includes(t.approach) ? { ...t, approach: undefined, reason: `${reason} (${t.reason})` } : t));
}

function parseSelectorOrThrow(text: string) {
  try {
    return parseSelector(text);
  } catch (e) {
    throw new FleetSelectionError(`Invalid label selector ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function listOrExplain(source: FleetSource, namespace: string | undefined, labelSelector: string | undefined) {
  try {
    return await source.listPods({ namespace, labelSelector });
  } catch (e) {
    if (e instanceof KubeError && e.kind === 'forbidden') {
      throw new FleetSelectionError(`You may not list pods ${namespace ? `in namespace ${namespace}` : 'in all namespaces (cluster-wide list)'}: ${e.message}${namespace ? '' : ' Choose a namespace instead.'}`);
    }
    throw e;
  }
}

async function targetsOfPod(source: FleetSource, pod: PodSummary): Promise<FleetTarget[]> {
  let classes: readonly ContainerClassification[] | undefined;
  let failure: string | undefined;
  try {
    classes = await source.classifyPod(pod.pod);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  const byName = new Map((classes ?? []).map((c) => [c.container, c]));
  return pod.containers.map((c): FleetTarget => {
    const cl = byName.get(c.name);
    const base = {
      context: source.context,
      namespace: pod.namespace,
      pod: pod.name,
      container: c.name,
      workload: { ...pod.workload },
      role: c.role,
      image: cl?.image || c.image,
      imageDigest: runningDigest(cl?.imageID ?? statusImageID(pod.pod, c.name)),
      podTemplateHash: podTemplateHashOf(pod.pod.metadata?.labels),
    };
    if (c.role === 'ephemeral' && helperIndex(c.name) !== undefined) {
      return { ...base, compatibility: cl?.compatibility, reason: `Kube Compliance's own scan helper${c.target ? ` for ${c.target}` : ''}: it is how shell-less containers are read, not a target of its own.` };
    }
    if (c.name === SIDECAR_NAME) {
      return { ...base, compatibility: cl?.compatibility, reason: `Kube Compliance's scanner sidecar: it scans its sibling containers, not a target of its own.` };
    }
    if (!cl) return { ...base, reason: failure ? `The container could not be classified: ${failure}` : 'The classifier returned nothing for this container.' };
    const reason = cl.approach ? cl.reason : `${cl.reason}${cl.missing ? ` Needs: ${cl.missing}.` : ''}`;
    return { ...base, compatibility: cl.compatibility, approach: cl.approach, reason, classification: cl };
  });
}

function statusImageID(pod: RawPod, container: string): string | undefined {
  const st = pod.status ?? {};
  for (const list of [st.containerStatuses, st.initContainerStatuses, st.ephemeralContainerStatuses]) {
    const s = (list ?? []).find((x: { name?: string }) => x.name === container);
    if (s?.imageID) return String(s.imageID);
  }
  return undefined;
}

function goneTarget(context: string, namespace: string, pod: string, container: string, reason: string, workload?: FleetTarget['workload']): FleetTarget {
  return { context, namespace, pod, container, workload: workload ?? { kind: 'Pod', name: pod }, role: 'app', image: '', reason };
}

/** Maps with at most `limit` calls in flight, keeping the order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * The `FleetSource` of one context: namespaces come from the explorer's model (cached, workloads grouped); selector
 * and all-namespace lists are one pod list (server-side `labelSelector`) plus the six workload lists in the same
 * scope, so a cluster-wide selection costs seven paged lists, not seven per namespace.
 */
export function clusterSource(model: ClusterModel, classifier: Classifier): FleetSource {
  const client = model.client;
  return {
    context: model.context,
    namespacePods: async (ns) => (await model.namespace(ns)).pods,
    classifyPod: (pod) => classifier.classifyPod(pod),
    listPods: async ({ namespace, labelSelector }) => {
      const notes: string[] = [];
      const pods: PodSummary[] = [];
      for await (const page of client.listPages<RawPod>(collectionPath('Pod', namespace), { query: labelSelector ? { labelSelector } : undefined })) {
        for (const p of page.items) pods.push(summarizePod(p));
      }
      const lists = new Map<string, WorkloadLists>();
      const failed = new Set<keyof WorkloadLists>();
      await Promise.all(
        WORKLOAD_LISTS.map(async ([key, kind]) => {
          try {
            for (const o of (await client.list<RawPod>(collectionPath(kind, namespace))).items) {
              const ns = String(o.metadata?.namespace ?? '');
              const l = lists.get(ns) ?? {};
              lists.set(ns, l);
              (l[key] ??= []).push(o);
            }
          } catch (err) {
            if (!(err instanceof KubeError && (err.kind === 'forbidden' || err.kind === 'not-found'))) throw err;
            failed.add(key);
            notes.push(`${kind} objects could not be listed (${err.kind}); pods are grouped from their ownerReferences.`);
          }
        }),
      );
      const byNs = new Map<string, PodSummary[]>();
      for (const p of pods) {
        const l = byNs.get(p.namespace) ?? [];
        byNs.set(p.namespace, l);
        l.push(p);
      }
      for (const [ns, nsPods] of byNs) {
        const have = lists.get(ns) ?? {};
        const l: WorkloadLists = {};
        for (const [key] of WORKLOAD_LISTS) if (!failed.has(key)) l[key] = have[key] ?? [];
        groupWorkloads(ns, nsPods, l);
      }
      return { pods, notes };
    },
  };
}

/** The selection in words, for messages and summaries. */
export function describeSelection(s: FleetSelection): string {
  switch (s.kind) {
    case 'namespace':
      return `namespace ${s.namespace}`;
    case 'workload':
      return `${s.workload.kind} ${s.namespace}/${s.workload.name}`;
    case 'containers':
      return s.containers.map((c) => `${c.namespace}/${c.pod}${c.container ? `/${c.container}` : ''}`).join(', ');
    case 'selector':
      return `pods matching ${s.selector}${s.namespace ? ` in namespace ${s.namespace}` : ' in every namespace'}`;
    case 'all-namespaces':
      return 'every namespace';
  }
}
