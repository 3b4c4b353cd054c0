/** What "Show YAML" displays: the API path of an object and a secrets-free copy of it. Pure, vscode-free. */
import type { RawObject } from './client';
import { isApiKind, objectPath } from './kinds';

/** An object the explorer can show. */
export interface YamlTarget {
  readonly context: string;
  readonly namespace?: string;
  readonly kind: string;
  readonly name: string;
}

/** The object's API path; undefined for a kind the explorer does not show (e.g. secrets, which are never shown). */
export function apiPath(t: YamlTarget): string | undefined {
  if (!isApiKind(t.kind)) return undefined;
  return objectPath(t.kind, t.namespace ?? 'default', t.name);
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

