// Scenarios: the demo cluster everybody tests against (issue 3 §5) and the metadata-only scale cluster.
import { createHash } from 'node:crypto';
import type { KObject } from './contract';
import { containerStatusFor, hostIPOf, isoNow, LINUX_NODE, nextPodIP, WINDOWS_NODE } from './objects';
import { findResource } from './resources';

export interface Seeder {
  /** Creates an object (as the API would) without watch events or runtime hooks. */
  create(apiVersion: string, resource: string, ns: string | undefined, obj: KObject): KObject;
  now(): number;
}

export const IMAGES = {
  standard: 'demo.local/standard:12',
  alpine: 'demo.local/alpine:3.20',
  minimal: 'demo.local/minimal:1',
  distroless: 'demo.local/distroless:nonroot',
  busybox: 'busybox:1.36.1-musl',
  windows: 'mcr.microsoft.com/windows/servercore:ltsc2022',
};

const SLEEP = ['sleep', '2147483647'];

/** Namespaces, the nodes (demo-linux-1, demo-windows-1, and `moreLinuxNodes`, e.g. the fleet scenario's demo-linux-2/3) and the RBAC every scenario has. */
export function seedCommon(s: Seeder, namespaces: string[], moreLinuxNodes: string[] = []): void {
  for (const ns of ['default', 'kube-system', ...namespaces]) s.create('v1', 'namespaces', undefined, { metadata: { name: ns } });
  const now = isoNow(s.now());
  const node = (name: string, os: string, extra: KObject) => ({
    metadata: {
      name,
      labels: { 'kubernetes.io/os': os, 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'beta.kubernetes.io/os': os, 'beta.kubernetes.io/arch': 'amd64', ...(extra.labels ?? {}) },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: extra.cidr, podCIDRs: [extra.cidr], ...(extra.taints ? { taints: extra.taints } : {}) },
    status: {
      capacity: { cpu: '4', memory: '16331512Ki', pods: '110', 'ephemeral-storage': '102687672Ki' },
      allocatable: { cpu: '4', memory: '16229112Ki', pods: '110', 'ephemeral-storage': '94636958592' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'DiskPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
        { type: 'PIDPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: hostIPOf(name) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: createHash('md5').update(name).digest('hex'), systemUUID: createHash('md5').update(`uuid-${name}`).digest('hex'), bootID: createHash('md5').update(`boot-${name}`).digest('hex'), kernelVersion: extra.kernel, osImage: extra.osImage, containerRuntimeVersion: 'containerd://1.7.24', kubeletVersion: 'v1.33.1', kubeProxyVersion: 'v1.33.1', operatingSystem: os, architecture: 'amd64' },
    },
  });
  s.create('v1', 'nodes', undefined, node(LINUX_NODE, 'linux', { cidr: '10.244.0.0/24', kernel: '6.1.0-emulated', osImage: 'Debian GNU/Linux 12 (bookworm)', labels: { 'node-role.kubernetes.io/worker': '' } }));
  for (const [i, name] of moreLinuxNodes.entries()) s.create('v1', 'nodes', undefined, node(name, 'linux', { cidr: `10.244.${i + 2}.0/24`, kernel: '6.1.0-emulated', osImage: 'Debian GNU/Linux 12 (bookworm)', labels: { 'node-role.kubernetes.io/worker': '' } }));
  s.create('v1', 'nodes', undefined, node(WINDOWS_NODE, 'windows', { cidr: '10.244.1.0/24', kernel: '10.0.20348.2849', osImage: 'Windows Server 2022 Datacenter', labels: { 'node.kubernetes.io/windows-build': '10.0.20348', 'node-role.kubernetes.io/worker': '' }, taints: [{ key: 'os', value: 'windows', effect: 'NoSchedule' }] }));
  seedRbac(s);
}

function seedRbac(s: Seeder): void {
  const rbac = 'rbac.authorization.k8s.io/v1';
  s.create(rbac, 'clusterroles', undefined, { metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] });
  s.create(rbac, 'clusterrolebindings', undefined, { metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }] });
  // Read-only: like the built-in `view` role (no exec, no attach, no ephemeral containers, no secrets), plus nodes and namespaces.
  s.create(rbac, 'clusterroles', undefined, {
    metadata: { name: 'demo-readonly' },
    rules: [
      { apiGroups: [''], resources: ['pods', 'pods/log', 'pods/status', 'services', 'configmaps', 'events', 'serviceaccounts', 'namespaces', 'nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  s.create(rbac, 'clusterrolebindings', undefined, { metadata: { name: 'demo-readonly' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'demo-readonly' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'demo-readonly' }] });
}

export function ownerRef(kind: string, apiVersion: string, obj: KObject): KObject {
  return { apiVersion, kind, name: obj.metadata.name, uid: obj.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function ctr(name: string, image: string, extra: KObject = {}): KObject {
  return { name, image, ...extra };
}

export interface PodPlan {
  namespace: string;
  name: string;
  /** false: metadata-only (never handed to the runtime) */
  processes: boolean;
}

/** The demo scenario. Returns the pods whose containers the runtime must start. */
export function seedDemo(s: Seeder): PodPlan[] {
  seedCommon(s, ['demo', 'demo-workloads']);
  const plans: PodPlan[] = [];
  const pod = (ns: string, name: string, spec: KObject, meta: KObject = {}, processes = true, status?: KObject) => {
    s.create('v1', 'pods', ns, { metadata: { name, namespace: ns, ...meta }, spec, ...(status ? { status } : {}) });
    plans.push({ namespace: ns, name, processes });
  };
  const demo = 'demo';
  pod(demo, 'standard-app', { containers: [ctr('app', IMAGES.standard)] }, { labels: { app: 'standard-app' } });
  pod(demo, 'alpine-app', { containers: [ctr('app', IMAGES.alpine)] }, { labels: { app: 'alpine-app' } });
  pod(demo, 'minimal-app', { containers: [ctr('app', IMAGES.minimal)] }, { labels: { app: 'minimal-app' } });
  // runAsUser on the container, not the pod: a pod-level runAsUser would also apply to `kubectl debug` helpers, which
  // then could not chroot (as on a real cluster).
  pod(demo, 'distroless-app', { containers: [ctr('app', IMAGES.distroless, { securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 } })] }, { labels: { app: 'distroless-app' } });
  pod(demo, 'multi-app', { containers: [ctr('app', IMAGES.standard), ctr('sidecar', IMAGES.alpine)] }, { labels: { app: 'multi-app' }, annotations: { 'kubectl.kubernetes.io/default-container': 'app' } });
  // scanner: a scanner sidecar as users configure one. Reading app's root (uid 65532 from its image) from root needs
  // CAP_SYS_PTRACE (kernel ptrace access check), so it adds it, like Kube Compliance's own kc-scanner sidecar.
  pod(demo, 'shared-pid-app', { shareProcessNamespace: true, containers: [ctr('app', IMAGES.distroless), ctr('scanner', IMAGES.busybox, { command: SLEEP, securityContext: { capabilities: { add: ['SYS_PTRACE'] } } })] }, { labels: { app: 'shared-pid-app' }, annotations: { 'kubectl.kubernetes.io/default-container': 'app' } });
  pod(demo, 'stopped-app', { containers: [ctr('app', IMAGES.standard, { command: ['/bin/sh', '-c', 'echo "config file /etc/app/config.yaml not found" >&2; exit 1'] })] }, { labels: { app: 'stopped-app' } });
  pod(demo, 'windows-app', { nodeSelector: { 'kubernetes.io/os': 'windows' }, tolerations: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }], containers: [ctr('app', IMAGES.windows, { command: ['cmd.exe', '/c', 'ping -t localhost > NUL'] })] }, { labels: { app: 'windows-app' } });
  pod(
    demo,
    'sandboxed-app',
    { containers: [ctr('app', IMAGES.standard, { securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'kc-deny-exec' } } })] },
    { labels: { app: 'sandboxed-app' }, annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'localhost/kc-deny-exec' } },
  );

  // Deployment web → ReplicaSet → 3 pods
  const webLabels = { app: 'web' };
  const webTemplate = { metadata: { labels: webLabels }, spec: { containers: [ctr('web', IMAGES.standard, { ports: [{ containerPort: 8080, protocol: 'TCP' }] })] } };
  const dep = s.create('apps/v1', 'deployments', demo, {
    metadata: { name: 'web', labels: webLabels, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: { replicas: 3, selector: { matchLabels: webLabels }, template: webTemplate, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-7c9d8f6b5d" has successfully progressed.' }] },
  });
  const hash = '7c9d8f6b5d';
  const rsLabels = { ...webLabels, 'pod-template-hash': hash };
  const rs = s.create('apps/v1', 'replicasets', demo, {
    metadata: { name: `web-${hash}`, labels: rsLabels, annotations: { 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4', 'deployment.kubernetes.io/revision': '1' }, ownerReferences: [ownerRef('Deployment', 'apps/v1', dep)] },
    spec: { replicas: 3, selector: { matchLabels: rsLabels }, template: { ...webTemplate, metadata: { labels: rsLabels } } },
    status: { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 },
  });
  for (const sfx of ['4xkqp', '9m2wz', 'tq7ln']) {
    pod(demo, `web-${hash}-${sfx}`, structuredClone(webTemplate.spec), { labels: rsLabels, generateName: `web-${hash}-`, ownerReferences: [ownerRef('ReplicaSet', 'apps/v1', rs)] });
  }

  // demo-workloads: StatefulSet, DaemonSet, Job, CronJob
  const wl = 'demo-workloads';
  const dbLabels = { app: 'db' };
  const sts = s.create('apps/v1', 'statefulsets', wl, {
    metadata: { name: 'db', labels: dbLabels },
    spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: dbLabels }, podManagementPolicy: 'OrderedReady', template: { metadata: { labels: dbLabels }, spec: { containers: [ctr('db', IMAGES.alpine)] } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
    status: { observedGeneration: 1, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, availableReplicas: 2, currentRevision: 'db-6d4b8c7f9', updateRevision: 'db-6d4b8c7f9', collisionCount: 0 },
  });
  for (const i of [0, 1]) {
    pod(wl, `db-${i}`, { hostname: `db-${i}`, subdomain: 'db', containers: [ctr('db', IMAGES.alpine)] }, { labels: { ...dbLabels, 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': 'db-6d4b8c7f9', 'statefulset.kubernetes.io/pod-name': `db-${i}` }, generateName: 'db-', ownerReferences: [ownerRef('StatefulSet', 'apps/v1', sts)] });
  }
  const agentLabels = { app: 'node-agent' };
  const ds = s.create('apps/v1', 'daemonsets', wl, {
    metadata: { name: 'node-agent', labels: agentLabels },
    spec: { selector: { matchLabels: agentLabels }, template: { metadata: { labels: agentLabels }, spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [ctr('agent', IMAGES.minimal)] } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
    status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, observedGeneration: 1, updatedNumberScheduled: 1, numberAvailable: 1 },
  });
  pod(wl, 'node-agent-x7k2p', { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [ctr('agent', IMAGES.minimal)] }, { labels: { ...agentLabels, 'controller-revision-hash': '5f6c8d9b7', 'pod-template-generation': '1' }, generateName: 'node-agent-', ownerReferences: [ownerRef('DaemonSet', 'apps/v1', ds)] });

  const t0 = s.now() - 3600_000;
  const completedPod = (ns: string, name: string, job: KObject, container: KObject) => {
    const started = isoNow(t0);
    const finished = isoNow(t0 + 4000);
    const podSpec = { restartPolicy: 'Never', containers: [container] };
    const ip = nextPodIP(LINUX_NODE);
    pod(
      ns,
      name,
      podSpec,
      { labels: { 'batch.kubernetes.io/job-name': job.metadata.name, 'job-name': job.metadata.name, 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'controller-uid': job.metadata.uid }, generateName: `${job.metadata.name}-`, ownerReferences: [ownerRef('Job', 'batch/v1', job)] },
      false,
      {
        phase: 'Succeeded',
        hostIP: hostIPOf(LINUX_NODE),
        hostIPs: [{ ip: hostIPOf(LINUX_NODE) }],
        podIP: ip,
        podIPs: [{ ip }],
        startTime: started,
        qosClass: 'BestEffort',
        containerStatuses: [containerStatusFor(container, { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: finished, containerID: `containerd://${createHash('sha256').update(`${ns}/${name}`).digest('hex')}` } }, { containerID: `containerd://${createHash('sha256').update(`${ns}/${name}`).digest('hex')}` })],
      },
    );
  };
  const jobSpec = (c: KObject) => ({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, template: { spec: { restartPolicy: 'Never', containers: [c] } } });
  const jobStatus = { startTime: isoNow(t0), completionTime: isoNow(t0 + 5000), succeeded: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {}, conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: isoNow(t0 + 5000), lastTransitionTime: isoNow(t0 + 5000) }, { type: 'Complete', status: 'True', lastProbeTime: isoNow(t0 + 5000), lastTransitionTime: isoNow(t0 + 5000) }] };
  const migrateCtr = ctr('migrate', IMAGES.standard, { command: ['/bin/sh', '-c', 'echo migrated'] });
  const job = s.create('batch/v1', 'jobs', wl, { metadata: { name: 'migrate', labels: { app: 'migrate' } }, spec: jobSpec(migrateCtr), status: jobStatus });
  completedPod(wl, 'migrate-q8r5t', job, migrateCtr);

  const reportCtr = ctr('report', IMAGES.alpine, { command: ['/bin/sh', '-c', 'date; echo report done'] });
  const cron = s.create('batch/v1', 'cronjobs', wl, {
    metadata: { name: 'nightly-report' },
    spec: { schedule: '0 2 * * *', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [reportCtr] } } } } },
    status: { lastScheduleTime: isoNow(t0), lastSuccessfulTime: isoNow(t0 + 5000) },
  });
  const cjJob = s.create('batch/v1', 'jobs', wl, { metadata: { name: 'nightly-report-29410560', labels: { 'batch.kubernetes.io/cronjob': 'nightly-report' }, ownerReferences: [ownerRef('CronJob', 'batch/v1', cron)] }, spec: jobSpec(reportCtr), status: jobStatus });
  completedPod(wl, 'nightly-report-29410560-hb6wd', cjJob, reportCtr);
  return plans;
}

