// The emulator's HTTPS API server: authentication, RBAC on every request (exec/attach upgrades included), discovery,
// generic CRUD/list/watch for every resource in resources.ts, and the special endpoints (pods/ephemeralcontainers,
// serviceaccounts/token, SelfSubjectAccessReview in JSON and protobuf, SelfSubjectRulesReview, SelfSubjectReview).
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ContainerRuntime, KObject, StreamTarget } from '../contract';
import type { Faults } from '../faults';
import { containerDefaults, containerStatusFor, isoNow, podInitialStatus, podSpecDefaults, randomSuffix, recomputePodStatus } from '../objects';
import { decodeObject, decodeSelfSubjectAccessReview, decodeSelfSubjectRulesReview, ProtobufError } from '../protobuf';
import { Authenticator, Authorizer, type Attributes, type PolicyRule, type UserInfo } from '../rbac';
import { apiGroup, apiGroupList, apiResourceList, apiVersionOf, apiVersions, findResource, openapiV3Doc, openapiV3Root, type ResourceDef } from '../resources';
import { enforcePolicy, forbiddenMessage, podSecurityViolations } from '../pod-security';
import { parseFieldSelector, parseLabelSelector, pinnedName, SelectorError } from '../selectors';
import type { Store, WatchEvent } from '../store';
import { parse as parseYamlText } from 'yaml';
import { toTable } from '../tables';

export const KUBE_VERSION = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.1',
  gitCommit: '8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T08:19:08Z',
  goVersion: 'go1.24.2',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function statusObject(code: number, reason: string, message: string, details?: KObject): KObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

const REASON_PHRASE: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

function qualified(def: ResourceDef): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}

