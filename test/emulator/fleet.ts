// The fleet scenario (issue 15 §7): a cluster to scan as a fleet. By default 200 running containers over 40 image
// digests in 10 namespaces, every one a real process (exec works), plus a few containers that cannot be scanned, each
// for a reason a real cluster gives. The images live in the emulator's registry (images.ts, `fleet.local/…`): each
// digest is a base template (mostly the Debian standard image and alpine, a few distroless) plus its own
// `/etc/build-info` and `/etc/app/app.conf`, so two digests are two different root filesystems, and scanning them
// can give different results (legacy builds: `tls_min_version = 1.0`, `debug_endpoints = true`, mode 0666).
//
// Fixed part (README "fleet"), then generated Deployments/StatefulSets that fill up the sizes:
//   storefront     Deployment web (3) on web:5.2 and web-preview (1) on web:latest: one digest, two tags
//   checkout       Deployment checkout-api mid-rollout: 2 pods of ReplicaSet revision 1 and 2 of revision 2, all
//                  with image api:2.4, on two digests (the tag moved between the two pulls; restartedAt + Always)
//   payments       Deployment ledger (3), distroless (no shell), uid 65532
//   identity       Deployment sessions (1): app running, log-shipper sidecar in CrashLoopBackOff
//   search         Deployment indexer (1): tag not in the registry → ImagePullBackOff, imageID ""
//   messaging      Deployment queue-worker (2) and notifier (1, same image, exits 1 → CrashLoopBackOff)
//   data           StatefulSet redis (3), alpine
//   observability  DaemonSets node-exporter (distroless) and log-shipper (alpine), one pod per Linux node (3)
//   platform       Deployment toolbox (1); CronJob cert-check → Job → completed pod (Succeeded, no process)
import { createHash } from 'node:crypto';
import type { ImageFile, KObject, RegistryImage } from './contract';
import { REGISTRY_HOST, type ImageRegistry } from './images';
import { containerStatusFor, hostIPOf, isoNow, LINUX_NODE, nextPodIP } from './objects';
import { ctr, ownerRef, seedCommon, type PodPlan, type Seeder } from './scenario';

export const FLEET_HOST = REGISTRY_HOST;
export const FLEET_DEFAULTS = { namespaces: 10, containers: 200, digests: 40 } as const;
/** The fleet's Linux nodes (DaemonSets run one pod on each). */
export const FLEET_NODES = [LINUX_NODE, 'demo-linux-2', 'demo-linux-3'];
/** Namespace names (one team each); beyond ten: fleet-11, fleet-12, … */
export const FLEET_TEAMS = ['storefront', 'checkout', 'payments', 'identity', 'catalog', 'search', 'messaging', 'data', 'observability', 'platform'];
/** What the fixed part needs: running containers and digests (the generated workloads need one container per further digest). */
export const FLEET_FIXED = { containers: 24, digests: 10 } as const;

export interface FleetSizes {
  namespaces: number;
  /** Running containers in total. */
  containers: number;
  /** Distinct image digests among them. */
  digests: number;
}

type Base = RegistryImage['base'];
const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';

/** A stable name suffix from `input` (the alphabet of pod-template-hash and generated names). */
function hashName(input: string, n: number): string {
  const h = createHash('sha256').update(input).digest();
  return Array.from({ length: n }, (_, i) => ALNUM[h[i] % ALNUM.length]).join('');
}

/** The image's own files: what makes its digest, and what a scan of it can tell apart. */
function appFiles(repository: string, version: string, build: number, hardened: boolean): ImageFile[] {
  const name = repository.split('/').pop();
  const vcs = createHash('sha1').update(`${repository}@${version}#${build}`).digest('hex');
  return [
    { path: '/etc/build-info', content: `IMAGE=${repository}\nVERSION=${version}\nBUILD=${build}\nVCS_REF=${vcs}\n` },
    {
      path: '/etc/app/app.conf',
      mode: hardened ? 0o644 : 0o666,
      content: `# ${name} ${version}\nlog_level = ${hardened ? 'info' : 'debug'}\ntls_min_version = ${hardened ? '1.2' : '1.0'}\ndebug_endpoints = ${hardened ? 'false' : 'true'}\n`,
    },
  ];
}

interface Ctr {
  name: string;
  image: string;
  /** false: the container never runs (crashes or cannot be pulled). */
  runs?: boolean;
  command?: string[];
  distroless?: boolean;
  port?: number;
}

interface Workload {
  ns: string;
  name: string;
  tier: string;
  containers: Ctr[];
}

const RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };

function containerSpec(c: Ctr): KObject {
  return ctr(c.name, c.image, {
    ...(c.command ? { command: c.command } : {}),
    ...(c.port ? { ports: [{ containerPort: c.port, name: 'http', protocol: 'TCP' }] } : {}),
    env: [{ name: 'APP_ENV', value: 'production' }],
    resources: structuredClone(RESOURCES),
    // On the container, not the pod: a pod-level runAsUser would also apply to `kubectl debug` helpers (demo scenario).
    ...(c.distroless ? { securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } } : {}),
  });
}

class FleetBuilder {
  readonly plans: PodPlan[] = [];
  /** Running containers per namespace (placement of the generated workloads). */
  readonly running = new Map<string, number>();
  readonly digestsRunning = new Set<string>();
  private nodeTurn = 0;

  constructor(
    private readonly s: Seeder,
    readonly registry: ImageRegistry,
  ) {}

  push(repository: string, base: Base, version: string, build: number, hardened: boolean, tags: string[]): RegistryImage {
    return this.registry.push(`${FLEET_HOST}/${repository}`, base, appFiles(`${FLEET_HOST}/${repository}`, version, build, hardened), tags);
  }

  private count(ns: string, containers: Ctr[]): void {
    for (const c of containers) {
      if (c.runs === false) continue;
      this.running.set(ns, (this.running.get(ns) ?? 0) + 1);
      const pulled = this.registry.pull(c.image);
      if (pulled && 'image' in pulled) this.digestsRunning.add(pulled.image.digest);
    }
  }

  /** A pod of `template` (its spec; labels and annotations given) on the next node in turn, or `extra.node`. */
  private pod(ns: string, name: string, w: Workload, template: KObject, labels: Record<string, string>, owner: KObject, extra: { node?: string; spec?: KObject; annotations?: Record<string, string> } = {}): void {
    const node = extra.node ?? FLEET_NODES[this.nodeTurn++ % FLEET_NODES.length];
    const spec: KObject = { ...structuredClone(template.spec), ...(extra.spec ?? {}), nodeName: node };
    this.s.create('v1', 'pods', ns, {
      metadata: { name, labels, ...(extra.annotations ? { annotations: extra.annotations } : {}), ownerReferences: [owner] },
      spec,
    });
    this.plans.push({ namespace: ns, name, processes: true });
    this.count(ns, w.containers);
  }

  private labels(w: Workload): Record<string, string> {
    return { app: w.name, tier: w.tier, team: w.ns };
  }

  private template(w: Workload, labels: Record<string, string>, annotations?: Record<string, string>): KObject {
    return { metadata: { labels, ...(annotations ? { annotations } : {}) }, spec: { containers: w.containers.map(containerSpec) } };
  }

