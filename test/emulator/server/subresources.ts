// Subresources: pods/log, pods/ephemeralcontainers (merged by name, admitted by Pod Security, started by the runtime),
// status (and other) subresources of any kind, serviceaccounts/token (TokenRequest), the review resources
// (SelfSubjectAccessReview in JSON and protobuf, SelfSubjectRulesReview, SelfSubjectReview), and the pods/exec and
// pods/attach upgrades handed to the container runtime.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KObject, StreamTarget } from '../contract';
import { containerDefaults, containerStatusFor, isoNow, randomSuffix } from '../objects';
import { decodeSelfSubjectAccessReview, decodeSelfSubjectRulesReview, ProtobufError } from '../protobuf';
import type { Attributes, PolicyRule, UserInfo } from '../rbac';
import { findResource, type ResourceDef } from '../resources';
import type { Crud } from './crud';
import { HttpError, invalid, notFound, parseBody, parseJson, sendJson, sendText, type Query } from './http';
import type { ServerOptions } from './index';
import { applyPatch } from './patch';
import { parseResourcePath, type ParsedPath } from './routing';

export class Subresources {
  /** exec upgrades handed to the runtime (benchmarks count exec sessions with it). */
  execUpgrades = 0;
  constructor(
    private readonly o: ServerOptions,
    private readonly crud: Crud,
    private readonly authorize: (user: UserInfo, a: Attributes) => void,
  ) {}

  // ---------------------------------------------------------------- subresources

