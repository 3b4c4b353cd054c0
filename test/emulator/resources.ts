// The API resources the emulator serves, and the discovery documents built from them (legacy discovery:
// kubectl falls back to it when /api and /apis answer plain APIVersions / APIGroupList JSON).

export interface ResourceDef {
  group: string;
  version: string;
  /** plural, e.g. `pods` */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  singular: string;
  /** subresource name → kind and verbs */
  subresources?: Record<string, { kind: string; verbs: string[]; group?: string; version?: string }>;
  /** served by a special handler only (no storage): selfsubjectaccessreviews … */
  virtual?: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function def(group: string, version: string, resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceDef> = {}): ResourceDef {
  return { group, version, resource, kind, namespaced, verbs: CRUD, singular: kind.toLowerCase(), ...extra };
}

export const RESOURCES: ResourceDef[] = [
  def('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: { status: { kind: 'Namespace', verbs: ['get', 'patch', 'update'] } } }),
  def('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: { status: { kind: 'Node', verbs: ['get', 'patch', 'update'] } } }),
  def('', 'v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: {
      attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      binding: { kind: 'Binding', verbs: ['create'] },
      ephemeralcontainers: { kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      eviction: { kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
      exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
      log: { kind: 'Pod', verbs: ['get'] },
      portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      status: { kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    },
  }),
  def('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'], subresources: { token: { kind: 'TokenRequest', verbs: ['create'], group: 'authentication.k8s.io', version: 'v1' } } }),
  def('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  def('', 'v1', 'secrets', 'Secret', true),
  def('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'] }),
  def('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  def('', 'v1', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: { status: { kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] } } }),
  def('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: { status: { kind: 'Deployment', verbs: ['get', 'patch', 'update'] } } }),
  def('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: { status: { kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'] } } }),
  def('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'], subresources: { status: { kind: 'StatefulSet', verbs: ['get', 'patch', 'update'] } } }),
  def('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: { status: { kind: 'DaemonSet', verbs: ['get', 'patch', 'update'] } } }),
  def('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'], subresources: { status: { kind: 'Job', verbs: ['get', 'patch', 'update'] } } }),
  def('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], categories: ['all'], subresources: { status: { kind: 'CronJob', verbs: ['get', 'patch', 'update'] } } }),
  def('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  def('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  def('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  def('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  def('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: ['create'], virtual: true }),
  def('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, { verbs: ['create'], virtual: true }),
  def('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, { verbs: ['create'], virtual: true }),
];

export const GROUP_ORDER = ['apps', 'batch', 'rbac.authorization.k8s.io', 'authorization.k8s.io', 'authentication.k8s.io'];

/** `group/resource` (core group: `/pods`) → definition */
const byKey = new Map(RESOURCES.map((r) => [`${r.group}/${r.resource}`, r]));

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  const r = byKey.get(`${group}/${resource}`);
  return r && r.version === version ? r : undefined;
}

export function resourceByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return RESOURCES.find((r) => r.group === g && r.version === v && r.kind === kind);
}

export function apiVersionOf(r: ResourceDef): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: GROUP_ORDER.map((g) => {
      const version = RESOURCES.find((r) => r.group === g)!.version;
      const gv = { groupVersion: `${g}/${version}`, version };
      return { name: g, versions: [gv], preferredVersion: gv };
    }),
  };
}

export function apiGroup(group: string): object | undefined {
  const r = RESOURCES.find((x) => x.group === group && group !== '');
  if (!r) return undefined;
  const gv = { groupVersion: `${group}/${r.version}`, version: r.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv };
}

export function apiResourceList(group: string, version: string): object | undefined {
  const list = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!list.length) return undefined;
  const resources: object[] = [];
  for (const r of list) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      storageVersionHash: Buffer.from(`${group}/${version}/${r.kind}`).toString('base64').slice(0, 11),
    });
    for (const [sub, s] of Object.entries(r.subresources ?? {})) {
      resources.push({
        name: `${r.resource}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

// ---------------------------------------------------------------- OpenAPI v3 (just enough for kubectl apply/create -f)
// kubectl's default `--validate=strict` asks the OpenAPI v3 document of the resource's group-version whether its PATCH
// operation takes the `fieldValidation` query parameter; when it does, kubectl leaves validation to the server and
// needs no schemas. The emulator accepts `fieldValidation` and does not reject unknown fields.

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openapiV3Root(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of RESOURCES) {
    const p = gvPath(r.group, r.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${Buffer.from(p).toString('hex').slice(0, 16).toUpperCase()}` };
  }
  return { paths };
}

export function openapiV3Doc(gv: string): object | undefined {
  const list = RESOURCES.filter((r) => gvPath(r.group, r.version) === gv && !r.virtual);
  if (!list.length) return undefined;
  const q = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  const paths: Record<string, object> = {};
  for (const r of list) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = `/${gv}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    const op = (verb: string, params: string[]) => ({ operationId: `${verb}${r.kind}`, parameters: params.map(q), responses: { '200': { description: 'OK' } }, 'x-kubernetes-action': verb, 'x-kubernetes-group-version-kind': gvk });
    paths[base] = { get: op('list', ['labelSelector', 'fieldSelector', 'limit', 'continue', 'watch']), post: op('post', ['dryRun', 'fieldManager', 'fieldValidation']) };
    paths[`${base}/{name}`] = { get: op('get', []), put: op('put', ['dryRun', 'fieldManager', 'fieldValidation']), patch: op('patch', ['dryRun', 'fieldManager', 'fieldValidation', 'force']), delete: op('delete', ['dryRun', 'gracePeriodSeconds', 'propagationPolicy']) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.1' }, paths, components: { schemas: {} } };
}