  private deploymentStatus(replicas: number, updated: number, ready: number, newRs: string, rollingOut = false): KObject {
    const available = ready === replicas;
    return {
      observedGeneration: rollingOut ? 2 : 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas - ready ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        available
          ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
          : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        available && !rollingOut
          ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRs}" has successfully progressed.` }
          : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRs}" is progressing.` },
      ],
    };
  }

  private replicaSet(w: Workload, dep: KObject, template: KObject, replicas: number, revision: number, ready: number, maxReplicas: number): { rs: KObject; hash: string; labels: Record<string, string> } {
    const hash = hashName(`${w.ns}/${w.name}/${JSON.stringify(template)}`, 10);
    const labels = { ...template.metadata.labels, 'pod-template-hash': hash };
    const rs = this.s.create('apps/v1', 'replicasets', w.ns, {
      metadata: {
        name: `${w.name}-${hash}`,
        labels,
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(dep.spec.replicas), 'deployment.kubernetes.io/max-replicas': String(maxReplicas), 'deployment.kubernetes.io/revision': String(revision) },
        ownerReferences: [ownerRef('Deployment', 'apps/v1', dep)],
      },
      spec: { replicas, selector: { matchLabels: labels }, template: { ...structuredClone(template), metadata: { ...structuredClone(template.metadata), labels } } },
      status: { replicas, fullyLabeledReplicas: replicas, readyReplicas: ready, availableReplicas: ready, observedGeneration: 1 },
    });
    return { rs, hash, labels };
  }

  deployment(w: Workload, replicas: number): void {
    const labels = this.labels(w);
    const template = this.template(w, labels);
    const ready = w.containers.every((c) => c.runs !== false) ? replicas : 0;
    const rsName = `${w.name}-${hashName(`${w.ns}/${w.name}/${JSON.stringify(template)}`, 10)}`;
    const maxSurge = Math.max(1, Math.ceil(replicas / 4));
    const dep = this.s.create('apps/v1', 'deployments', w.ns, {
      metadata: { name: w.name, labels, annotations: { 'deployment.kubernetes.io/revision': '1' } },
      spec: { replicas, selector: { matchLabels: labels }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
      status: this.deploymentStatus(replicas, replicas, ready, rsName),
    });
    const { rs, labels: podLabels } = this.replicaSet(w, dep, template, replicas, 1, ready, replicas + maxSurge);
    for (let i = 0; i < replicas; i++) this.pod(w.ns, `${rs.metadata.name}-${hashName(`${rs.metadata.name}/${i}`, 5)}`, w, template, podLabels, ownerRef('ReplicaSet', 'apps/v1', rs));
  }

  /**
   * A Deployment whose tag moved mid-rollout: revision 1's pods pulled the tag, then `moveTag` pushes a new image
   * under it, and revision 2's pods (template annotated with restartedAt, as `kubectl rollout restart` does; imagePullPolicy
   * Always) pull the new digest. Both ReplicaSets' templates name the same image.
   */
  rollout(w: Workload, oldReplicas: number, newReplicas: number, moveTag: () => void): void {
    const labels = this.labels(w);
    const replicas = oldReplicas + newReplicas;
    const oldTemplate = this.template(w, labels);
    const newTemplate = this.template(w, labels, { 'kubectl.kubernetes.io/restartedAt': isoNow(this.s.now() - 90_000) });
    for (const t of [oldTemplate, newTemplate]) for (const c of t.spec.containers) c.imagePullPolicy = 'Always';
    const newRsName = `${w.name}-${hashName(`${w.ns}/${w.name}/${JSON.stringify(newTemplate)}`, 10)}`;
    const dep = this.s.create('apps/v1', 'deployments', w.ns, {
      metadata: { name: w.name, labels, annotations: { 'deployment.kubernetes.io/revision': '2' }, generation: 2 },
      spec: { replicas, selector: { matchLabels: labels }, template: newTemplate, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
      status: this.deploymentStatus(replicas, newReplicas, replicas, newRsName, true),
    });
    const maxReplicas = replicas + Math.max(1, Math.ceil(replicas / 4));
    const old = this.replicaSet(w, dep, oldTemplate, oldReplicas, 1, oldReplicas, maxReplicas);
    for (let i = 0; i < oldReplicas; i++) this.pod(w.ns, `${old.rs.metadata.name}-${hashName(`${old.rs.metadata.name}/${i}`, 5)}`, w, oldTemplate, old.labels, ownerRef('ReplicaSet', 'apps/v1', old.rs));
    moveTag();
    const cur = this.replicaSet(w, dep, newTemplate, newReplicas, 2, newReplicas, maxReplicas);
    const annotations = { 'kubectl.kubernetes.io/restartedAt': newTemplate.metadata.annotations['kubectl.kubernetes.io/restartedAt'] };
    for (let i = 0; i < newReplicas; i++) this.pod(w.ns, `${cur.rs.metadata.name}-${hashName(`${cur.rs.metadata.name}/${i}`, 5)}`, w, newTemplate, cur.labels, ownerRef('ReplicaSet', 'apps/v1', cur.rs), { annotations });
  }

  statefulSet(w: Workload, replicas: number): void {
    const labels = this.labels(w);
    const template = this.template(w, labels);
    const revision = `${w.name}-${hashName(`${w.ns}/${w.name}/${JSON.stringify(template)}`, 10)}`;
    const sts = this.s.create('apps/v1', 'statefulsets', w.ns, {
      metadata: { name: w.name, labels },
      spec: { replicas, serviceName: w.name, selector: { matchLabels: labels }, podManagementPolicy: 'OrderedReady', template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
      status: { observedGeneration: 1, replicas, readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas, currentRevision: revision, updateRevision: revision, collisionCount: 0 },
    });
    for (let i = 0; i < replicas; i++) {
      const name = `${w.name}-${i}`;
      this.pod(w.ns, name, w, template, { ...labels, 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name }, ownerRef('StatefulSet', 'apps/v1', sts), { spec: { hostname: name, subdomain: w.name } });
    }
  }

  daemonSet(w: Workload): void {
    const labels = this.labels(w);
    const template = this.template(w, labels);
    template.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
    const n = FLEET_NODES.length;
    const ds = this.s.create('apps/v1', 'daemonsets', w.ns, {
      metadata: { name: w.name, labels, annotations: { 'deprecated.daemonset.template.generation': '1' } },
      spec: { selector: { matchLabels: labels }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
      status: { currentNumberScheduled: n, numberMisscheduled: 0, desiredNumberScheduled: n, numberReady: n, observedGeneration: 1, updatedNumberScheduled: n, numberAvailable: n },
    });
    const revision = hashName(`${w.ns}/${w.name}/${JSON.stringify(template)}`, 9);
    for (const node of FLEET_NODES) {
      const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } };
      this.pod(w.ns, `${w.name}-${hashName(`${w.name}/${node}`, 5)}`, w, template, { ...labels, 'controller-revision-hash': revision, 'pod-template-generation': '1' }, ownerRef('DaemonSet', 'apps/v1', ds), { node, spec: { affinity } });
    }
  }

  /** CronJob → Job → one completed pod (Succeeded; metadata only, as in the demo scenario). */
  cronJob(w: Workload, schedule: string): void {
    const c = w.containers[0];
    const spec = containerSpec(c);
    const t0 = this.s.now() - 2 * 3600_000;
    const labels = this.labels(w);
    const cron = this.s.create('batch/v1', 'cronjobs', w.ns, {
      metadata: { name: w.name, labels },
      spec: { schedule, concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: { metadata: { labels }, spec: { restartPolicy: 'OnFailure', containers: [spec] } } } } },
      status: { lastScheduleTime: isoNow(t0), lastSuccessfulTime: isoNow(t0 + 6000) },
    });
    const jobName = `${w.name}-${Math.floor(t0 / 60_000)}`;
    const jobStatus = { startTime: isoNow(t0), completionTime: isoNow(t0 + 6000), succeeded: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {}, conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: isoNow(t0 + 6000), lastTransitionTime: isoNow(t0 + 6000) }, { type: 'Complete', status: 'True', lastProbeTime: isoNow(t0 + 6000), lastTransitionTime: isoNow(t0 + 6000) }] };
    const job = this.s.create('batch/v1', 'jobs', w.ns, {
      metadata: { name: jobName, labels: { ...labels, 'batch.kubernetes.io/cronjob': w.name }, ownerReferences: [ownerRef('CronJob', 'batch/v1', cron)] },
      spec: { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, template: { metadata: { labels }, spec: { restartPolicy: 'OnFailure', containers: [spec] } } },
      status: jobStatus,
    });
    const name = `${jobName}-${hashName(jobName, 5)}`;
    const started = isoNow(t0 + 1000);
    const finished = isoNow(t0 + 5000);
    const cid = `containerd://${createHash('sha256').update(`${w.ns}/${name}`).digest('hex')}`;
    const pulled = this.registry.pull(c.image);
    const imageID = pulled && 'imageID' in pulled ? pulled.imageID : '';
    const ip = nextPodIP(LINUX_NODE);
    this.s.create('v1', 'pods', w.ns, {
      metadata: { name, labels: { ...labels, 'batch.kubernetes.io/job-name': jobName, 'job-name': jobName, 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'controller-uid': job.metadata.uid }, ownerReferences: [ownerRef('Job', 'batch/v1', job)] },
      spec: { restartPolicy: 'OnFailure', nodeName: LINUX_NODE, containers: [structuredClone(spec)] },
      status: {
        phase: 'Succeeded',
        hostIP: hostIPOf(LINUX_NODE),
        hostIPs: [{ ip: hostIPOf(LINUX_NODE) }],
        podIP: ip,
        podIPs: [{ ip }],
        startTime: started,
        qosClass: 'Burstable',
        containerStatuses: [containerStatusFor(spec, { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: finished, containerID: cid } }, { containerID: cid, imageID })],
      },
    });
    this.plans.push({ namespace: w.ns, name, processes: false });
  }
}

