// The emulator's HTTPS API server: connections, faults, authentication (impersonation included) and RBAC, the admin
// endpoints, and the exec/attach upgrade's entry. What a request does is in the modules beside this one:
//   routing.ts       path → resource and verb, RBAC, dispatch, discovery/OpenAPI
//   crud.ts          get/list/watch/create/update/patch/delete/deletecollection for every resource in resources.ts
//   subresources.ts  pods/log, pods/ephemeralcontainers, status, serviceaccounts/token, the reviews, exec/attach
//   patch.ts         JSON patch, merge patch, strategic merge patch (and server-side apply's merge)
//   http.ts          Status errors, request bodies, JSON responses
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ContainerRuntime, ImageSource, KObject } from '../contract';
import type { Faults } from '../faults';
import { Authenticator, Authorizer, type Attributes, type UserInfo } from '../rbac';
import type { ResourceDef } from '../resources';
import type { Store } from '../store';
import { Crud } from './crud';
import { HttpError, parseJson, readBody, REASON_PHRASE, sendJson, statusObject } from './http';
import { Router } from './routing';
import { Subresources } from './subresources';

export { HttpError, notFound, statusObject } from './http';
export { applyPatch } from './patch';
export { KUBE_VERSION, parseResourcePath } from './routing';
export { containerNames } from './subresources';

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
  /** The image registry pods pull from when they are created (contract.ts); absent: `imageIDFor` digests. */
  images?: ImageSource;
  faults: Faults;
  hooks: ServerHooks;
  key: string;
  cert: string;
  tokenMinExpirationSeconds?: number;
  log?: (msg: string) => void;
}

export class ApiServer {
  readonly server: https.Server;
  private readonly sockets = new Set<Socket | Duplex>();
  private port = 0;
  private requestCount = 0;
  private throttleBase = 0;
  private unreachable = false;

  private readonly crud: Crud;
  private readonly subresources: Subresources;
  private readonly router: Router;

  constructor(private readonly o: ServerOptions) {
    this.crud = new Crud(o);
    this.subresources = new Subresources(o, this.crud, (user, a) => this.authorize(user, a));
    this.router = new Router(o, this.crud, this.subresources, { authorize: (user, a) => this.authorize(user, a), admin: (...args) => this.admin(...args), port: () => this.port });
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

  /** exec sessions started (upgrades handed to the runtime). */
  get execCount(): number {
    return this.subresources.execUpgrades;
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
      await this.router.route(req, res, url, user, body);
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

  // ---------------------------------------------------------------- objects (for the scenarios and the startCluster handle)

  /** Creates an object with the defaults of its kind. Also used by the scenarios. */
  create(def: ResourceDef, ns: string | undefined, obj: KObject, opts: { dryRun?: boolean; seed?: boolean } = {}): KObject {
    return this.crud.create(def, ns, obj, opts);
  }

  /** Deletes an object, the objects it owns (garbage collection by ownerReferences) and, for a namespace, its contents. */
  removeCascading(res: string, obj: KObject): void {
    this.crud.removeCascading(res, obj);
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
      this.subresources.upgrade(req, socket, head, url, user);
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
