// core/v1 Events for pod lifecycle, as the scheduler and kubelet record them (`kubectl describe pod` lists them), and
// for other objects (the Job controller's, jobs.ts):
// Scheduled, Pulling, Pulled, Created, Started, BackOff, Failed. Repeats of the same event bump `count`/`lastTimestamp`.
import { randomBytes } from 'node:crypto';
import type { KObject } from './contract';
import { isoNow } from './objects';
import type { Store } from './store';

export class EventRecorder {
  private readonly seen = new Map<string, string>();
  constructor(private readonly store: Store) {}

  record(pod: KObject, reason: string, message: string, opts: { type?: 'Normal' | 'Warning'; fieldPath?: string; component?: string } = {}): void {
    const { namespace, name, uid } = pod.metadata;
    if (!this.store.get('namespaces', undefined, namespace)) return;
    const now = isoNow(this.store.now());
    const component = opts.component ?? 'kubelet';
    const dedupe = `${uid}|${reason}|${opts.fieldPath ?? ''}|${message}`;
    const existing = this.seen.get(dedupe);
    if (existing && this.store.update('events', namespace, existing, (e) => ({ ...e, count: (e.count ?? 1) + 1, lastTimestamp: now }))) return;
    const evName = `${name}.${randomBytes(8).toString('hex')}`;
    this.seen.set(dedupe, evName);
    this.store.create('events', {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: evName, namespace },
      involvedObject: { kind: pod.kind ?? 'Pod', namespace, name, uid, apiVersion: pod.apiVersion ?? 'v1', resourceVersion: pod.metadata.resourceVersion, ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}) },
      reason,
      message,
      source: { component, ...(component === 'kubelet' ? { host: pod.spec.nodeName } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: opts.type ?? 'Normal',
      eventTime: null,
      reportingComponent: component,
      reportingInstance: component === 'kubelet' ? pod.spec.nodeName : '',
    });
  }

  /** Events for a container state change reported by the runtime. */
  containerTransition(pod: KObject, container: KObject, prev: KObject | undefined, next: KObject, ephemeral: boolean): void {
    const fieldPath = `spec.${ephemeral ? 'ephemeralContainers' : 'containers'}{${container.name}}`;
    const wasRunning = !!prev?.running;
    if (next.running && !wasRunning) {
      this.record(pod, 'Pulled', `Container image "${container.image}" already present on machine`, { fieldPath });
      this.record(pod, 'Created', `Created container: ${container.name}`, { fieldPath });
      this.record(pod, 'Started', `Started container ${container.name}`, { fieldPath });
    } else if (next.waiting?.reason === 'ImagePullBackOff' && prev?.waiting?.reason !== 'ImagePullBackOff') {
      // kubelet's image manager: the pull, its failure (ErrImagePull), then the back-off (ImagePullBackOff).
      const pullError = String(next.waiting.message ?? '').replace(/^Back-off pulling image "[^"]*": ErrImagePull: /, '');
      this.record(pod, 'Pulling', `Pulling image "${container.image}"`, { fieldPath });
      this.record(pod, 'Failed', `Failed to pull image "${container.image}": ${pullError}`, { type: 'Warning', fieldPath });
      this.record(pod, 'Failed', 'Error: ErrImagePull', { type: 'Warning', fieldPath });
      this.record(pod, 'BackOff', `Back-off pulling image "${container.image}"`, { fieldPath });
      this.record(pod, 'Failed', 'Error: ImagePullBackOff', { type: 'Warning', fieldPath });
    } else if (next.waiting?.reason === 'CrashLoopBackOff' && prev?.waiting?.reason !== 'CrashLoopBackOff') {
      this.record(pod, 'BackOff', `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`, { type: 'Warning', fieldPath });
    } else if (next.waiting?.reason && !['ContainerCreating', 'CrashLoopBackOff', 'PodInitializing'].includes(next.waiting.reason) && prev?.waiting?.reason !== next.waiting.reason) {
      this.record(pod, 'Failed', `Error: ${next.waiting.message ?? next.waiting.reason}`, { type: 'Warning', fieldPath });
    }
  }
}
