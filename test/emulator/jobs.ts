// The batch/v1 Job controller and the TTL-after-finished controller, for Jobs created through the API (seeded Jobs are
// finished history and left alone). Mimicked from kubernetes/kubernetes:
// - pkg/controller/job/job_controller.go (1.33) `syncJob`/`manageJob`/`trackJobStatusAndRemoveFinalizers`: pods from
//   the template, named `<job>-<5 chars>` (generateName), owned by the Job (controller, blockOwnerDeletion) and
//   carrying the `batch.kubernetes.io/job-tracking` finalizer until they are counted; `status.startTime` on the first
//   sync; `active`, `ready`, `terminating`, `succeeded`, `failed`, `uncountedTerminatedPods: {}`. Finishing goes through
//   the interim condition first (delayTerminalCondition() is true in 1.33: JobPodReplacementPolicy is on by default):
//   `SuccessCriteriaMet` then `Complete` (reason `CompletionsReached`, message "Reached expected number of succeeded
//   pods", plus `completionTime`), or `FailureTarget` then `Failed` with reason `BackoffLimitExceeded` ("Job has reached
//   the specified backoff limit": failed > backoffLimit) or `DeadlineExceeded` ("Job was active longer than specified
//   deadline": now − startTime ≥ activeDeadlineSeconds). A failing Job deletes its active pods, which count as failed.
//   Retries of failed pods wait the controller's back-off (10 s doubling, at most 6 min; pkg/controller/job/backoff_utils.go).
// - Events (component `job-controller`): SuccessfulCreate "Created pod: X", FailedCreate "Error creating: …",
//   SuccessfulDelete "Deleted pod: X", Completed "Job completed", Warning BackoffLimitExceeded / DeadlineExceeded.
// - pkg/controller/ttlafterfinished/ttlafterfinished_controller.go: a finished Job with `ttlSecondsAfterFinished` is
//   deleted (with its pods) once its finish time (the Complete/Failed condition's lastTransitionTime) + TTL has passed.
// Time is the emulator clock (`store.now()`), so `advanceClock` moves deadlines and TTLs like everything else.
import type { KObject } from './contract';
import type { EventRecorder } from './events';
import { isoNow } from './objects';
import type { Store, WatchEvent } from './store';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
const MAX_BACKOFF_MS = 360_000;
const TICK_MS = 200;

export interface JobControllerDeps {
  store: Store;
  events: EventRecorder;
  /** Creates a pod through the API server's create path (defaults, Pod Security, the runtime). Throws an HttpError. */
  createPod(namespace: string, pod: KObject): KObject;
  /** Deletes an object and what it owns (garbage collection). */
  remove(res: string, obj: KObject): void;
  log(msg: string): void;
}