/** The generated workloads' apps: name, tier, base image (mostly standard and alpine, one in ten distroless). */
const APPS: [string, string, Base][] = [
  ['frontend', 'frontend', 'standard'],
  ['api', 'backend', 'alpine'],
  ['worker', 'worker', 'standard'],
  ['cache', 'data', 'alpine'],
  ['gateway', 'frontend', 'standard'],
  ['scheduler', 'worker', 'alpine'],
  ['sync', 'backend', 'standard'],
  ['exporter', 'infra', 'distroless'],
  ['importer', 'backend', 'standard'],
  ['events', 'backend', 'alpine'],
];

export function checkFleetSizes(z: FleetSizes): void {
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (!ok(z.namespaces) || !ok(z.containers) || !ok(z.digests)) throw new Error('fleet scenario: namespaces, containers and digests are positive whole numbers');
  if (z.digests <= FLEET_FIXED.digests) throw new Error(`fleet scenario: digests must be more than ${FLEET_FIXED.digests} (the fixed workloads use ${FLEET_FIXED.digests})`);
  const min = FLEET_FIXED.containers + (z.digests - FLEET_FIXED.digests);
  if (z.containers < min) throw new Error(`fleet scenario: ${z.digests} digests need at least ${min} running containers (${FLEET_FIXED.containers} in the fixed workloads and one per further digest)`);
}

