/**
 * THE kind → API table: for every kind the product reads or changes, its API group, version and resource
 * (plural). The explorer's lists, Show YAML and Add Scanner Sidecar all build their paths from here.
 */

export interface KindApi {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** The resource name in paths and RBAC rules. */
  readonly plural: string;
  readonly namespaced: boolean;
}

export const KIND_API = {
  Namespace: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  Pod: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  ReplicaSet: { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  Job: { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true },
  CronJob: { group: 'batch', version: 'v1', plural: 'cronjobs', namespaced: true },
} as const satisfies Record<string, KindApi>;

export type ApiKind = keyof typeof KIND_API;
export function isApiKind(kind: string): kind is ApiKind {
  return Object.prototype.hasOwnProperty.call(KIND_API, kind);
}

/** `/api/v1` for the core group, else `/apis/GROUP/VERSION`. */
export function groupVersionPath(kind: ApiKind): string {
  const k: KindApi = KIND_API[kind];
  return k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
}

/**
 * A kind's collection: in one namespace (`/apis/apps/v1/namespaces/demo/deployments`), or without a namespace
 * across all namespaces (`/api/v1/pods`); a cluster-scoped kind ignores `namespace` (`/api/v1/namespaces`).
 */
export function collectionPath(kind: ApiKind, namespace?: string): string {
  const k: KindApi = KIND_API[kind];
  const ns = k.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(kind)}${ns}/${k.plural}`;
}

/** One object: `…/namespaces/NAMESPACE/PLURAL/NAME`, or `/api/v1/namespaces/NAME` for a namespace (`namespace` ignored). */
export function objectPath(kind: ApiKind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}
