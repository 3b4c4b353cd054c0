// Generic CRUD for every resource in resources.ts: get, list (selectors, limit/continue, tables), watch (history,
// bookmarks, timeouts), create (per-kind defaults, Pod Security admission), update, patch, delete (cascading by
// ownerReferences and namespace) and deletecollection.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { imageIDFor, type KObject } from '../contract';
import { containerDefaults, isoNow, podInitialStatus, podSpecDefaults, randomSuffix, recomputePodStatus } from '../objects';
import { enforcePolicy, forbiddenMessage, podSecurityViolations } from '../pod-security';
import { apiVersionOf, findResource, type ResourceDef } from '../resources';
import { parseFieldSelector, parseLabelSelector, SelectorError } from '../selectors';
import type { WatchEvent } from '../store';
import { toTable } from '../tables';
import { HttpError, invalid, notFound, qualified, sendJson, sendText, statusObject, type Query } from './http';
import type { ServerOptions } from './index';
import { applyPatch } from './patch';

export class Crud {
  constructor(private readonly o: ServerOptions) {}

  // ---------------------------------------------------------------- read

  getOne(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, name: string): void {
    const obj = this.o.store.get(def.resource, ns, name);
    if (!obj) throw notFound(def, name);
    if (wantsTable(req)) return sendJson(res, 200, toTable(def.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, this.o.store.now(), tableInclude(req)));
    sendText(res, 200, this.o.store.json(def.resource, ns, name)!);
  }