/** Scale scenario: `pods` metadata-only pods spread over `namespaces` namespaces, each namespace one Deployment → ReplicaSet → pods. */
export function seedScale(s: Seeder, namespaces: number, pods: number): PodPlan[] {
  const names = Array.from({ length: namespaces }, (_, i) => `scale-${String(i + 1).padStart(4, '0')}`);
  seedCommon(s, names);
  const plans: PodPlan[] = [];
  const started = isoNow(s.now() - 600_000);
  names.forEach((ns, i) => {
    const count = Math.floor(pods / namespaces) + (i < pods % namespaces ? 1 : 0);
    const labels = { app: 'svc' };
    const image = [IMAGES.standard, IMAGES.alpine, IMAGES.minimal, IMAGES.distroless][i % 4];
    const template = { metadata: { labels }, spec: { containers: [ctr('app', image)] } };
    const dep = s.create('apps/v1', 'deployments', ns, { metadata: { name: 'svc', labels }, spec: { replicas: count, selector: { matchLabels: labels }, template }, status: { observedGeneration: 1, replicas: count, updatedReplicas: count, readyReplicas: count, availableReplicas: count } });
    const hash = createHash('sha1').update(ns).digest('hex').slice(0, 10);
    const rsLabels = { ...labels, 'pod-template-hash': hash };
    const rs = s.create('apps/v1', 'replicasets', ns, { metadata: { name: `svc-${hash}`, labels: rsLabels, ownerReferences: [ownerRef('Deployment', 'apps/v1', dep)] }, spec: { replicas: count, selector: { matchLabels: rsLabels }, template: { ...template, metadata: { labels: rsLabels } } }, status: { replicas: count, readyReplicas: count, availableReplicas: count } });
    for (let j = 0; j < count; j++) {
      const name = `svc-${hash}-${String(j).padStart(5, '0')}`;
      const c = ctr('app', image);
      const ip = nextPodIP(LINUX_NODE);
      const cid = `containerd://${createHash('sha256').update(`${ns}/${name}`).digest('hex')}`;
      s.create('v1', 'pods', ns, {
        metadata: { name, generateName: `svc-${hash}-`, labels: rsLabels, ownerReferences: [ownerRef('ReplicaSet', 'apps/v1', rs)] },
        spec: { containers: [c] },
        status: { phase: 'Running', hostIP: hostIPOf(LINUX_NODE), hostIPs: [{ ip: hostIPOf(LINUX_NODE) }], podIP: ip, podIPs: [{ ip }], startTime: started, qosClass: 'BestEffort', containerStatuses: [containerStatusFor(c, { running: { startedAt: started } }, { ready: true, containerID: cid })] },
      });
      plans.push({ namespace: ns, name, processes: false });
    }
  });
  return plans;
}

export function resourceOf(apiVersion: string, resource: string) {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const def = findResource(g, v, resource);
  if (!def) throw new Error(`unknown resource ${apiVersion} ${resource}`);
  return def;
}