  async subresource(req: IncomingMessage, res: ServerResponse, def: ResourceDef, p: ParsedPath & { name: string; subresource: string }, method: string, body: Buffer, q: Query): Promise<void> {
    const store = this.o.store;
    const key = `${def.resource}/${p.subresource}`;
    if (key === 'serviceaccounts/token') {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return sendJson(res, 201, this.tokenRequest(def, p.namespace!, p.name, parseBody(body, req)));
    }
    if (key === 'pods/exec' || key === 'pods/attach' || key === 'pods/portforward') {
      throw new HttpError(400, 'BadRequest', 'Upgrade request required');
    }
    const obj = store.get(def.resource, p.namespace, p.name);
    if (!obj) throw notFound(def, p.name);
    if (key === 'pods/log') {
      let ctr = q.get('container') ?? '';
      if (!ctr) {
        if (obj.spec.containers.length !== 1) throw new HttpError(400, 'BadRequest', `a container name must be specified for pod ${p.name}, choose one of: [${obj.spec.containers.map((c: KObject) => c.name).join(' ')}]`);
        ctr = obj.spec.containers[0].name;
      }
      if (!containerNames(obj).includes(ctr)) throw new HttpError(400, 'BadRequest', `container ${ctr} is not valid for pod ${p.name}`);
      const previous = q.get('previous') === 'true';
      const runtime = this.o.runtime;
      const read = (prev: boolean) => (runtime?.readLogs && this.o.hooks.hasProcesses(p.namespace!, p.name) ? runtime.readLogs(p.namespace!, p.name, ctr, { previous: prev }) : '');
      let text = read(previous);
      // A container that is not running (waiting in CrashLoopBackOff, or terminated for good) has no live instance:
      // the kubelet serves the last instance's log, which the runtime keeps as the previous one.
      const state = [...(obj.status?.containerStatuses ?? []), ...(obj.status?.ephemeralContainerStatuses ?? [])].find((c: KObject) => c.name === ctr)?.state;
      if (!previous && !text && (state?.waiting || state?.terminated)) text = read(true) ?? text;
      const status = [...(obj.status?.containerStatuses ?? []), ...(obj.status?.ephemeralContainerStatuses ?? [])].find((c: KObject) => c.name === ctr);
      if (!previous && !text && state?.waiting && !status?.lastState?.terminated) {
        // kubernetes/kubernetes pkg/kubelet/kubelet_pods.go validateContainerLogStatus: a container that never ran has no log.
        const why = state.waiting.reason === 'ErrImagePull' ? "image can't be pulled" : state.waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : state.waiting.reason;
        throw new HttpError(400, 'BadRequest', `container "${ctr}" in pod "${p.name}" is waiting to start: ${why}`);
      }
      if (text === undefined) {
        if (previous) throw new HttpError(400, 'BadRequest', `previous terminated container "${ctr}" in pod "${p.name}" not found`);
        text = '';
      }
      const tail = q.get('tailLines');
      if (tail !== null) {
        const lines = text.split('\n');
        const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
        text = lines.slice(Math.max(0, lines.length - Number(tail))).join('\n') + (trailing !== undefined && lines.length ? '\n' : '');
      }
      const limit = Number(q.get('limitBytes') ?? 0);
      if (limit > 0) text = Buffer.from(text).subarray(0, limit).toString();
      const f = this.o.faults;
      if (f.cutLogAfterBytes && f.cutLogAfterBytes > 0) text = Buffer.from(text).subarray(0, f.cutLogAfterBytes).toString();
      if (f.corruptLogAt && f.corruptLogAt > 0 && text.length > f.corruptLogAt) text = text.slice(0, f.corruptLogAt) + (text[f.corruptLogAt] === 'A' ? 'B' : 'A') + text.slice(f.corruptLogAt + 1);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      if (q.get('follow') === 'true' && !previous && limit <= 0) return this.followLog(res, p.namespace!, p.name, obj.metadata.uid, ctr, text, read);
      res.end(text);
      return;
    }
    if (key === 'pods/ephemeralcontainers') {
      if (method === 'GET') return sendText(res, 200, store.json('pods', p.namespace, p.name)!);
      const patched = method === 'PATCH' ? applyPatch(structuredClone(obj), body, req.headers['content-type'] ?? '') : method === 'PUT' ? parseJson(body) : undefined;
      if (!patched) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return sendJson(res, 200, this.setEphemeralContainers(obj, patched?.spec?.ephemeralContainers ?? []));
    }
    // status (and other) subresources of any kind
    if (method === 'GET') return sendText(res, 200, store.json(def.resource, p.namespace, p.name)!);
    if (method === 'PUT') return sendJson(res, 200, this.crud.replace(def, p.namespace, p.name, parseJson(body), true));
    if (method === 'PATCH') return sendJson(res, 200, this.crud.patch(def, p.namespace, p.name, body, req.headers['content-type'] ?? '', true));
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  /**
   * `follow=true` (kubectl logs -f): the log so far, then what the container writes, until the container instance ends
   * (terminated: the kubelet closes the stream once the container exited; restarted: the new instance is not followed)
   * or the pod is gone (kubernetes/kubernetes pkg/kubelet/kuberuntime/logs: follow stops when the container is not running).
   */
  private followLog(res: ServerResponse, ns: string, pod: string, uid: string, ctr: string, first: string, read: (prev: boolean) => string | undefined): void {
    res.write(first);
    let sent = Buffer.byteLength(first);
    const containerState = () => {
      const o = this.o.store.get('pods', ns, pod);
      if (!o || o.metadata.uid !== uid) return undefined;
      return [...(o.status?.containerStatuses ?? []), ...(o.status?.ephemeralContainerStatuses ?? [])].find((c: KObject) => c.name === ctr);
    };
    const startRestarts = containerState()?.restartCount ?? 0;
    const timer = setInterval(() => {
      const st = containerState();
      const now = Buffer.from(read(false) ?? '');
      if (now.length > sent) {
        res.write(now.subarray(sent));
        sent = now.length;
      }
      if (!st || st.state?.terminated || (st.restartCount ?? 0) !== startRestarts || (st.state?.waiting && sent > 0)) {
        clearInterval(timer);
        res.end();
      }
    }, 100);
    res.once('close', () => clearInterval(timer));
  }

  private setEphemeralContainers(pod: KObject, list: KObject[]): KObject {
    const def = findResource('', 'v1', 'pods')!;
    const name = pod.metadata.name;
    const existing: KObject[] = pod.spec.ephemeralContainers ?? [];
    if (!Array.isArray(list)) throw invalid(def, name, 'spec.ephemeralContainers', 'Invalid value: must be a list');
    const byName = new Map(list.map((c) => [c?.name, c]));
    for (const e of existing) {
      const n = byName.get(e.name);
      if (!n) throw invalid(def, name, 'spec.ephemeralContainers', `Forbidden: existing ephemeral containers "${e.name}" may not be removed`);
      const same = (k: string) => JSON.stringify(n[k] ?? null) === JSON.stringify(e[k] ?? null);
      if (!['image', 'command', 'args', 'targetContainerName'].every(same)) throw invalid(def, name, 'spec.ephemeralContainers', `Forbidden: existing ephemeral containers "${e.name}" may not be changed`);
    }
    const taken = new Set([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c: KObject) => c.name));
    const added: KObject[] = [];
    list.forEach((c, i) => {
      if (existing.some((e) => e.name === c?.name)) return;
      if (!c?.name) throw invalid(def, name, `spec.ephemeralContainers[${i}].name`, 'Required value');
      if (!c.image) throw invalid(def, name, `spec.ephemeralContainers[${i}].image`, 'Required value');
      if (taken.has(c.name)) throw invalid(def, name, `spec.ephemeralContainers[${i}].name`, `Duplicate value: "${c.name}"`);
      if (c.targetContainerName && !pod.spec.containers.some((x: KObject) => x.name === c.targetContainerName)) {
        throw invalid(def, name, `spec.ephemeralContainers[${i}].targetContainerName`, `Not found: "${c.targetContainerName}"`);
      }
      for (const f of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources']) {
        if (f === 'resources' ? Object.keys(c.resources ?? {}).length : c[f] !== undefined) throw invalid(def, name, `spec.ephemeralContainers[${i}].${f}`, 'Forbidden: cannot be set for an Ephemeral Container');
      }
      taken.add(c.name);
      added.push(containerDefaults(c));
    });
    // PodSecurity evaluates the whole pod when an update adds an ephemeral container (and lets any other update pass)
    if (added.length) this.crud.admitPodSecurity({ ...pod, spec: { ...pod.spec, ephemeralContainers: [...existing, ...added] } });
    const now = this.o.store.now();
    const metadataOnly = !this.o.hooks.hasProcesses(pod.metadata.namespace, name);
    const updated = this.o.store.update('pods', pod.metadata.namespace, name, (o) => {
      o.spec.ephemeralContainers = [...existing, ...added];
      if (metadataOnly && added.length) {
        o.status.ephemeralContainerStatuses = [
          ...(o.status.ephemeralContainerStatuses ?? []),
          ...added.map((c) => containerStatusFor(c, { running: { startedAt: isoNow(now) } }, { containerID: `containerd://${randomSuffix(32)}` })),
        ];
      }
    })!;
    if (!metadataOnly) for (const c of added) this.o.hooks.ephemeralContainerAdded(updated, c.name);
    return updated;
  }