export function notFound(def: ResourceDef, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${qualified(def)} "${name}" not found`, { name, ...(def.group ? { group: def.group } : {}), kind: def.resource });
}

function invalid(def: ResourceDef, name: string, field: string, msg: string): HttpError {
  return new HttpError(422, 'Invalid', `${def.kind}${def.group ? `.${def.group}` : ''} "${name}" is invalid: ${field}: ${msg}`, { name, ...(def.group ? { group: def.group } : {}), kind: def.kind, causes: [{ reason: 'FieldValueInvalid', message: msg, field }] });
}

interface ParsedPath {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/...` or `/apis/g/v/...` → parts; undefined for non-resource paths. */
export function parseResourcePath(path: string): ParsedPath | undefined {
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api' && seg.length >= 3) [group, version, rest] = ['', seg[1], seg.slice(2)];
  else if (seg[0] === 'apis' && seg.length >= 4) [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && findResource(group, version, rest[2])?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (!rest.length || rest.length > 3) return undefined;
  return { group, version, namespace, resource: rest[0], name: rest[1], subresource: rest[2] };
}

export interface ServerHooks {
  /** A pod was created through the API (start its containers). */
  podCreated(pod: KObject): void;
  podDeleted(namespace: string, name: string): void;
  ephemeralContainerAdded(pod: KObject, name: string): void;
  /** Is this pod backed by the runtime (false: metadata-only)? */
  hasProcesses(namespace: string, name: string): boolean;
  /** Admin endpoints beyond /emulator/faults. */
  admin(path: string, method: string, body: KObject): Promise<KObject | undefined>;
}

export interface ServerOptions {
  store: Store;
  authn: Authenticator;
  authz: Authorizer;
  runtime?: ContainerRuntime;
  faults: Faults;
  hooks: ServerHooks;
  key: string;
  cert: string;
  tokenMinExpirationSeconds?: number;
  log?: (msg: string) => void;
}

type Query = URLSearchParams;

export class ApiServer {
  readonly server: https.Server;
  private readonly sockets = new Set<Socket | Duplex>();
  private port = 0;
  private requestCount = 0;
  private throttleBase = 0;
  private unreachable = false;

  constructor(private readonly o: ServerOptions) {
    this.server = https.createServer({ key: o.key, cert: o.cert, keepAlive: true }, (req, res) => void this.onRequest(req, res));
    this.server.on('secureConnection', (s: Socket) => {
      if (this.unreachable) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_e, s) => s.destroy());
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return this.port;
  }

  /** API unreachable: stop listening (connection refused) and destroy every open connection; `false` listens again on the same port. */
  async setUnreachable(on: boolean): Promise<void> {
    if (on === this.unreachable) return;
    this.unreachable = on;
    if (on) {
      await new Promise<void>((r) => {
        this.server.close(() => r());
        for (const s of this.sockets) s.destroy();
      });
    } else {
      await this.listen(this.port);
    }
  }

  get isUnreachable(): boolean {
    return this.unreachable;
  }

  resetThrottleCounter(): void {
    this.throttleBase = this.requestCount;
  }

  async close(): Promise<void> {
    this.unreachable = true;
    await new Promise<void>((r) => {
      if (!this.server.listening) return r();
      this.server.close(() => r());
      for (const s of this.sockets) s.destroy();
    });
  }

  private log(msg: string) {
    this.o.log?.(msg);
  }

  // ---------------------------------------------------------------- faults, authentication

  /** Delay and 429 faults; throws the 429. */
  private async applyFaults(path: string): Promise<void> {
    if (path.startsWith('/emulator/')) return;
    const f = this.o.faults;
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
    const n = ++this.requestCount - this.throttleBase;
    let throttle = false;
    if (f.throttleBurst && f.throttleBurst > 0) {
      if (--f.throttleBurst === 0) delete f.throttleBurst;
      throttle = true;
    } else if (f.throttleEvery && f.throttleEvery > 0 && n % f.throttleEvery === 0) throttle = true;
    if (throttle) {
      const after = f.retryAfterSeconds ?? 1;
      throw new HttpError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: after }, { 'Retry-After': String(after) });
    }
  }

  private authenticate(req: IncomingMessage): UserInfo {
    const user = this.o.authn.authenticate(req.headers.authorization);
    if (!user) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    return this.impersonate(req, user);
  }

  /** `Impersonate-User` / `Impersonate-Group` (kubectl --as / --as-group): needs the `impersonate` verb, like the real server. */
  private impersonate(req: IncomingMessage, user: UserInfo): UserInfo {
    const as = req.headers['impersonate-user'];
    const rawGroups = req.headers['impersonate-group'];
    const groups = (Array.isArray(rawGroups) ? rawGroups : rawGroups ? [rawGroups] : []).flatMap((g) => g.split(',').map((x) => x.trim())).filter(Boolean);
    if (!as) {
      if (groups.length) throw new HttpError(500, 'InternalError', 'Internal error occurred: requested [Impersonate-Group] without impersonating a user');
      return user;
    }
    const username = String(as);
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
    const check = (a: Partial<Attributes>, what: string) => {
      const attrs: Attributes = { verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path: '', ...a };
      if (!this.o.authz.allowed(user, attrs)) throw new HttpError(403, 'Forbidden', `${what} is forbidden: User "${user.username}" cannot impersonate resource "${attrs.resource}" in API group "${attrs.apiGroup}"${attrs.namespace ? ` in the namespace "${attrs.namespace}"` : ' at the cluster scope'}`, { name: attrs.name, kind: attrs.resource });
    };
    if (sa) check({ resource: 'serviceaccounts', namespace: sa[1], name: sa[2] }, `serviceaccounts "${sa[2]}"`);
    else check({ resource: 'users', name: username }, `users "${username}"`);
    for (const g of groups) check({ resource: 'groups', name: g }, `groups "${g}"`);
    const base = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
    return { username, groups: [...new Set([...base, ...groups, 'system:authenticated'])] };
  }

  private authorize(user: UserInfo, a: Attributes): void {
    if (!this.o.authz.allowed(user, a)) {
      throw new HttpError(403, 'Forbidden', Authorizer.forbiddenMessage(user, a), a.resourceRequest ? { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource } : undefined);
    }
  }

  // ---------------------------------------------------------------- plain requests

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://emulator');
    try {
      await this.applyFaults(url.pathname);
      const user = this.authenticate(req);
      const body = await readBody(req);
      await this.route(req, res, url, user, body);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
      if (!(e instanceof HttpError)) this.log(`internal error on ${req.method} ${url.pathname}: ${(e as Error).stack}`);
      sendJson(res, err.code, statusObject(err.code, err.reason, err.message, err.details), err.headers);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo, body: Buffer): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    if (path.startsWith('/emulator/')) return this.admin(res, path, method, user, body);
    const p = parseResourcePath(path);
    if (!p) return this.nonResource(res, path, method, user);

    const def = findResource(p.group, p.version, p.resource);
    if (!def) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource', { ...(p.name ? { name: p.name } : {}), kind: p.resource });
    if (p.subresource && !def.subresources?.[p.subresource]) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (def.namespaced === false && p.namespace) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(method, !!p.name, watch);
    // list/watch with a metadata.name field selector is authorized as that name (like the real RequestInfo).
    const attrName = p.name ?? (verb === 'list' || verb === 'watch' ? (pinnedName(q.get('fieldSelector')) ?? '') : '');
    const namespace = def.resource === 'namespaces' ? (p.name ?? '') : (p.namespace ?? '');
    this.authorize(user, { verb, resourceRequest: true, apiGroup: def.group, resource: def.resource, subresource: p.subresource ?? '', name: attrName, namespace, path });

    if (def.virtual) {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      return sendJson(res, 201, this.review(def, user, body, req.headers['content-type'] ?? ''));
    }
    if (p.subresource) return this.subresource(req, res, def, p as Required<Pick<ParsedPath, 'name' | 'subresource'>> & ParsedPath, method, body, q);

    switch (verb) {
      case 'get':
        return this.getOne(req, res, def, p.namespace, p.name!);
      case 'list':
        return this.list(req, res, def, p.namespace, q);
      case 'watch':
        return this.watch(req, res, def, p.namespace, q, p.name);
      case 'create':
        if (p.name) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        return sendJson(res, 201, this.create(def, p.namespace, parseBody(body, req), { dryRun: q.get('dryRun') === 'All' }));
      case 'update':
        return sendJson(res, 200, this.replace(def, p.namespace, p.name!, parseBody(body, req), false));
      case 'patch': {
        const ct = req.headers['content-type'] ?? '';
        // Server-side apply, simplified: create when missing, else a strategic merge (no field managers or conflicts).
        if (ct.startsWith('application/apply-patch+yaml') && !this.o.store.get(def.resource, p.namespace, p.name!)) {
          const obj = parseYaml(body);
          if (obj?.metadata?.name && obj.metadata.name !== p.name) throw new HttpError(400, 'BadRequest', `the name of the object (${obj.metadata.name}) does not match the name on the URL (${p.name})`);
          return sendJson(res, 201, this.create(def, p.namespace, { ...obj, metadata: { ...(obj.metadata ?? {}), name: p.name } }, { dryRun: q.get('dryRun') === 'All' }));
        }
        return sendJson(res, 200, this.patch(def, p.namespace, p.name!, body, ct, false));
      }
      case 'delete':
        return sendJson(res, 200, this.deleteOne(def, p.namespace, p.name!));
      case 'deletecollection':
        return sendJson(res, 200, this.deleteCollection(def, p.namespace, q));
    }
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private nonResource(res: ServerResponse, path: string, method: string, user: UserInfo): void {
    this.authorize(user, { verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), resourceRequest: false, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path });
    const seg = path.split('/').filter(Boolean);
    let out: object | undefined;
    if (path === '/version') out = KUBE_VERSION;
    else if (path === '/api') out = apiVersions(`127.0.0.1:${this.port}`);
    else if (path === '/apis') out = apiGroupList();
    else if (seg[0] === 'api' && seg.length === 2) out = apiResourceList('', seg[1]);
    else if (seg[0] === 'apis' && seg.length === 2) out = apiGroup(seg[1]);
    else if (seg[0] === 'apis' && seg.length === 3) out = apiResourceList(seg[1], seg[2]);
    else if (path === '/openapi/v3') out = openapiV3Root();
    else if (seg[0] === 'openapi' && seg[1] === 'v3') out = openapiV3Doc(seg.slice(2).join('/'));
    else if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (!out) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    sendJson(res, 200, out);
  }

  // ---------------------------------------------------------------- read

  private getOne(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, name: string): void {
    const obj = this.o.store.get(def.resource, ns, name);
    if (!obj) throw notFound(def, name);
    if (wantsTable(req)) return sendJson(res, 200, toTable(def.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, this.o.store.now(), tableInclude(req)));
    sendText(res, 200, this.o.store.json(def.resource, ns, name)!);
  }

  private list(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, q: Query): void {
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

  private watch(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, q: Query, name?: string): void {
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
        else podInitialStatus(obj, now);
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
      case 'deployments':
      case 'replicasets':
      case 'statefulsets':
        obj.spec ??= {};
        obj.spec.replicas ??= 1;
        (obj.spec.template?.spec?.containers ?? []).forEach(containerDefaults);
        obj.status ??= {};
        break;
    }
    if (opts.dryRun) return obj;
    store.create(def.resource, obj, { quiet: opts.seed });
    if (def.resource === 'namespaces') {
      this.create(findResource('', 'v1', 'serviceaccounts')!, md.name, { metadata: { name: 'default' } }, { seed: opts.seed });
    }
    if (def.resource === 'pods' && !opts.seed) this.o.hooks.podCreated(obj);
    return obj;
  }

  private replace(def: ResourceDef, ns: string | undefined, name: string, obj: KObject, statusOnly: boolean): KObject {
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

  private patch(def: ResourceDef, ns: string | undefined, name: string, body: Buffer, contentType: string, statusOnly: boolean): KObject {
    const cur = this.o.store.get(def.resource, ns, name);
    if (!cur) throw notFound(def, name);
    const next = applyPatch(structuredClone(cur), body, contentType);
    next.metadata = { ...next.metadata, resourceVersion: cur.metadata.resourceVersion };
    return this.replace(def, ns, name, next, statusOnly);
  }

  private deleteOne(def: ResourceDef, ns: string | undefined, name: string): KObject {
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

  private deleteCollection(def: ResourceDef, ns: string | undefined, q: Query): KObject {
    const label = selector(() => parseLabelSelector(q.get('labelSelector')));
    const field = selector(() => parseFieldSelector(def.resource, q.get('fieldSelector')));
    const victims = [...this.o.store.iterate(def.resource, ns)].map((i) => i.obj).filter((o) => (!label || label(o)) && (!field || field(o)));
    for (const v of victims) this.removeCascading(def.resource, v);
    return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.o.store.resourceVersion) }, items: victims };
  }

  // ---------------------------------------------------------------- subresources

  private async subresource(req: IncomingMessage, res: ServerResponse, def: ResourceDef, p: ParsedPath & { name: string; subresource: string }, method: string, body: Buffer, q: Query): Promise<void> {
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
      res.writeHead(200, { 'Content-Type': 'text/plain' });
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
    if (method === 'PUT') return sendJson(res, 200, this.replace(def, p.namespace, p.name, parseJson(body), true));
    if (method === 'PATCH') return sendJson(res, 200, this.patch(def, p.namespace, p.name, body, req.headers['content-type'] ?? '', true));
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
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
    if (added.length) this.admitPodSecurity({ ...pod, spec: { ...pod.spec, ephemeralContainers: [...existing, ...added] } });
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

  /** Pod Security admission: 403 when the pod violates its namespace's `pod-security.kubernetes.io/enforce` level. */
  private admitPodSecurity(pod: KObject): void {
    const policy = enforcePolicy(this.o.store.get('namespaces', undefined, pod.metadata.namespace));
    const violations = podSecurityViolations(pod, policy.level);
    if (violations.length) throw new HttpError(403, 'Forbidden', forbiddenMessage(pod.metadata.name, policy, violations), { name: pod.metadata.name, kind: 'pods' });
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

  private review(def: ResourceDef, user: UserInfo, body: Buffer, contentType: string): KObject {
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

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.unreachable) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'https://emulator');
    try {
      await this.applyFaults(url.pathname);
      const user = this.authenticate(req);
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
          if (cur) this.removeCascading('pods', cur);
        }, f.deletePodDuringExecMs);
      }
      this.o.runtime.handleStreamUpgrade(req, socket, head, target);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
      if (!(e instanceof HttpError)) this.log(`internal error on upgrade ${url.pathname}: ${(e as Error).stack}`);
      const body = JSON.stringify(statusObject(err.code, err.reason, err.message, err.details));
      const extra = Object.entries(err.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${err.code} ${REASON_PHRASE[err.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`);
    }
  }

  // ---------------------------------------------------------------- admin endpoints

  private async admin(res: ServerResponse, path: string, method: string, user: UserInfo, body: Buffer): Promise<void> {
    if (!user.groups.includes('system:masters')) throw new HttpError(403, 'Forbidden', `forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${path}"`);
    if (path === '/emulator/faults') {
      if (method === 'GET') return sendJson(res, 200, { ...this.o.faults, unreachable: this.unreachable });
      if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') throw new HttpError(405, 'MethodNotAllowed', 'use GET or POST');
      const out = await this.o.hooks.admin(path, method, parseJson(body));
      return sendJson(res, 200, out ?? {});
    }
    const out = await this.o.hooks.admin(path, method, body.length ? parseJson(body) : {});
    if (!out) throw new HttpError(404, 'NotFound', `no emulator endpoint ${method} ${path}`);
    sendJson(res, 200, out);
  }
}

// ------------------------------------------------------------------ helpers

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
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

export function containerNames(pod: KObject): string[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c: KObject) => c.name);
}

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(String(req.headers.accept ?? ''));
}

function tableInclude(req: IncomingMessage): string {
  const m = /[?&]includeObject=(\w+)/.exec(req.url ?? '');
  return m ? m[1] : 'PartialObjectMetadata';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    req.resume();
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 16 * 1024 * 1024) throw new HttpError(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON, or one of the protobuf kinds kubectl sends (see protobuf.ts). */
function parseBody(body: Buffer, req: IncomingMessage): KObject {
  if (String(req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')) {
    try {
      return decodeObject(body);
    } catch (e) {
      if (e instanceof ProtobufError) throw new HttpError(415, 'UnsupportedMediaType', e.message);
      throw e;
    }
  }
  return parseJson(body);
}

function parseYaml(body: Buffer): KObject {
  try {
    return parseYamlText(body.toString('utf8')) ?? {};
  } catch (e) {
    throw new HttpError(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`);
  }
}

function parseJson(body: Buffer): KObject {
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${(e as Error).message})`);
  }
}

function sendJson(res: ServerResponse, code: number, obj: unknown, headers: Record<string, string> = {}): void {
  sendText(res, code, JSON.stringify(obj), headers);
}

function sendText(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

// ------------------------------------------------------------------ patches

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