  list(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, q: Query): void {
    const store = this.o.store;
    const label = selector(() => parseLabelSelector(q.get('labelSelector')));
    const field = selector(() => parseFieldSelector(def.resource, q.get('fieldSelector')));
    const limit = Math.max(0, Number(q.get('limit') ?? 0) || 0);
    let after: string | undefined;
    let listRV = store.resourceVersion;
    const cont = q.get('continue');
    if (cont) {
      try {
        const c = JSON.parse(Buffer.from(cont, 'base64').toString());
        after = String(c.start).replace(/\0$/, '');
        listRV = Number(c.rv) || listRV;
      } catch {
        throw new HttpError(400, 'BadRequest', 'continue key is not valid: illegal base64 data at input byte 0');
      }
    }
    const matches = (o: KObject) => (!label || label(o)) && (!field || field(o));
    const items: { obj: KObject; json: () => string }[] = [];
    let lastKey: string | undefined;
    let remaining = 0;
    for (const it of store.iterate(def.resource, ns, after)) {
      if (!matches(it.obj)) continue;
      if (limit && items.length >= limit) {
        remaining++;
        continue;
      }
      items.push(it);
      lastKey = it.key;
    }
    const meta: KObject = { resourceVersion: String(listRV) };
    if (remaining > 0 && lastKey !== undefined) {
      meta.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: listRV, start: `${lastKey}\0` })).toString('base64');
      if (!label && !field) meta.remainingItemCount = remaining;
    }
    if (wantsTable(req)) {
      return sendJson(res, 200, toTable(def.resource, items.map((i) => i.obj), meta, store.now(), tableInclude(req)));
    }
    const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def)}","metadata":${JSON.stringify(meta)},"items":[`;
    const parts: string[] = [head];
    for (let i = 0; i < items.length; i++) parts.push(i ? ',' : '', items[i].json());
    parts.push(']}\n');
    sendText(res, 200, parts.join(''));
  }

  watch(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, q: Query, name?: string): void {
    const store = this.o.store;
    const label = selector(() => parseLabelSelector(q.get('labelSelector')));
    const field = selector(() => parseFieldSelector(def.resource, q.get('fieldSelector')));
    const matches = (o: KObject) => (!name || o.metadata?.name === name) && (!label || label(o)) && (!field || field(o));
    const table = wantsTable(req);
    const include = tableInclude(req);
    const rvParam = q.get('resourceVersion');
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const seen = new Set<string>();
    const write = (type: string, obj: KObject, json?: string) => {
      const payload = table ? JSON.stringify(toTable(def.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, store.now(), include)) : (json ?? JSON.stringify(obj));
      res.write(`{"type":"${type}","object":${payload}}\n`);
    };
    const deliver = (ev: WatchEvent) => {
      const key = `${ev.namespace}/${ev.obj.metadata.name}`;
      const m = matches(ev.obj);
      if (ev.type === 'DELETED') {
        if (m || seen.has(key)) write('DELETED', ev.obj, ev.json);
        seen.delete(key);
      } else if (m) {
        write(ev.type === 'MODIFIED' && seen.has(key) ? 'MODIFIED' : 'ADDED', ev.obj, ev.json);
        seen.add(key);
      } else if (seen.has(key)) {
        write('DELETED', ev.obj, ev.json);
        seen.delete(key);
      }
    };
    if (!rvParam || rvParam === '0') {
      for (const it of store.iterate(def.resource, ns)) {
        if (!matches(it.obj)) continue;
        seen.add(`${it.obj.metadata.namespace ?? ''}/${it.obj.metadata.name}`);
        write('ADDED', it.obj, it.json());
      }
    } else {
      const rv = Number(rvParam);
      const past = store.eventsSince(def.resource, ns, rv);
      if (!past) {
        write('ERROR', statusObject(410, 'Expired', `too old resource version: ${rv} (${store.oldestWatchable})`));
        res.end();
        return;
      }
      // Objects that matched at `rv` count as seen, so a later mismatch reads as DELETED.
      for (const it of store.iterate(def.resource, ns)) if (matches(it.obj) && Number(it.obj.metadata.resourceVersion) <= rv) seen.add(`${it.obj.metadata.namespace ?? ''}/${it.obj.metadata.name}`);
      for (const ev of past) deliver(ev);
    }
    const unsubscribe = store.watch({ res: def.resource, namespace: ns, send: deliver });
    let bookmark: NodeJS.Timeout | undefined;
    if (q.get('allowWatchBookmarks') === 'true') {
      bookmark = setInterval(() => res.write(`{"type":"BOOKMARK","object":{"kind":"${def.kind}","apiVersion":"${apiVersionOf(def)}","metadata":{"resourceVersion":"${store.resourceVersion}"}}}\n`), 30000);
    }
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      if (bookmark) clearInterval(bookmark);
    };
    // (not req 'close': an IncomingMessage closes once its body was read)
    res.once('close', done);
  }

  // ---------------------------------------------------------------- write

  /** The image a new container pulls: the registry's digest, `''` when the pull fails (as kubelet reports it), else `imageIDFor`. */
  imageIDOf(image: string): string {
    const pulled = this.o.images?.pull(image);
    return pulled ? ('imageID' in pulled ? pulled.imageID : '') : imageIDFor(image);
  }

  /** Creates an object with the defaults of its kind. Also used by the scenarios. */
  create(def: ResourceDef, ns: string | undefined, obj: KObject, opts: { dryRun?: boolean; seed?: boolean } = {}): KObject {
    const store = this.o.store;
    if (!obj || typeof obj !== 'object') throw new HttpError(400, 'BadRequest', 'the body of the request was in an unknown format');
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    const md = (obj.metadata ??= {});
    if (def.namespaced) {
      if (md.namespace && ns && md.namespace !== ns) throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      md.namespace = ns ?? md.namespace;
      if (!store.get('namespaces', undefined, md.namespace)) throw new HttpError(404, 'NotFound', `namespaces "${md.namespace}" not found`, { name: md.namespace, kind: 'namespaces' });
    } else delete md.namespace;
    if (!md.name && md.generateName) md.name = md.generateName + randomSuffix();
    if (!md.name) throw invalid(def, '', 'metadata.name', 'Required value: name or generateName is required');
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(md.name) && def.resource !== 'rolebindings' && !def.resource.startsWith('cluster') && def.resource !== 'roles') {
      throw invalid(def, md.name, 'metadata.name', `Invalid value: "${md.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
    }
    if (store.get(def.resource, md.namespace, md.name)) {
      throw new HttpError(409, 'AlreadyExists', `${qualified(def)} "${md.name}" already exists`, { name: md.name, ...(def.group ? { group: def.group } : {}), kind: def.resource });
    }
    delete md.resourceVersion;
    delete md.uid;
    delete md.creationTimestamp;
    const now = store.now();
    switch (def.resource) {
      case 'pods':
        if (!Array.isArray(obj.spec?.containers) || !obj.spec.containers.length) throw invalid(def, md.name, 'spec.containers', 'Required value');
        podSpecDefaults(obj);
        if (!opts.seed) this.admitPodSecurity(obj);
        if (opts.seed && obj.status) recomputePodStatus(obj, now);
        else podInitialStatus(obj, now, (image) => this.imageIDOf(image));
        break;
      case 'namespaces':
        md.labels = { ...(md.labels ?? {}), 'kubernetes.io/metadata.name': md.name };
        obj.spec ??= { finalizers: ['kubernetes'] };
        obj.status = { phase: 'Active' };
        break;
      case 'rolebindings':
      case 'clusterrolebindings':
        if (!obj.roleRef?.kind || !obj.roleRef?.name) throw invalid(def, md.name, 'roleRef.name', 'Required value');
        obj.roleRef.apiGroup ??= 'rbac.authorization.k8s.io';
        break;
      case 'roles':
      case 'clusterroles':
        obj.rules ??= [];
        break;
      case 'jobs':
        if (!opts.seed) jobDefaults(def, obj);
        break;
      case 'deployments':
      case 'replicasets':
      case 'statefulsets':
        obj.spec ??= {};
        obj.spec.replicas ??= 1;
        (obj.spec.template?.spec?.containers ?? []).forEach(containerDefaults);
        obj.status ??= {};
        break;
    }
    if (!opts.seed) this.admitQuota(def, obj);
    if (opts.dryRun) return obj;
    store.create(def.resource, obj, { quiet: opts.seed });
    if (def.resource === 'namespaces') {
      this.create(findResource('', 'v1', 'serviceaccounts')!, md.name, { metadata: { name: 'default' } }, { seed: opts.seed });
    }
    if (def.resource === 'pods' && !opts.seed) this.o.hooks.podCreated(obj);
    return obj;
  }

  replace(def: ResourceDef, ns: string | undefined, name: string, obj: KObject, statusOnly: boolean): KObject {
    const store = this.o.store;
    const cur = store.get(def.resource, ns, name);
    if (!cur) throw notFound(def, name);
    if (obj?.metadata?.name && obj.metadata.name !== name) throw new HttpError(400, 'BadRequest', `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    if (obj?.metadata?.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, ...(def.group ? { group: def.group } : {}), kind: def.resource });
    }
    return store.update(def.resource, ns, name, (o) => {
      const next: KObject = statusOnly ? { ...o, status: obj.status } : { ...obj, status: def.subresources?.status ? o.status : obj.status };
      next.apiVersion = o.apiVersion;
      next.kind = o.kind;
      next.metadata = statusOnly ? o.metadata : { ...obj.metadata, name, uid: o.metadata.uid, creationTimestamp: o.metadata.creationTimestamp, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
      if (!statusOnly && o.metadata.generation !== undefined && JSON.stringify(o.spec) !== JSON.stringify(next.spec)) next.metadata.generation = o.metadata.generation + 1;
      else if (o.metadata.generation !== undefined) next.metadata.generation = o.metadata.generation;
      return next;
    })!;
  }

  patch(def: ResourceDef, ns: string | undefined, name: string, body: Buffer, contentType: string, statusOnly: boolean): KObject {
    const cur = this.o.store.get(def.resource, ns, name);
    if (!cur) throw notFound(def, name);
    const next = applyPatch(structuredClone(cur), body, contentType);
    next.metadata = { ...next.metadata, resourceVersion: cur.metadata.resourceVersion };
    return this.replace(def, ns, name, next, statusOnly);
  }

  deleteOne(def: ResourceDef, ns: string | undefined, name: string): KObject {
    const obj = this.o.store.get(def.resource, ns, name);
    if (!obj) throw notFound(def, name);
    this.removeCascading(def.resource, obj);
    if (def.resource === 'pods' || def.resource === 'namespaces') {
      return { ...obj, metadata: { ...obj.metadata, deletionTimestamp: isoNow(this.o.store.now()), deletionGracePeriodSeconds: 0 } };
    }
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(def.group ? { group: def.group } : {}), kind: def.resource, uid: obj.metadata.uid } };
  }

  /** Deletes an object, the objects it owns (garbage collection by ownerReferences) and, for a namespace, its contents. */
  removeCascading(res: string, obj: KObject): void {
    const store = this.o.store;
    const { namespace, name, uid } = obj.metadata;
    if (!store.delete(res, namespace, name)) return;
    if (res === 'pods') this.o.hooks.podDeleted(namespace, name);
    const dependents: { res: string; obj: KObject }[] = [];
    for (const it of store.all()) {
      if (res === 'namespaces' && it.obj.metadata.namespace === name) dependents.push(it);
      else if ((it.obj.metadata.ownerReferences ?? []).some((r: KObject) => r.uid === uid)) dependents.push(it);
    }
    for (const d of dependents) this.removeCascading(d.res, d.obj);
  }

  deleteCollection(def: ResourceDef, ns: string | undefined, q: Query): KObject {
    const label = selector(() => parseLabelSelector(q.get('labelSelector')));
    const field = selector(() => parseFieldSelector(def.resource, q.get('fieldSelector')));
    const victims = [...this.o.store.iterate(def.resource, ns)].map((i) => i.obj).filter((o) => (!label || label(o)) && (!field || field(o)));
    for (const v of victims) this.removeCascading(def.resource, v);
    return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.o.store.resourceVersion) }, items: victims };
  }

  /**
   * ResourceQuota admission for object counts (kubernetes/kubernetes plugin/pkg/admission/resourcequota/controller.go
   * and pkg/quota/v1/evaluator/core): `count/<resource>[.<group>]` — and `pods`, `configmaps`, `secrets`,
   * `services`, `persistentvolumeclaims` for the core group — limit how many such objects the namespace may hold; a
   * create that would exceed one is refused 403 `exceeded quota: NAME, requested: R=1, used: R=N, limited: R=H`.
   * Counted from the store at each create (the real plugin uses the quota's status.used, which the controller keeps
   * up to date); compute-resource quotas (cpu, memory) are not evaluated.
   */
  admitQuota(def: ResourceDef, obj: KObject): void {
    const ns = obj.metadata?.namespace;
    if (!def.namespaced || !ns || def.resource === 'resourcequotas') return;
    const names = [`count/${def.resource}${def.group ? `.${def.group}` : ''}`, ...(def.group === '' && ['pods', 'configmaps', 'secrets', 'services', 'persistentvolumeclaims'].includes(def.resource) ? [def.resource] : [])];
    for (const { obj: q } of this.o.store.iterate('resourcequotas', ns)) {
      for (const r of names) {
        const hard = q.spec?.hard?.[r];
        if (hard === undefined) continue;
        const limit = Number(hard);
        let used = 0;
        for (const { obj: o } of this.o.store.iterate(def.resource, ns)) {
          if (def.resource !== 'pods' || (o.status?.phase !== 'Succeeded' && o.status?.phase !== 'Failed')) used++;
        }
        if (used + 1 > limit) {
          throw new HttpError(403, 'Forbidden', `${qualified(def)} "${obj.metadata.name ?? ''}" is forbidden: exceeded quota: ${q.metadata.name}, requested: ${r}=1, used: ${r}=${used}, limited: ${r}=${hard}`, { name: obj.metadata.name, ...(def.group ? { group: def.group } : {}), kind: def.resource });
        }
      }
    }
  }

  /** Pod Security admission: 403 when the pod violates its namespace's `pod-security.kubernetes.io/enforce` level. */
  admitPodSecurity(pod: KObject): void {
    const policy = enforcePolicy(this.o.store.get('namespaces', undefined, pod.metadata.namespace));
    const violations = podSecurityViolations(pod, policy.level);
    if (violations.length) throw new HttpError(403, 'Forbidden', forbiddenMessage(pod.metadata.name, policy, violations), { name: pod.metadata.name, kind: 'pods' });
  }
}