  private tokenRequest(def: ResourceDef, ns: string, name: string, body: KObject): KObject {
    const sa = this.o.store.get('serviceaccounts', ns, name);
    if (!sa) throw notFound(def, name);
    const exp = body?.spec?.expirationSeconds ?? 3600;
    const trDef: ResourceDef = { ...def, group: 'authentication.k8s.io', kind: 'TokenRequest' };
    const min = this.o.tokenMinExpirationSeconds ?? 600;
    if (typeof exp !== 'number' || exp < min) throw invalid(trDef, name, 'spec.expirationSeconds', `Invalid value: ${exp}: may not specify a duration less than ${min >= 600 && min % 60 === 0 ? `${min / 60} minutes` : `${min} seconds`}`);
    if (exp > 2 ** 32) throw invalid(trDef, name, 'spec.expirationSeconds', `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds`);
    const audiences: string[] = body?.spec?.audiences ?? [];
    const { token, expiresAt } = this.o.authn.issueServiceAccountToken(sa, exp, audiences);
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace: ns, creationTimestamp: null },
      spec: { audiences: audiences.length ? audiences : ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: exp, boundObjectRef: body?.spec?.boundObjectRef ?? null },
      status: { token, expirationTimestamp: isoNow(expiresAt) },
    };
  }

  review(def: ResourceDef, user: UserInfo, body: Buffer, contentType: string): KObject {
    if (def.resource === 'selfsubjectreviews') {
      return { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } } };
    }
    let spec: KObject;
    if (contentType.startsWith('application/vnd.kubernetes.protobuf')) {
      if (def.resource === 'selfsubjectreviews') throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
      try {
        spec = def.resource === 'selfsubjectrulesreviews' ? decodeSelfSubjectRulesReview(body) : decodeSelfSubjectAccessReview(body).spec;
      } catch (e) {
        if (e instanceof ProtobufError) throw new HttpError(400, 'BadRequest', `the body of the request could not be decoded: ${e.message}`);
        throw e;
      }
    } else spec = parseJson(body)?.spec ?? {};
    if (def.resource === 'selfsubjectrulesreviews') {
      const ns = spec.namespace ?? '';
      const rules = this.o.authz.rulesFor(user, ns || undefined);
      const resourceRules = rules.filter((r) => !r.nonResourceURLs).map((r: PolicyRule) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
      const nonResourceRules = rules.filter((r) => r.nonResourceURLs).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
      return { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { namespace: ns }, status: { resourceRules, nonResourceRules, incomplete: false } };
    }
    const ra = spec.resourceAttributes;
    const nra = spec.nonResourceAttributes;
    let attrs: Attributes;
    if (ra) attrs = { verb: ra.verb ?? '', resourceRequest: true, apiGroup: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', name: ra.name ?? '', namespace: ra.namespace ?? '', path: '' };
    else if (nra) attrs = { verb: nra.verb ?? '', resourceRequest: false, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path: nra.path ?? '' };
    else throw invalid(def, '', 'spec.resourceAttributes', 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const allowed = this.o.authz.allowed(user, attrs);
    return {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { ...(ra ? { resourceAttributes: ra } : {}), ...(nra ? { nonResourceAttributes: nra } : {}) },
      status: { allowed, ...(allowed ? { reason: 'RBAC: allowed' } : {}) },
    };
  }

  // ---------------------------------------------------------------- exec / attach upgrades

  /** An authenticated exec/attach upgrade: authorized, checked against the pod, then handed to the runtime. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, user: UserInfo): void {
    const p = parseResourcePath(url.pathname);
    if (!p || p.group !== '' || p.resource !== 'pods' || !p.name || !p.namespace || !['exec', 'attach', 'portforward'].includes(p.subresource ?? '')) {
      throw new HttpError(400, 'BadRequest', 'upgrade is only supported for pods/exec and pods/attach');
    }
    const sub = p.subresource!;
    const ws = /websocket/i.test(String(req.headers.upgrade ?? ''));
    // WebSocket upgrades are GETs: authorized as `get` and, like API servers >= 1.35, also as `create`.
    const verbs = req.method === 'GET' && ws ? ['get', 'create'] : ['create'];
    for (const verb of verbs) this.authorize(user, { verb, resourceRequest: true, apiGroup: '', resource: 'pods', subresource: sub, name: p.name, namespace: p.namespace, path: url.pathname });
    if (sub === 'portforward') throw new HttpError(400, 'BadRequest', 'port forwarding is not supported by the emulator');
    const pod = this.o.store.get('pods', p.namespace, p.name);
    const podsDef = findResource('', 'v1', 'pods')!;
    if (!pod) throw notFound(podsDef, p.name);
    const q = url.searchParams;
    const all = containerNames(pod);
    let container = q.get('container') ?? '';
    if (!container) {
      if (pod.spec.containers.length === 1) container = pod.spec.containers[0].name;
      else {
        const init = (pod.spec.initContainers ?? []).map((c: KObject) => c.name);
        const eph = (pod.spec.ephemeralContainers ?? []).map((c: KObject) => c.name);
        throw new HttpError(400, 'BadRequest', `a container name must be specified for pod ${p.name}, choose one of: [${pod.spec.containers.map((c: KObject) => c.name).join(' ')}]${init.length ? ` or one of the init containers: [${init.join(' ')}]` : ''}${eph.length ? ` or one of the ephemeral containers: [${eph.join(' ')}]` : ''}`);
      }
    }
    if (!all.includes(container)) throw new HttpError(400, 'BadRequest', `container ${container} is not valid for pod ${p.name}`);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw new HttpError(400, 'BadRequest', sub === 'exec' ? `cannot exec into a container in a completed pod; current phase is ${phase}` : `cannot attach to a container in a completed pod; current phase is ${phase}`);
    }
    if (!this.o.runtime || !this.o.hooks.hasProcesses(p.namespace, p.name)) {
      throw new HttpError(500, 'InternalError', `Internal error occurred: pod ${p.namespace}/${p.name} is metadata-only in this emulator instance (no container runtime): it has no processes to ${sub === 'exec' ? 'exec into' : 'attach to'}`);
    }
    const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
    const target: StreamTarget = { kind: sub as 'exec' | 'attach', namespace: p.namespace, pod: structuredClone(pod), container, command: q.getAll('command'), stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
    const f = this.o.faults;
    if (f.deletePodDuringExecMs && f.deletePodDuringExecMs > 0) {
      const ns = p.namespace;
      const name = p.name;
      setTimeout(() => {
        const cur = this.o.store.get('pods', ns, name);
        if (cur) this.crud.removeCascading('pods', cur);
      }, f.deletePodDuringExecMs);
    }
    if (sub === 'exec') this.execUpgrades++;
    this.o.runtime.handleStreamUpgrade(req, socket, head, target);
  }
}

export function containerNames(pod: KObject): string[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c: KObject) => c.name);
}
