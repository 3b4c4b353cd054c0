// Routing of plain (non-upgrade) requests: the path → group/version/namespace/resource/name/subresource, the verb,
// RBAC on the request attributes, then CRUD, a subresource, a review, discovery/OpenAPI or an admin endpoint.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, UserInfo } from '../rbac';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, findResource, openapiV3Doc, openapiV3Root } from '../resources';
import { pinnedName } from '../selectors';
import type { Crud } from './crud';
import { HttpError, parseBody, parseYaml, sendJson } from './http';
import type { ServerOptions } from './index';
import type { Subresources } from './subresources';

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

export interface ParsedPath {
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

/** What the router needs from the server that owns the connection state. */
export interface RouterHost {
  authorize(user: UserInfo, a: Attributes): void;
  admin(res: ServerResponse, path: string, method: string, user: UserInfo, body: Buffer): Promise<void>;
  /** The port the server listens on (set by listen()). */
  port(): number;
}

export class Router {
  constructor(
    private readonly o: ServerOptions,
    private readonly crud: Crud,
    private readonly subresources: Subresources,
    private readonly host: RouterHost,
  ) {}

  async route(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo, body: Buffer): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    if (path.startsWith('/emulator/')) return this.host.admin(res, path, method, user, body);
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
    this.host.authorize(user, { verb, resourceRequest: true, apiGroup: def.group, resource: def.resource, subresource: p.subresource ?? '', name: attrName, namespace, path });

    if (def.virtual) {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      return sendJson(res, 201, this.subresources.review(def, user, body, req.headers['content-type'] ?? ''));
    }
    if (p.subresource) return this.subresources.subresource(req, res, def, p as Required<Pick<ParsedPath, 'name' | 'subresource'>> & ParsedPath, method, body, q);

    switch (verb) {
      case 'get':
        return this.crud.getOne(req, res, def, p.namespace, p.name!);
      case 'list':
        return this.crud.list(req, res, def, p.namespace, q);
      case 'watch':
        return this.crud.watch(req, res, def, p.namespace, q, p.name);
      case 'create':
        if (p.name) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        return sendJson(res, 201, this.crud.create(def, p.namespace, parseBody(body, req), { dryRun: q.get('dryRun') === 'All' }));
      case 'update':
        return sendJson(res, 200, this.crud.replace(def, p.namespace, p.name!, parseBody(body, req), false));
      case 'patch': {
        const ct = req.headers['content-type'] ?? '';
        // Server-side apply, simplified: create when missing, else a strategic merge (no field managers or conflicts).
        if (ct.startsWith('application/apply-patch+yaml') && !this.o.store.get(def.resource, p.namespace, p.name!)) {
          const obj = parseYaml(body);
          if (obj?.metadata?.name && obj.metadata.name !== p.name) throw new HttpError(400, 'BadRequest', `the name of the object (${obj.metadata.name}) does not match the name on the URL (${p.name})`);
          return sendJson(res, 201, this.crud.create(def, p.namespace, { ...obj, metadata: { ...(obj.metadata ?? {}), name: p.name } }, { dryRun: q.get('dryRun') === 'All' }));
        }
        return sendJson(res, 200, this.crud.patch(def, p.namespace, p.name!, body, ct, false));
      }
      case 'delete':
        return sendJson(res, 200, this.crud.deleteOne(def, p.namespace, p.name!));
      case 'deletecollection':
        return sendJson(res, 200, this.crud.deleteCollection(def, p.namespace, q));
    }
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private nonResource(res: ServerResponse, path: string, method: string, user: UserInfo): void {
    this.host.authorize(user, { verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), resourceRequest: false, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path });
    const seg = path.split('/').filter(Boolean);
    let out: object | undefined;
    if (path === '/version') out = KUBE_VERSION;
    else if (path === '/api') out = apiVersions(`127.0.0.1:${this.host.port()}`);
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
}

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