/** Seeds the fleet scenario: registry images, namespaces, nodes, workloads and pods. Returns the pods to start. */
export function seedFleet(s: Seeder, registry: ImageRegistry, sizes: FleetSizes): PodPlan[] {
  checkFleetSizes(sizes);
  const names = Array.from({ length: sizes.namespaces }, (_, i) => FLEET_TEAMS[i] ?? `fleet-${String(i + 1).padStart(2, '0')}`);
  seedCommon(s, [], FLEET_NODES.slice(1));
  for (const ns of names) s.create('v1', 'namespaces', undefined, { metadata: { name: ns, labels: { team: ns, environment: 'production' } } });
  const b = new FleetBuilder(s, registry);
  const at = (i: number) => names[i % names.length];
  const ref = (img: RegistryImage, tag: string) => `${img.repository}:${tag}`;
  const sh = (msg: string) => ['/bin/sh', '-c', `echo "${msg}" >&2; exit 1`];

  // Images of the fixed part (each push is one digest; the rollout's second one comes later).
  const web = b.push('storefront/web', 'standard', '5.2.7', 1207, true, ['5.2', '5.2.7', 'latest']);
  const apiOld = b.push('checkout/api', 'standard', '2.4.0', 840, false, ['2.4', '2.4.0']);
  const ledger = b.push('payments/ledger', 'distroless', '1.8.3', 318, true, ['1.8', '1.8.3']);
  const sessions = b.push('identity/sessions', 'standard', '4.1.0', 410, true, ['4.1', '4.1.0']);
  const worker = b.push('messaging/worker', 'standard', '3.0.2', 302, false, ['3.0', '3.0.2']);
  const redis = b.push('data/redis', 'alpine', '7.2.5-alpine', 725, true, ['7.2-alpine', '7.2.5-alpine']);
  const exporter = b.push('observability/node-exporter', 'distroless', '1.8.1', 181, true, ['1.8.1']);
  const shipper = b.push('observability/log-shipper', 'alpine', '2.1.3', 213, true, ['2.1', '2.1.3']);
  const toolbox = b.push('platform/toolbox', 'standard', '1.3.0', 130, true, ['1.3', '1.3.0']);

  b.deployment({ ns: at(0), name: 'web', tier: 'frontend', containers: [{ name: 'web', image: ref(web, '5.2'), port: 8080 }] }, 3);
  b.deployment({ ns: at(0), name: 'web-preview', tier: 'frontend', containers: [{ name: 'web', image: ref(web, 'latest'), port: 8080 }] }, 1);
  b.rollout({ ns: at(1), name: 'checkout-api', tier: 'backend', containers: [{ name: 'api', image: ref(apiOld, '2.4'), port: 8080 }] }, 2, 2, () => b.push('checkout/api', 'standard', '2.4.1', 841, true, ['2.4', '2.4.1']));
  b.deployment({ ns: at(2), name: 'ledger', tier: 'backend', containers: [{ name: 'ledger', image: ref(ledger, '1.8'), distroless: true, port: 9090 }] }, 3);
  b.deployment(
    {
      ns: at(3),
      name: 'sessions',
      tier: 'backend',
      containers: [
        { name: 'sessions', image: ref(sessions, '4.1'), port: 8080 },
        { name: 'log-shipper', image: ref(shipper, '2.1.3'), runs: false, command: sh('log-shipper: cannot open /var/log/app/sessions.log: No such file or directory') },
      ],
    },
    1,
  );
  b.deployment({ ns: at(5), name: 'indexer', tier: 'worker', containers: [{ name: 'indexer', image: `${FLEET_HOST}/search/indexer:5.0-rc1`, runs: false }] }, 1);
  b.deployment({ ns: at(6), name: 'queue-worker', tier: 'worker', containers: [{ name: 'worker', image: ref(worker, '3.0') }] }, 2);
  b.deployment({ ns: at(6), name: 'notifier', tier: 'worker', containers: [{ name: 'notifier', image: ref(worker, '3.0.2'), runs: false, command: sh('notifier: SMTP_HOST is not set') }] }, 1);
  b.statefulSet({ ns: at(7), name: 'redis', tier: 'data', containers: [{ name: 'redis', image: ref(redis, '7.2-alpine'), port: 6379 }] }, 3);
  b.daemonSet({ ns: at(8), name: 'node-exporter', tier: 'infra', containers: [{ name: 'node-exporter', image: ref(exporter, '1.8.1'), distroless: true, port: 9100 }] });
  b.daemonSet({ ns: at(8), name: 'log-shipper', tier: 'infra', containers: [{ name: 'log-shipper', image: ref(shipper, '2.1') }] });
  b.deployment({ ns: at(9), name: 'toolbox', tier: 'infra', containers: [{ name: 'toolbox', image: ref(toolbox, '1.3') }] }, 1);
  b.cronJob({ ns: at(9), name: 'cert-check', tier: 'infra', containers: [{ name: 'cert-check', image: ref(toolbox, '1.3.0'), command: ['/bin/sh', '-c', 'echo "certificates: 14 checked, 0 expiring"'] }] }, '30 3 * * *');

  const fixedRunning = [...b.running.values()].reduce((a, n) => a + n, 0);
  if (fixedRunning !== FLEET_FIXED.containers || b.digestsRunning.size !== FLEET_FIXED.digests) throw new Error(`fleet scenario: the fixed part runs ${fixedRunning} containers on ${b.digestsRunning.size} digests, FLEET_FIXED says otherwise`);

  // Generated workloads: one further digest each, the remaining containers spread evenly over them, each placed in
  // the namespace with the fewest running containers so far.
  const fillers = sizes.digests - FLEET_FIXED.digests;
  const rest = sizes.containers - FLEET_FIXED.containers;
  const taken = new Set<string>();
  for (let j = 0; j < fillers; j++) {
    const budget = Math.floor(rest / fillers) + (j < rest % fillers ? 1 : 0);
    const ns = [...names].sort((x, y) => (b.running.get(x) ?? 0) - (b.running.get(y) ?? 0) || names.indexOf(x) - names.indexOf(y))[0];
    // the next app (in turn) this namespace does not have yet
    const [app, tier, base] = APPS.map((_, k) => APPS[(j + k) % APPS.length]).find(([a]) => !taken.has(`${ns}/${a}`)) ?? APPS[j % APPS.length];
    let name = app;
    for (let k = 2; taken.has(`${ns}/${name}`); k++) name = `${app}-${k}`;
    taken.add(`${ns}/${name}`);
    const major = 1 + (j % 3);
    const minor = (j * 7) % 10;
    const patch = j % 4;
    const img = b.push(`${ns}/${name}`, base, `${major}.${minor}.${patch}`, 100 + j, j % 4 !== 1, [`${major}.${minor}`, `${major}.${minor}.${patch}`]);
    // Mostly the minor tag; some the patch tag; some pinned by digest, as GitOps pipelines pin them.
    const image = j % 9 === 4 ? `${img.repository}@${img.digest}` : ref(img, j % 5 === 2 ? `${major}.${minor}.${patch}` : `${major}.${minor}`);
    const main: Ctr = { name: app, image, distroless: base === 'distroless', ...(tier === 'frontend' || tier === 'backend' ? { port: 8080 } : {}) };
    // Every third workload with an even share ships its logs with a log-shipper sidecar (the DaemonSet's digest, other tags).
    const sidecar = j % 3 === 0 && budget >= 4 && budget % 2 === 0;
    const containers: Ctr[] = sidecar ? [main, { name: 'log-shipper', image: j % 6 === 0 ? ref(shipper, '2.1.3') : `${shipper.repository}@${shipper.digest}` }] : [main];
    const replicas = budget / containers.length;
    const w: Workload = { ns, name, tier, containers };
    if (tier === 'data') b.statefulSet(w, replicas);
    else b.deployment(w, replicas);
  }

  const total = [...b.running.values()].reduce((a, n) => a + n, 0);
  if (total !== sizes.containers || b.digestsRunning.size !== sizes.digests) throw new Error(`fleet scenario: seeded ${total} running containers on ${b.digestsRunning.size} digests instead of ${sizes.containers} on ${sizes.digests}`);
  return b.plans;
}
