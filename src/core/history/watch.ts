/**
 * Watch mode's decision: from a namespace's pod watch events, which targets to rescan and when. A target (a workload's
 * container, or a bare pod's container — the history's `groupKey`) is rescanned when one of its running containers
 * runs another image digest (`containerStatuses[].imageID`) or belongs to another pod template (the pod's
 * `pod-template-hash` / `controller-revision-hash` label) than the one last scanned or first seen. Changes are debounced
 * per target: a rollout replaces pods one by one and each pod goes through several MODIFIED events, but the target is
 * queued once, `debounceMs` after its last change, with the newest running pod. Pure: timers are injected.
 *
 * Watch event semantics (ADDED / MODIFIED / DELETED with the full object, BOOKMARK without) are the Kubernetes API's
 * (kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes).
 */
import { summarizePod } from '../cluster/model';
import type { RawPod } from '../cluster/client';
import { runningDigest } from '../fleet/targets';
import { groupKey, podTemplateHashOf, type HistoryEntry } from './indexFormat';

export interface WatchedTarget {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly workload: { readonly kind: string; readonly name: string };
  readonly imageDigest?: string;
  readonly podTemplateHash?: string;
}

export interface RescanRequest {
  readonly key: string;
  readonly target: WatchedTarget;
  /** What changed since the baseline, in words (for the log and the notification). */
  readonly why: string;
}

export interface WatchTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: WatchTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

/**
 * The workload of a pod as its controller says: a ReplicaSet named `<deployment>-<pod-template-hash>` is taken as its
 * Deployment's (the Deployment controller names its ReplicaSets so; kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label).
 */
export function workloadOfPod(pod: RawPod): { kind: string; name: string } {
  const w = summarizePod(pod).workload;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (w.kind === 'ReplicaSet' && hash && w.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: w.name.slice(0, -hash.length - 1) };
  return w;
}

/** The running containers of a pod (app containers with a `running` state and an image digest), as watch targets. */
export function runningTargets(context: string, pod: RawPod): WatchedTarget[] {
  if (pod.metadata?.deletionTimestamp) return [];
  const workload = workloadOfPod(pod);
  const hash = podTemplateHashOf(pod.metadata?.labels);
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{ name: string; imageID?: string; state?: { running?: unknown } }>;
  return statuses
    .filter((s) => s.state?.running && s.imageID)
    .map((s) => ({
      context,
      namespace: pod.metadata.namespace,
      pod: pod.metadata.name,
      container: s.name,
      workload,
      ...(runningDigest(s.imageID) ? { imageDigest: runningDigest(s.imageID) } : {}),
      ...(hash ? { podTemplateHash: hash } : {}),
    }));
}

export class RescanPlanner {
  /** Per target: the digest and template last scanned (or first seen). */
  private readonly baseline = new Map<string, { imageDigest?: string; podTemplateHash?: string }>();
  private readonly pending = new Map<string, { request: RescanRequest; timer: unknown }>();
  private readonly timers: WatchTimers;

  constructor(
    private readonly context: string,
    private readonly queue: (r: RescanRequest) => void,
    private readonly debounceMs = 10_000,
    timers?: WatchTimers,
  ) {
    this.timers = timers ?? realTimers;
  }

  /** What was last scanned, from the history (newest entry per target wins). */
  seed(entries: readonly HistoryEntry[]): void {
    for (const e of [...entries].sort((a, b) => (a.at < b.at ? -1 : 1))) {
      if (e.target.context !== this.context) continue;
      this.baseline.set(groupKey(e), { imageDigest: e.imageDigest, podTemplateHash: e.podTemplateHash });
    }
  }

  /** A rescan ran (or was recorded) with these values: they are the new baseline. */
  scanned(key: string, t: Pick<WatchedTarget, 'imageDigest' | 'podTemplateHash'>): void {
    this.baseline.set(key, { imageDigest: t.imageDigest, podTemplateHash: t.podTemplateHash });
  }

  /** One watch event (or one pod of the initial list, as ADDED). */
  observe(type: string, pod: RawPod): void {
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    for (const t of runningTargets(this.context, pod)) {
      const key = groupKey({ target: t, workload: t.workload });
      const base = this.baseline.get(key);
      if (!base) {
        this.baseline.set(key, { imageDigest: t.imageDigest, podTemplateHash: t.podTemplateHash });
        continue;
      }
      const why: string[] = [];
      if (t.imageDigest && base.imageDigest && t.imageDigest !== base.imageDigest) why.push(`image digest ${base.imageDigest} → ${t.imageDigest}`);
      if (t.podTemplateHash && base.podTemplateHash && t.podTemplateHash !== base.podTemplateHash) why.push(`pod template ${base.podTemplateHash} → ${t.podTemplateHash}`);
      if (!why.length) {
        // back to what was scanned (a rollback before the rescan ran): nothing to do
        const p = this.pending.get(key);
        if (p && p.request.target.pod === t.pod) {
          this.timers.clear(p.timer);
          this.pending.delete(key);
        }
        continue;
      }
      const old = this.pending.get(key);
      if (old) this.timers.clear(old.timer);
      const request: RescanRequest = { key, target: t, why: why.join(', ') };
      const timer = this.timers.set(() => {
        this.pending.delete(key);
        this.scanned(key, t);
        this.queue(request);
      }, this.debounceMs);
      this.pending.set(key, { request, timer });
    }
  }

  /** Targets waiting for their debounce. */
  get waiting(): readonly RescanRequest[] {
    return [...this.pending.values()].map((p) => p.request);
  }

  dispose(): void {
    for (const p of this.pending.values()) this.timers.clear(p.timer);
    this.pending.clear();
  }
}
