// meta.k8s.io/v1 Table output (what `kubectl get` asks for with `Accept: application/json;as=Table;…`), with the
// columns and cell formats of the real API server's printers for the kinds the emulator serves.
import type { KObject } from './contract';

interface Col {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  description: string;
}

export function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const NAME: Col = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Col = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

export function podStatusReason(p: KObject): string {
  let reason: string = p.status?.reason || p.status?.phase || 'Unknown';
  let initializing = false;
  const inits: KObject[] = p.status?.initContainerStatuses ?? [];
  inits.forEach((c, i) => {
    if (c.state?.terminated?.exitCode === 0) return;
    initializing = true;
    if (c.state?.terminated) reason = c.state.terminated.reason ? `Init:${c.state.terminated.reason}` : `Init:ExitCode:${c.state.terminated.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(p.spec?.initContainers ?? []).length}`;
  });
  if (!initializing) {
    let hasRunning = false;
    for (const c of [...(p.status?.containerStatuses ?? [])].reverse()) {
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.state?.running && c.ready) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (p.metadata?.deletionTimestamp) reason = p.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podRow(p: KObject, now: number): unknown[] {
  const statuses: KObject[] = p.status?.containerStatuses ?? [];
  const total = (p.spec?.containers ?? []).length;
  const ready = statuses.filter((c) => c.ready).length;
  let restarts = 0;
  let lastRestart = 0;
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const f = c.lastState?.terminated?.finishedAt;
    if (f) lastRestart = Math.max(lastRestart, Date.parse(f));
  }
  const restartCell = lastRestart && restarts ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : restarts;
  const gates: KObject[] = p.spec?.readinessGates ?? [];
  return [
    p.metadata.name,
    `${ready}/${total}`,
    podStatusReason(p),
    restartCell,
    age(p.metadata.creationTimestamp, now),
    p.status?.podIP || '<none>',
    p.spec?.nodeName || '<none>',
    p.status?.nominatedNodeName || '<none>',
    gates.length ? `0/${gates.length}` : '<none>',
  ];
}

function images(tpl: KObject | undefined): [string, string] {
  const cs: KObject[] = tpl?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

function selectorString(sel: KObject | undefined): string {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.join(',') || '<none>';
}

const WORKLOAD_EXTRA: Col[] = [
  { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
  { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
  { name: 'Selector', type: 'string', priority: 1, description: 'Label selector.' },
];

const TABLES: Record<string, { cols: Col[]; row: (o: KObject, now: number) => unknown[] }> = {
  pods: {
    cols: [
      NAME,
      { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.' },
      { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
      { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
      AGE,
      { name: 'IP', type: 'string', priority: 1, description: 'IP address allocated to the pod.' },
      { name: 'Node', type: 'string', priority: 1, description: 'Name of the node the pod is assigned to.' },
      { name: 'Nominated Node', type: 'string', priority: 1, description: 'Nominated node name.' },
      { name: 'Readiness Gates', type: 'string', priority: 1, description: 'Readiness gates.' },
    ],
    row: podRow,
  },
  namespaces: {
    cols: [NAME, { name: 'Status', type: 'string', description: 'The status of the namespace' }, AGE],
    row: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o.metadata.creationTimestamp, now)],
  },
  nodes: {
    cols: [
      NAME,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      { name: 'Internal-IP', type: 'string', priority: 1, description: 'List of internal IPs.' },
      { name: 'External-IP', type: 'string', priority: 1, description: 'List of external IPs.' },
      { name: 'OS-Image', type: 'string', priority: 1, description: 'OS Image reported by the node.' },
      { name: 'Kernel-Version', type: 'string', priority: 1, description: 'Kernel Version reported by the node.' },
      { name: 'Container-Runtime', type: 'string', priority: 1, description: 'Container Runtime Version reported by the node.' },
    ],
    row: (o, now) => {
      const ready = (o.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready')?.status === 'True';
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length));
      const addr = (t: string) => (o.status?.addresses ?? []).find((a: KObject) => a.type === t)?.address ?? '<none>';
      const ni = o.status?.nodeInfo ?? {};
      return [o.metadata.name, ready ? 'Ready' : 'NotReady', roles.join(',') || '<none>', age(o.metadata.creationTimestamp, now), ni.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), ni.osImage ?? '', ni.kernelVersion ?? '', ni.containerRuntimeVersion ?? ''];
    },
  },
  deployments: {
    cols: [
      NAME,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      { name: 'Up-to-date', type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { name: 'Available', type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
      AGE,
      ...WORKLOAD_EXTRA,
    ],
    row: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o.metadata.creationTimestamp, now), ...images(o.spec?.template), selectorString(o.spec?.selector)],
  },
  replicasets: {
    cols: [
      NAME,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired replicas.' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas.' },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replica set.' },
      AGE,
      ...WORKLOAD_EXTRA,
    ],
    row: (o, now) => [o.metadata.name, o.spec?.replicas ?? 1, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o.metadata.creationTimestamp, now), ...images(o.spec?.template), selectorString(o.spec?.selector)],
  },
  statefulsets: {
    cols: [NAME, { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' }, AGE, ...WORKLOAD_EXTRA.slice(0, 2)],
    row: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, age(o.metadata.creationTimestamp, now), ...images(o.spec?.template)],
  },
  daemonsets: {
    cols: [
      NAME,
      { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod.' },
      { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod.' },
      { name: 'Ready', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.' },
      { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod' },
      { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.' },
      { name: 'Node Selector', type: 'string', description: 'NodeSelector is a selector which must be true for the pod to fit on a node.' },
      AGE,
      ...WORKLOAD_EXTRA,
    ],
    row: (o, now) => {
      const s = o.status ?? {};
      const ns = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      return [o.metadata.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0, s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0, ns, age(o.metadata.creationTimestamp, now), ...images(o.spec?.template), selectorString(o.spec?.selector)];
    },
  },
  jobs: {
    cols: [
      NAME,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      { name: 'Completions', type: 'string', description: 'The desired number of successfully finished pods the job should be run with.' },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      AGE,
      ...WORKLOAD_EXTRA,
    ],
    row: (o, now) => {
      const s = o.status ?? {};
      // kubernetes/kubernetes pkg/printers/internalversion/printers.go printJob: the first condition that holds, in
      // this order (Terminating: a deletionTimestamp), else Running.
      const has = (t: string) => (s.conditions ?? []).some((c: KObject) => c.type === t && c.status === 'True');
      const status = has('Complete') ? 'Complete' : has('Failed') ? 'Failed' : o.metadata.deletionTimestamp ? 'Terminating' : has('Suspended') ? 'Suspended' : has('FailureTarget') ? 'FailureTarget' : has('SuccessCriteriaMet') ? 'SuccessCriteriaMet' : 'Running';
      const dur = s.startTime && s.completionTime ? age(s.startTime, Date.parse(s.completionTime)) : s.startTime ? age(s.startTime, now) : '';
      return [o.metadata.name, status, `${s.succeeded ?? 0}/${o.spec?.completions ?? 1}`, dur, age(o.metadata.creationTimestamp, now), ...images(o.spec?.template), selectorString(o.spec?.selector)];
    },
  },
  cronjobs: {
    cols: [
      NAME,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format.' },
      { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule.' },
      { name: 'Suspend', type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions.' },
      { name: 'Active', type: 'integer', description: 'A list of pointers to currently running jobs.' },
      { name: 'Last Schedule', type: 'string', description: 'Information when was the last time the job was successfully scheduled.' },
      AGE,
      ...WORKLOAD_EXTRA,
    ],
    row: (o, now) => [
      o.metadata.name,
      o.spec?.schedule ?? '',
      o.spec?.timeZone ?? '<none>',
      o.spec?.suspend ?? false,
      (o.status?.active ?? []).length,
      o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, now) : '<none>',
      age(o.metadata.creationTimestamp, now),
      ...images(o.spec?.jobTemplate?.spec?.template),
      '<none>',
    ],
  },
  rolebindings: {
    cols: [
      NAME,
      { name: 'Role', type: 'string', description: 'RoleRef is the Role referenced.' },
      AGE,
      { name: 'Users', type: 'string', priority: 1, description: 'Users in the roleBinding' },
      { name: 'Groups', type: 'string', priority: 1, description: 'Groups in the roleBinding' },
      { name: 'ServiceAccounts', type: 'string', priority: 1, description: 'ServiceAccounts in the roleBinding' },
    ],
    row: (o, now) => {
      const subj = (k: string) => (o.subjects ?? []).filter((s: KObject) => s.kind === k).map((s: KObject) => (k === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');
      return [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o.metadata.creationTimestamp, now), subj('User'), subj('Group'), subj('ServiceAccount')];
    },
  },
  roles: {
    cols: [NAME, { name: 'Created At', type: 'string', format: 'date', description: 'Creation time' }],
    row: (o) => [o.metadata.name, o.metadata.creationTimestamp],
  },
};
TABLES.events = {
  cols: [
    { name: 'Last Seen', type: 'string', description: 'Time when last event occurred' },
    { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future.' },
    { name: 'Reason', type: 'string', description: 'This should be a short, machine understandable string that gives the reason for this event being generated.' },
    { name: 'Object', type: 'string', description: 'The object that this event is about.' },
    { name: 'Subobject', type: 'string', priority: 1, description: 'The subobject that this event is about.' },
    { name: 'Source', type: 'string', priority: 1, description: "The component reporting this event. Should be a short machine understandable string." },
    { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.' },
    { name: 'First Seen', type: 'string', priority: 1, description: 'The time at which the event was first recorded.' },
    { name: 'Count', type: 'string', priority: 1, description: 'The number of times this event has occurred.' },
    { name: 'Name', type: 'string', priority: 1, description: 'Name must be unique within a namespace.' },
  ],
  row: (o, now) => {
    const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
    const count = o.count ?? 1;
    const lastSeen = count > 1 ? `${age(last, now)} (x${count} over ${age(o.firstTimestamp ?? last, now)})` : age(last, now);
    const src = o.source?.component ? `${o.source.component}${o.source.host ? `, ${o.source.host}` : ''}` : (o.reportingComponent ?? '');
    return [lastSeen, o.type ?? '', o.reason ?? '', `${(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`, o.involvedObject?.fieldPath ?? '', src, (o.message ?? '').trim(), age(o.firstTimestamp ?? last, now), count, o.metadata.name];
  },
};
TABLES.clusterrolebindings = TABLES.rolebindings;
TABLES.clusterroles = TABLES.roles;

const DEFAULT = { cols: [NAME, AGE], row: (o: KObject, now: number) => [o.metadata.name, age(o.metadata.creationTimestamp, now)] };

function partial(o: KObject): KObject {
  const { managedFields: _m, ...metadata } = o.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function toTable(res: string, objects: KObject[], listMeta: KObject, now: number, includeObject = 'PartialObjectMetadata', noHeaders = false): KObject {
  const t = TABLES[res] ?? DEFAULT;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    ...(noHeaders ? {} : { columnDefinitions: t.cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })) }),
    rows: objects.map((o) => ({ cells: t.row(o, now), object: includeObject === 'None' ? undefined : includeObject === 'Object' ? o : partial(o) })),
  };
}
