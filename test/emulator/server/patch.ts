// The three patch algorithms of PATCH requests (and of pods/ephemeralcontainers): JSON patch (RFC 6902: add, replace,
// remove, test), JSON merge patch (RFC 7386) and strategic merge patch (merge patch with lists merged by the common
// merge keys, `$patch: delete`); server-side apply is a strategic merge of the YAML body.
import type { KObject } from '../contract';
import { HttpError, parseJson, parseYaml } from './http';

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  containerStatuses: 'name',
  ephemeralContainerStatuses: 'name',
  initContainerStatuses: 'name',
  ownerReferences: 'uid',
  tolerations: 'key',
};

function isObj(x: unknown): x is KObject {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

function mergePatch(target: unknown, patch: unknown, strategic: boolean, key?: string): unknown {
  if (!isObj(patch)) {
    if (strategic && Array.isArray(patch) && Array.isArray(target) && key && MERGE_KEYS[key]) {
      const mk = MERGE_KEYS[key];
      const out = target.map((x) => structuredClone(x));
      for (const item of patch) {
        if (!isObj(item)) continue;
        const idx = out.findIndex((x) => isObj(x) && x[mk] === item[mk]);
        if (item.$patch === 'delete') {
          if (idx >= 0) out.splice(idx, 1);
        } else if (idx >= 0) out[idx] = mergePatch(out[idx], item, true);
        else out.push(mergePatch({}, item, true));
      }
      return out;
    }
    return patch;
  }
  const out: KObject = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (strategic && k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, strategic, k);
  }
  return out;
}

function pointer(path: string): string[] {
  return path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatch(doc: KObject, ops: KObject[]): KObject {
  if (!Array.isArray(ops)) throw new HttpError(400, 'BadRequest', 'json patch must be an array of operations');
  for (const op of ops) {
    const parts = pointer(op.path ?? '');
    const last = parts.pop()!;
    let parent: KObject = doc;
    for (const p of parts) {
      parent = parent?.[Array.isArray(parent) ? Number(p) : p];
      if (parent === undefined) throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing path: ${op.path}`);
    }
    const arr = Array.isArray(parent);
    switch (op.op) {
      case 'add':
        if (arr) (parent as unknown as unknown[]).splice(last === '-' ? (parent as unknown as unknown[]).length : Number(last), 0, op.value);
        else parent[last] = op.value;
        break;
      case 'replace':
        parent[arr ? Number(last) : last] = op.value;
        break;
      case 'remove':
        if (arr) (parent as unknown as unknown[]).splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${op.path} failed`);
        break;
      default:
        throw new HttpError(400, 'BadRequest', `unsupported json patch operation "${op.op}"`);
    }
  }
  return doc;
}

export function applyPatch(doc: KObject, body: Buffer, contentType: string): KObject {
  const ct = contentType.split(';')[0].trim();
  if (ct === 'application/apply-patch+yaml') return mergePatch(doc, parseYaml(body), true) as KObject;
  const patch = parseJson(body);
  if (ct === 'application/json-patch+json') return jsonPatch(doc, patch as unknown as KObject[]);
  if (ct === 'application/merge-patch+json') return mergePatch(doc, patch, false) as KObject;
  if (ct === 'application/strategic-merge-patch+json') return mergePatch(doc, patch, true) as KObject;
  throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`);
}