function selector<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SelectorError) throw new HttpError(400, 'BadRequest', e.message);
    throw e;
  }
}

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(String(req.headers.accept ?? ''));
}

function tableInclude(req: IncomingMessage): string {
  const m = /[?&]includeObject=(\w+)/.exec(req.url ?? '');
  return m ? m[1] : 'PartialObjectMetadata';
}

/**
 * What the API server does to a new Job (kubernetes/kubernetes pkg/registry/batch/job/strategy.go `PrepareForCreate` →
 * `generateSelector`, pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation/validation.go): the selector on a
 * server-chosen uid, the job-name/controller-uid labels (and their legacy unprefixed twins) on the pod template, the
 * spec defaults, and `restartPolicy` limited to OnFailure/Never.
 */
function jobDefaults(def: ResourceDef, job: KObject): void {
  const md = job.metadata;
  const spec = (job.spec ??= {});
  const tpl = (spec.template ??= {});
  const policy = tpl.spec?.restartPolicy;
  if (!Array.isArray(tpl.spec?.containers) || !tpl.spec.containers.length) throw invalid(def, md.name, 'spec.template.spec.containers', 'Required value');
  if (policy !== 'OnFailure' && policy !== 'Never') {
    throw invalid(def, md.name, 'spec.template.spec.restartPolicy', policy ? `Unsupported value: "${policy}": supported values: "OnFailure", "Never"` : 'Required value: valid values: "OnFailure", "Never"');
  }
  md.uid = randomUUID();
  if (!spec.manualSelector) {
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': md.uid } };
    tpl.metadata = { ...(tpl.metadata ?? {}) };
    tpl.metadata.labels = { ...(tpl.metadata.labels ?? {}), 'batch.kubernetes.io/controller-uid': md.uid, 'batch.kubernetes.io/job-name': md.name, 'controller-uid': md.uid, 'job-name': md.name };
  }
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (!spec.podFailurePolicy) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  tpl.spec.containers.forEach(containerDefaults);
  tpl.spec.terminationGracePeriodSeconds ??= 30;
  tpl.spec.dnsPolicy ??= 'ClusterFirst';
  tpl.spec.securityContext ??= {};
  tpl.spec.schedulerName ??= 'default-scheduler';
  job.status = {};
}
