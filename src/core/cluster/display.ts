/** What "Show YAML" displays: the API path of an object and a secrets-free copy of it. Pure, vscode-free. */
import type { RawObject } from './client';

/** An object the explorer can show. */
export interface YamlTarget {
  readonly context: string;
  readonly namespace?: string;
  readonly kind: string;
  readonly name: string;
}

const PATHS: Record<string, [string, string]> = {
  Pod: ['/api/v1', 'pods'],
  Namespace: ['/api/v1', 'namespaces'],
  Deployment: ['/apis/apps/v1', 'deployments'],
  ReplicaSet: ['/apis/apps/v1', 'replicasets'],
  StatefulSet: ['/apis/apps/v1', 'statefulsets'],
  DaemonSet: ['/apis/apps/v1', 'daemonsets'],
  Job: ['/apis/batch/v1', 'jobs'],
  CronJob: ['/apis/batch/v1', 'cronjobs'],
};

export function apiPath(t: YamlTarget): string | undefined {
  const p = PATHS[t.kind];
  if (!p) return undefined;
  const [prefix, plural] = p;
  if (t.kind === 'Namespace') return `${prefix}/namespaces/${encodeURIComponent(t.name)}`;
  return `${prefix}/namespaces/${encodeURIComponent(t.namespace ?? 'default')}/${plural}/${encodeURIComponent(t.name)}`;
}

/** Removes noise and anything secret-like from an object before showing it. */
export function sanitizeForDisplay(obj: RawObject): RawObject {
  const copy = JSON.parse(JSON.stringify(obj)) as RawObject;
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    if (copy.metadata.annotations) delete copy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  }
  const hideEnv = (containers: RawObject[] | undefined) => {
    for (const c of containers ?? []) for (const e of c.env ?? []) if (typeof e.value === 'string' && e.value !== '') e.value = '(hidden: literal env values are not shown)';
  };
  const spec = copy.spec?.template?.spec ?? copy.spec?.jobTemplate?.spec?.template?.spec ?? copy.spec;
  if (spec) {
    hideEnv(spec.containers);
    hideEnv(spec.initContainers);
    hideEnv(spec.ephemeralContainers);
  }
  return copy;
}