const isFinishedCondition = (c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True';
const finished = (job: KObject) => (job.status?.conditions ?? []).some(isFinishedCondition);
const podDone = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const podReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

export class JobController {
  private readonly unwatch: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Jobs created through the API that the controller manages: `ns/name` → uid. */
  private readonly managed = new Map<string, string>();
  /** Earliest time (emulator clock) the next pod of a Job may be created after a failure. */
  private readonly notBefore = new Map<string, number>();
  private syncing = false;
  private again = new Set<string>();

  constructor(private readonly d: JobControllerDeps) {
    this.unwatch.push(d.store.watch({ res: 'jobs', send: (ev) => this.onJob(ev) }));
    this.unwatch.push(d.store.watch({ res: 'pods', send: (ev) => this.onPod(ev) }));
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const u of this.unwatch) u();
  }

  private onJob(ev: WatchEvent): void {
    const key = `${ev.namespace}/${ev.obj.metadata.name}`;
    if (ev.type === 'DELETED') {
      this.managed.delete(key);
      this.notBefore.delete(key);
      return;
    }
    if (ev.type === 'ADDED') this.managed.set(key, ev.obj.metadata.uid);
    if (this.managed.get(key) === ev.obj.metadata.uid) this.queue(key);
  }

  private onPod(ev: WatchEvent): void {
    const owner = (ev.obj.metadata.ownerReferences ?? []).find((r: KObject) => r.kind === 'Job' && r.controller);
    if (!owner) return;
    const key = `${ev.namespace}/${owner.name}`;
    if (this.managed.get(key) === owner.uid) this.queue(key);
  }

  /** Syncs are serialised (a sync's own writes trigger watch events): re-entrant requests run after it. */
  private queue(key: string): void {
    this.again.add(key);
    if (this.syncing) return;
    this.syncing = true;
    try {
      for (let i = 0; this.again.size && i < 100; i++) {
        const keys = [...this.again];
        this.again.clear();
        for (const k of keys) this.sync(k);
      }
    } finally {
      this.syncing = false;
    }
  }

  private tick(): void {
    const now = this.d.store.now();
    for (const [key, uid] of this.managed) {
      const [ns, name] = key.split('/');
      const job = this.d.store.get('jobs', ns, name);
      if (!job || job.metadata.uid !== uid) continue;
      if (finished(job)) {
        const ttl = job.spec?.ttlSecondsAfterFinished;
        const at = (job.status.conditions as KObject[]).find(isFinishedCondition)?.lastTransitionTime;
        if (typeof ttl === 'number' && at && now >= Date.parse(at) + ttl * 1000) {
          this.managed.delete(key);
          this.d.remove('jobs', job);
        }
        continue;
      }
      const deadline = job.spec?.activeDeadlineSeconds;
      const start = job.status?.startTime;
      if ((typeof deadline === 'number' && start && now >= Date.parse(start) + deadline * 1000) || (this.notBefore.get(key) ?? Infinity) <= now) this.queue(key);
    }
  }

  private podsOf(job: KObject): KObject[] {
    const out: KObject[] = [];
    for (const { obj } of this.d.store.iterate('pods', job.metadata.namespace)) {
      if ((obj.metadata.ownerReferences ?? []).some((r: KObject) => r.uid === job.metadata.uid && r.controller)) out.push(obj);
    }
    return out;
  }

  private event(job: KObject, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): void {
    this.d.events.record(job, reason, message, { type, component: 'job-controller' });
  }

  private sync(key: string): void {
    const [ns, name] = key.split('/');
    const store = this.d.store;
    const job = store.get('jobs', ns, name);
    if (!job || job.metadata.uid !== this.managed.get(key) || finished(job)) return;
    const now = store.now();
    const ts = isoNow(now);
    const spec = job.spec ?? {};
    const status: KObject = structuredClone(job.status ?? {});
    status.startTime ??= ts;
    let succeeded: number = status.succeeded ?? 0;
    let failed: number = status.failed ?? 0;
    const pods = this.podsOf(job);
    // Count finished pods once: the tracking finalizer comes off when a pod is counted.
    for (const p of pods) {
      if (!podDone(p) || !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      if (p.status.phase === 'Succeeded') succeeded++;
      else failed++;
      this.dropFinalizer(p);
    }
    let active = pods.filter((p) => !podDone(p) && !p.metadata.deletionTimestamp);
    const conditions: KObject[] = status.conditions ?? [];
    const cond = (type: string, reason: string, message: string): KObject => ({ type, status: 'True', lastProbeTime: ts, lastTransitionTime: ts, reason, message });
    let failure: [string, string] | undefined;
    if (failed > (spec.backoffLimit ?? 6)) failure = ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'];
    else if (typeof spec.activeDeadlineSeconds === 'number' && now >= Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000) {
      failure = ['DeadlineExceeded', 'Job was active longer than specified deadline'];
    }
    if (failure) {
      // The active pods are deleted and, the Job being finished, counted as failed.
      for (const p of active) {
        this.d.remove('pods', p);
        this.event(job, 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        failed++;
      }
      active = [];
      conditions.push(cond('FailureTarget', ...failure), cond('Failed', ...failure));
      this.event(job, failure[0], failure[1], 'Warning');
    } else {
      const completions: number = spec.completions ?? 1;
      if (succeeded >= completions && active.length === 0) {
        const msg = ['CompletionsReached', 'Reached expected number of succeeded pods'] as const;
        conditions.push(cond('SuccessCriteriaMet', ...msg), cond('Complete', ...msg));
        status.completionTime = ts;
        this.event(job, 'Completed', 'Job completed');
      } else if (!spec.suspend) {
        const want = Math.min(spec.parallelism ?? 1, completions - succeeded) - active.length;
        const wait = this.notBefore.get(key);
        if (want > 0 && failed > 0 && wait === undefined) {
          this.notBefore.set(key, now + Math.min(10_000 * 2 ** (failed - 1), MAX_BACKOFF_MS));
        } else if (want > 0 && (wait === undefined || wait <= now)) {
          this.notBefore.delete(key);
          for (let i = 0; i < want; i++) {
            const pod = this.createPod(job);
            if (pod) active.push(pod);
          }
        }
      }
    }
    status.active = active.length;
    status.ready = active.filter(podReady).length;
    status.terminating = 0;
    status.succeeded = succeeded;
    status.failed = failed;
    status.uncountedTerminatedPods = {};
    if (conditions.length) status.conditions = conditions;
    if (!status.succeeded) delete status.succeeded;
    if (!status.failed) delete status.failed;
    if (!status.active) delete status.active;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) store.update('jobs', ns, name, (o) => ({ ...o, status }));
  }

  private createPod(job: KObject): KObject | undefined {
    const tpl = structuredClone(job.spec.template ?? {});
    const md = tpl.metadata ?? {};
    const pod: KObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${job.metadata.name}-`,
        labels: md.labels ?? {},
        ...(md.annotations ? { annotations: md.annotations } : {}),
        finalizers: [JOB_TRACKING_FINALIZER],
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: tpl.spec ?? {},
    };
    try {
      const created = this.d.createPod(job.metadata.namespace, pod);
      this.event(job, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      return created;
    } catch (e) {
      this.event(job, 'FailedCreate', `Error creating: ${(e as Error).message}`, 'Warning');
      this.d.log(`job ${job.metadata.namespace}/${job.metadata.name}: could not create a pod: ${(e as Error).message}`);
      return undefined;
    }
  }

  private dropFinalizer(p: KObject): void {
    this.d.store.update('pods', p.metadata.namespace, p.metadata.name, (o) => {
      const rest = (o.metadata.finalizers ?? []).filter((f: string) => f !== JOB_TRACKING_FINALIZER);
      if (rest.length) o.metadata.finalizers = rest;
      else delete o.metadata.finalizers;
    });
  }
}
