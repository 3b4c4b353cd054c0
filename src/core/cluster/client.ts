/**
 * THE cluster client of Kube Compliance: every API call of the product goes through a `ClusterClient`.
 *
 * - Loads the kubeconfig files kubectl would read and merges them the way kubectl does (first file wins per
 *   cluster/user/context name; current-context from the first file that sets it), see `loadKubeconfig`.
 * - One client per context, chosen without editing the user's file (`ClusterClient.forContext`).
 * - Token, client certificate, exec-plugin and OIDC users, `proxy-url`, CA / `insecure-skip-tls-verify` /
 *   `tls-server-name`: all through `@kubernetes/client-node`'s KubeConfig.
 * - Client-side token bucket (QPS/burst), bounded retries honouring Retry-After on 429, request timeouts,
 *   paged lists, watches that reconnect, exec over WebSocket (client-node `Exec`).
 * - Every failure is a `KubeError` (see errors.ts) saying what happened and what to do.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { PassThrough, Readable, Writable } from 'node:stream';
import {
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  RbacAuthorizationV1Api,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type Cluster,
  type Context,
  type RequestContext,
  type User,
  type V1EphemeralContainer,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { kubeconfigFiles } from '../kubeconfigFiles';
import { KubeError, describeRequest, formatRequest, httpError, networkError, type RequestDescription } from './errors';
import { TokenBucket, realClock, retryAfterMs, type Clock } from './rateLimiter';

export { KubeError, isKubeError, type KubeErrorKind, type RequestDescription } from './errors';

// ---------------------------------------------------------------------------------------------------------------
// kubeconfig loading

export interface KubeconfigLoad {
  /** Files read, in merge order. Empty: no kubeconfig found. */
  readonly files: string[];
  /** The merged configuration (never mutated after loading; per-context clients copy it). */
  readonly config: KubeConfig;
  /** current-context of the merged config (first file that sets one), if any. */
  readonly currentContext?: string;
  /** Problems met while reading (unreadable file, invalid entries), already free of secrets. */
  readonly warnings: string[];
}

/**
 * Merges kubeconfig files the way kubectl does: for clusters, users and contexts the first file that defines a
 * name wins; current-context comes from the first file that sets it. Relative file paths inside each file are
 * resolved against that file's folder.
 */
export function loadKubeconfig(files: readonly string[]): KubeconfigLoad {
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  let currentContext: string | undefined;
  const warnings: string[] = [];
  const read: string[] = [];
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file, { onInvalidEntry: 'filter' });
    } catch (err) {
      warnings.push(`Could not read kubeconfig ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    read.push(file);
    // kubectl: the first file to define a name wins
    const addNew = <T extends { name: string }>(items: T[] | undefined, names: Set<string>, into: T[]) => {
      for (const it of items ?? []) {
        if (names.has(it.name)) continue;
        names.add(it.name);
        into.push(it);
      }
    };
    addNew(kc.getClusters(), seen.clusters, clusters);
    addNew(kc.getUsers(), seen.users, users);
    addNew(kc.getContexts(), seen.contexts, contexts);
    const cur = kc.getCurrentContext();
    if (!currentContext && cur) currentContext = cur;
  }
  const config = new KubeConfig();
  config.loadFromOptions({ clusters, users, contexts, currentContext: currentContext ?? '' });
  return { files: read, config, currentContext: currentContext || undefined, warnings };
}

/** Loads the kubeconfig kubectl would use, or the `kubeCompliance.kubeconfig` override when set. */
export function loadDefaultKubeconfig(override?: string, env: NodeJS.ProcessEnv = process.env): KubeconfigLoad {
  return loadKubeconfig(kubeconfigFiles(override, env));
}

/** A context as the explorer lists it. */
export interface ContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
  readonly server?: string;
  readonly current: boolean;
}

export function listContexts(load: KubeconfigLoad): ContextInfo[] {
  return load.config.getContexts().map((c) => ({
    name: c.name,
    cluster: c.cluster,
    user: c.user,
    namespace: c.namespace,
    server: load.config.getCluster(c.cluster)?.server,
    current: c.name === load.currentContext,
  }));
}

/** How to get fresh credentials for this kubeconfig user, for 401 errors. No secrets in the text. */
export function credentialHint(user: User | null | undefined, context?: string): string {
  const ctx = context ? ` for context ${context}` : '';
  if (!user) return `The kubeconfig has no user${ctx}; add one with kubectl config set-credentials.`;
  if (user.exec) {
    const cmd = [user.exec.command, ...((user.exec.args as string[] | undefined) ?? [])].filter(Boolean).join(' ');
    return `The credential plugin of user "${user.name}" (${cmd}) returned credentials the server rejects: log in with that tool again (e.g. the cloud CLI's login command), then refresh.`;
  }
  if (user.authProvider?.name === 'oidc') return `The OIDC token of user "${user.name}" expired and could not be refreshed: log in again with your OIDC helper (e.g. kubectl oidc-login), then refresh.`;
  if (user.authProvider) return `The ${user.authProvider.name} credentials of user "${user.name}" expired: log in again with that provider's CLI, then refresh.`;
  if (user.certFile || user.certData) return `The client certificate of user "${user.name}" was rejected (expired or not trusted): get a new certificate, then refresh.`;
  if (user.token || (user as { tokenFile?: string }).tokenFile) return `The token of user "${user.name}" expired or was revoked: get a new token (e.g. kubectl create token SERVICE-ACCOUNT), update the kubeconfig, then refresh.`;
  if (user.username) return `The username/password of user "${user.name}" was rejected: update them in the kubeconfig, then refresh.`;
  return `User "${user.name}" has no credentials${ctx}: add a token, certificate or exec plugin to the kubeconfig, then refresh.`;
}

// ---------------------------------------------------------------------------------------------------------------
// the client

export interface ClusterClientOptions {
  /** Requests per second (client-go QPS). Default 20. */
  readonly qps?: number;
  /** Burst above QPS. Default 40. */
  readonly burst?: number;
  /** Per request timeout in ms (lists: per page). Default 30 s. */
  readonly timeoutMs?: number;
  /** Retries after 429 (and 503 with Retry-After). Default 3. */
  readonly maxRetries?: number;
  /** Longest Retry-After honoured, ms. Default 10 s. */
  readonly maxRetryAfterMs?: number;
  readonly clock?: Clock;
  /** Shared limiter, e.g. one per context for several clients. */
  readonly limiter?: TokenBucket;
}

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** One page of a list. */
export interface ListPage<T> {
  readonly items: T[];
  readonly resourceVersion?: string;
  readonly continue?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  /** Start after this resourceVersion (from a list), so no event is missed. */
  readonly resourceVersion?: string;
  /** The stream ended with an error and is being reopened (after `delayMs`). */
  readonly onReconnect?: (err: unknown, delayMs: number) => void;
  /** The resourceVersion expired (410): events may have been missed; the caller should list again. */
  readonly onResync?: () => void;
  /** A permanent failure (401/403/404): the watch stops. */
  readonly onStop?: (err: KubeError) => void;
  /** Server-side timeout of each watch request (s). Default 290. */
  readonly timeoutSeconds?: number;
}

export interface WatchHandle {
  dispose(): void;
  readonly stopped: boolean;
}

/** How an exec ended. */
export type ExecEnd =
  | { readonly kind: 'exit'; readonly exitCode: number; readonly status: V1Status }
  /** The runtime could not run the command (e.g. executable not found, permission denied): `Status` InternalError. */
  | { readonly kind: 'runtime-error'; readonly message: string; readonly status: V1Status }
  /** The stream closed without a status frame (connection cut, pod deleted, timeout). */
  | { readonly kind: 'closed'; readonly message: string };

export interface ExecSession {
  /** The WebSocket (client-node Exec resolves when it opens). */
  readonly socket: { close(): void; terminate?(): void };
  /** Resolves once the command ended (status frame) or the stream closed. Never rejects. */
  readonly done: Promise<ExecEnd>;
  close(): void;
}

export interface ExecIO {
  readonly stdout?: Writable | null;
  readonly stderr?: Writable | null;
  readonly stdin?: Readable | null;
  readonly tty?: boolean;
  /** How long the WebSocket may take to open, ms. Default: the client's request timeout. */
  readonly openTimeoutMs?: number;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly end: ExecEnd;
  /** The exit code when the command ran, else undefined. */
  readonly exitCode?: number;
  /** True when output was cut at `maxOutputBytes`. */
  readonly truncated: boolean;
}

export interface ExecRunOptions {
  readonly stdin?: string | Buffer;
  /** Whole command, ms. Default 30 s. On timeout the stream is closed and `end.kind` is `closed`. */
  readonly timeoutMs?: number;
  readonly maxOutputBytes?: number;
  readonly signal?: AbortSignal;
}

export interface AccessAttributes {
  readonly namespace?: string;
  readonly verb: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly group?: string;
}

export interface AccessDecision {
  readonly allowed: boolean;
  readonly denied?: boolean;
  readonly reason?: string;
}

/** Reads the exit code from an exec Status (see kubernetes-wire-protocol.md §6). */
export function execEndFromStatus(s: V1Status): ExecEnd {
  if (s.status === 'Success') return { kind: 'exit', exitCode: 0, status: s };
  const c = s.details?.causes?.find((x) => x.reason === 'ExitCode');
  if (c?.message !== undefined && /^\d+$/.test(c.message)) return { kind: 'exit', exitCode: Number(c.message), status: s };
  return { kind: 'runtime-error', message: s.message ?? s.reason ?? 'exec failed', status: s };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class ClusterClient {
  readonly contextName: string;
  readonly server: string;
  /** The context's namespace, or `default`. */
  readonly namespace: string;
  readonly userName: string;
  /** A per-context copy of the merged kubeconfig (current-context = this context). Never written to disk. */
  readonly kubeConfig: KubeConfig;
  readonly limiter: TokenBucket;
  private readonly opts: Required<Pick<ClusterClientOptions, 'timeoutMs' | 'maxRetries' | 'maxRetryAfterMs'>>;
  private readonly clock: Clock;
  private agent: http.Agent | undefined;
  private apis = new Map<unknown, unknown>();
  private readonly watches = new Set<WatchHandle>();
  private disposed = false;
  /** Requests sent (after rate limiting), for benchmarks and tests. */
  requestCount = 0;
  /** Exec streams opened. */
  execCount = 0;

  /** A client for `context` (default: the kubeconfig's current context). Throws a `config` KubeError when unusable. */
  static forContext(load: KubeconfigLoad, context?: string, options: ClusterClientOptions = {}): ClusterClient {
    const name = context ?? load.currentContext;
    if (!name) throw new KubeError('config', 'The kubeconfig sets no current context; choose one in the Clusters view.', { hint: 'Use "Use Context" on a context in the Clusters view.' });
    const ctx = load.config.getContextObject(name);
    if (!ctx) throw new KubeError('config', `The kubeconfig has no context named "${name}".`, { context: name });
    const cluster = load.config.getCluster(ctx.cluster);
    if (!cluster) throw new KubeError('config', `Context "${name}" refers to cluster "${ctx.cluster}", which the kubeconfig does not define.`, { context: name });
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: load.config.getClusters(), users: load.config.getUsers(), contexts: load.config.getContexts(), currentContext: name });
    return new ClusterClient(kc, name, options);
  }

  constructor(kubeConfig: KubeConfig, contextName: string, options: ClusterClientOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.contextName = contextName;
    const ctx = kubeConfig.getContextObject(contextName);
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new KubeError('config', `Context "${contextName}" has no cluster.`, { context: contextName });
    this.server = cluster.server.replace(/\/+$/, '');
    this.namespace = ctx?.namespace || 'default';
    this.userName = ctx?.user ?? '';
    this.clock = options.clock ?? realClock;
    this.limiter = options.limiter ?? new TokenBucket(options.qps ?? 20, options.burst ?? 40, this.clock);
    this.opts = { timeoutMs: options.timeoutMs ?? 30000, maxRetries: options.maxRetries ?? 3, maxRetryAfterMs: options.maxRetryAfterMs ?? 10000 };
  }

  // ---- raw API clients (client-node generated), sharing this client's limiter, retries, timeouts and errors

  private api<T>(ctor: new (c: ReturnType<typeof createConfiguration>) => T): T {
    let a = this.apis.get(ctor) as T | undefined;
    if (!a) {
      const httpApi = wrapHttpLibrary({ send: (rc: RequestContext) => this.sendContext(rc) });
      const config = createConfiguration({ baseServer: new ServerConfiguration(this.server, {}), authMethods: { default: this.kubeConfig }, httpApi });
      a = new ctor(config);
      this.apis.set(ctor, a);
    }
    return a;
  }
  get core(): CoreV1Api {
    return this.api(CoreV1Api);
  }
  get apps(): AppsV1Api {
    return this.api(AppsV1Api);
  }
  get batch(): BatchV1Api {
    return this.api(BatchV1Api);
  }
  get rbac(): RbacAuthorizationV1Api {
    return this.api(RbacAuthorizationV1Api);
  }
  get authorization(): AuthorizationV1Api {
    return this.api(AuthorizationV1Api);
  }

  private async sendContext(rc: RequestContext): Promise<ResponseContext> {
    const url = new URL(rc.getUrl());
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const body = rc.getBody();
    const res = await this.send(rc.getHttpMethod().toString(), url.pathname, url.search, rc.getHeaders(), typeof body === 'string' ? body : body === undefined ? undefined : String(body), {
      signal: rc.getSignal() as AbortSignal | undefined,
      query,
      authApplied: true,
    });
    // failures become KubeErrors here, so the generated clients throw the same typed errors as `request`
    if (res.status >= 400) throw this.errorFor(res, describeRequest(rc.getHttpMethod().toString(), url.pathname, query));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const data = res.body;
    return new ResponseContext(res.status, headers, { text: async () => data.toString('utf8'), binary: async () => data });
  }

  // ---- transport

  private async authHeaders(): Promise<{ headers: Record<string, string>; agentOptions: https.RequestOptions }> {
    const opts: https.RequestOptions = { headers: {} };
    try {
      await this.kubeConfig.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new KubeError('config', `Could not get credentials for context ${this.contextName}: ${err instanceof Error ? err.message : String(err)}`, {
        context: this.contextName,
        server: this.server,
        cause: err,
        hint: credentialHint(this.kubeConfig.getCurrentUser(), this.contextName),
      });
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    if (opts.auth && !headers.Authorization) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return { headers, agentOptions: opts };
  }

  private getAgent(opts: https.RequestOptions): http.Agent {
    if (this.agent) return this.agent;
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster?.proxyUrl && opts.agent) {
      this.agent = opts.agent as http.Agent; // client-node's proxy agent (http(s) or socks), built from proxy-url
    } else if (this.server.startsWith('http:')) {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    } else {
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 8,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: (opts as { servername?: string }).servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
    }
    return this.agent;
  }

  /** One HTTP exchange with rate limiting, retries on 429 and a timeout. Resolves for any status. */
  private async send(
    method: string,
    pathname: string,
    search: string,
    extraHeaders: Record<string, string>,
    body: string | undefined,
    o: { signal?: AbortSignal; timeoutMs?: number; query?: Record<string, unknown>; authApplied?: boolean },
  ): Promise<RawResponse> {
    const request = describeRequest(method, pathname, o.query);
    for (let attempt = 0; ; attempt++) {
      if (this.disposed) throw new KubeError('cancelled', 'The cluster client was closed', { context: this.contextName, server: this.server, request });
      await this.limiter.acquire(o.signal);
      const { headers: auth, agentOptions } = await this.authHeaders();
      const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'kube-compliance', ...extraHeaders };
      if (!o.authApplied) Object.assign(headers, auth);
      else for (const [k, v] of Object.entries(auth)) if (!(k in headers)) headers[k] = v;
      const res = await this.exchange(method, pathname + search, headers, body, agentOptions, o.timeoutMs ?? this.opts.timeoutMs, o.signal, request);
      const retriable = res.status === 429 || (res.status === 503 && res.headers['retry-after'] !== undefined);
      if (retriable && attempt < this.opts.maxRetries) {
        const wait = retryAfterMs(res.headers['retry-after'], this.clock.now(), 1000 * 2 ** attempt, this.opts.maxRetryAfterMs);
        await this.clock.sleep(wait, o.signal);
        continue;
      }
      return res;
    }
  }

  private exchange(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    agentOptions: https.RequestOptions,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    request: RequestDescription,
  ): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const url = new URL(this.server + path);
      const mod = url.protocol === 'http:' ? http : https;
      if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
      this.requestCount++;
      let settled = false;
      const done = (err: unknown, res?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err instanceof KubeError ? err : networkError(err, this.server, this.contextName, request));
        else resolve(res!);
      };
      const req = mod.request(url, { method, headers, agent: this.getAgent(agentOptions) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => done(e));
      });
      const timer = setTimeout(() => {
        const e = new KubeError('timeout', `No answer from ${this.server} within ${Math.round(timeoutMs / 1000)} s (${formatRequest(request)})`, {
          server: this.server,
          context: this.contextName,
          request,
          hint: 'The API server is slow or unreachable; try again, or check your network.',
        });
        done(e);
        req.destroy(e);
      }, timeoutMs);
      const onAbort = () => {
        const e = new KubeError('cancelled', 'The request was cancelled', { server: this.server, context: this.contextName, request });
        done(e);
        req.destroy(e);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => done(e));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  private errorFor(res: RawResponse, request: RequestDescription): KubeError {
    let parsed: unknown = res.body.toString('utf8');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {
      // plain text body
    }
    return httpError(res.status, parsed, {
      server: this.server,
      context: this.contextName,
      request,
      credentialHint: credentialHint(this.kubeConfig.getCurrentUser(), this.contextName),
    });
  }

  /** A JSON request to the API server. Throws a KubeError for any non-2xx answer. */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const search = buildQuery(o.query);
    const headers: Record<string, string> = {};
    if (o.accept) headers.Accept = o.accept;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['Content-Type'] = o.contentType ?? 'application/json';
    }
    const res = await this.send(method, path, search, headers, body, { signal: o.signal, timeoutMs: o.timeoutMs, query: o.query });
    if (res.status < 200 || res.status >= 300) throw this.errorFor(res, describeRequest(method, path, o.query));
    if (res.body.length === 0) return undefined as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new KubeError('server', `The API server sent a malformed answer to ${formatRequest(describeRequest(method, path, o.query))}`, { server: this.server, context: this.contextName, status: res.status });
    }
  }

  /** Pages through a list (`limit`/`continue`). Restarts once from scratch if the continue token expires (410). */
  async *listPages<T = unknown>(path: string, o: { query?: RequestOptions['query']; limit?: number; signal?: AbortSignal; timeoutMs?: number } = {}): AsyncGenerator<ListPage<T>> {
    let cont: string | undefined;
    let restarted = false;
    for (;;) {
      let page: { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      try {
        page = await this.request('GET', path, { query: { ...o.query, limit: o.limit ?? 500, continue: cont }, signal: o.signal, timeoutMs: o.timeoutMs });
      } catch (err) {
        if (err instanceof KubeError && err.kind === 'gone' && cont && !restarted) {
          restarted = true;
          cont = undefined;
          continue;
        }
        throw err;
      }
      cont = page.metadata?.continue || undefined;
      yield { items: page.items ?? [], resourceVersion: page.metadata?.resourceVersion, continue: cont };
      if (!cont) return;
    }
  }

  /** Lists every item (all pages). */
  async list<T = unknown>(path: string, o: { query?: RequestOptions['query']; limit?: number; signal?: AbortSignal } = {}): Promise<{ items: T[]; resourceVersion?: string }> {
    const items: T[] = [];
    let resourceVersion: string | undefined;
    for await (const p of this.listPages<T>(path, o)) {
      for (const it of p.items) items.push(it);
      resourceVersion = p.resourceVersion;
    }
    return { items, resourceVersion };
  }

  /**
   * Watches `path` (e.g. `/api/v1/namespaces/demo/pods`). Reopens the stream when it ends or breaks (backoff 1 s …
   * 30 s), resuming from the last resourceVersion seen; on 410 it calls `onResync` and restarts from now.
   * Stops for good on 401/403/404 (`onStop`). Dispose to stop.
   */
  watch(path: string, onEvent: (type: WatchEventType, object: unknown) => void, o: WatchOptions = {}): WatchHandle {
    let rv = o.resourceVersion;
    let stopped = false;
    let current: http.ClientRequest | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let failures = 0;
    const handle: WatchHandle = {
      dispose: () => {
        stopped = true;
        clearTimeout(retryTimer);
        current?.destroy();
        this.watches.delete(handle);
      },
      get stopped() {
        return stopped;
      },
    };
    this.watches.add(handle);
    const reopen = (err: unknown) => {
      if (stopped) return;
      if (err instanceof KubeError && ['unauthorized', 'forbidden', 'not-found', 'config'].includes(err.kind)) {
        stopped = true;
        this.watches.delete(handle);
        o.onStop?.(err);
        return;
      }
      const delay = err ? Math.min(30000, 1000 * 2 ** Math.min(failures++, 5)) : 0;
      if (err) o.onReconnect?.(err, delay);
      retryTimer = setTimeout(() => void start(), delay);
    };
    const start = async () => {
      if (stopped) return;
      const query = { ...o.query, watch: true, allowWatchBookmarks: true, timeoutSeconds: o.timeoutSeconds ?? 290, resourceVersion: rv };
      const request = describeRequest('GET', path, query);
      try {
        await this.limiter.acquire();
        const { headers, agentOptions } = await this.authHeaders();
        if (stopped) return;
        const url = new URL(this.server + path + buildQuery(query));
        const mod = url.protocol === 'http:' ? http : https;
        this.requestCount++;
        const req = mod.request(url, { method: 'GET', headers: { Accept: 'application/json', 'User-Agent': 'kube-compliance', ...headers }, agent: this.getAgent(agentOptions) });
        current = req;
        req.on('error', (e) => {
          if (current === req) current = undefined;
          reopen(stopped ? undefined : networkError(e, this.server, this.contextName, request));
        });
        req.on('response', (res) => {
          if ((res.statusCode ?? 0) >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const err = this.errorFor({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }, request);
              if (err.kind === 'gone') {
                rv = undefined;
                o.onResync?.();
                reopen(undefined);
              } else reopen(err);
            });
            return;
          }
          failures = 0;
          const openedAt = Date.now();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (!line) continue;
              let ev: { type?: string; object?: { metadata?: { resourceVersion?: string }; code?: number } };
              try {
                ev = JSON.parse(line);
              } catch {
                continue;
              }
              if (ev.type === 'ERROR') {
                if (ev.object?.code === 410) {
                  rv = undefined;
                  o.onResync?.();
                }
                continue;
              }
              const newRv = ev.object?.metadata?.resourceVersion;
              if (newRv) rv = newRv;
              if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED' || ev.type === 'BOOKMARK') {
                try {
                  onEvent(ev.type, ev.object);
                } catch {
                  // a failing handler must not kill the watch
                }
              }
            }
          });
          res.on('end', () => {
            if (current === req) current = undefined;
            // a stream the server ends at once (misbehaving proxy) must not turn into a busy loop
            reopen(Date.now() - openedAt < 1000 ? new Error('the watch stream ended immediately') : undefined);
          });
          res.on('error', (e) => reopen(networkError(e, this.server, this.contextName, request)));
        });
        req.end();
      } catch (err) {
        reopen(err);
      }
    };
    void start();
    return handle;
  }

  // ---- exec (client-node Exec, always WebSocket)

  /**
   * Opens an exec stream. Resolves when the WebSocket is open (client-node behaviour); `done` resolves when the
   * status frame arrives or the socket closes without one. Upgrade refusals throw KubeErrors (403 forbidden,
   * 404 pod gone, 400 container not valid / not running, 401).
   */
  async openExec(namespace: string, pod: string, container: string, command: string[], io: ExecIO = {}): Promise<ExecSession> {
    const request: RequestDescription = { verb: 'create', resource: 'pods', subresource: 'exec', namespace, name: pod };
    await this.limiter.acquire();
    this.execCount++;
    let resolveEnd!: (e: ExecEnd) => void;
    const done = new Promise<ExecEnd>((r) => (resolveEnd = r));
    let ended = false;
    const finish = (e: ExecEnd) => {
      if (!ended) {
        ended = true;
        resolveEnd(e);
      }
    };
    let socket: { close(): void; terminate?(): void; on?(ev: string, fn: (...a: unknown[]) => void): void };
    const openTimeoutMs = io.openTimeoutMs ?? this.opts.timeoutMs;
    // ws aborts a handshake that takes longer than handshakeTimeout, so an unanswered upgrade leaves no socket behind
    let created: WebSocket | undefined;
    const handler = new WebSocketHandler(this.kubeConfig, (uri, protocols, opts) => (created = new WebSocket(uri, protocols, { ...opts, handshakeTimeout: openTimeoutMs })));
    const opening = new Exec(this.kubeConfig, handler).exec(namespace, pod, container, command, io.stdout ?? null, io.stderr ?? null, io.stdin ?? null, io.tty ?? false, (status) => finish(execEndFromStatus(status)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        created?.terminate();
        opening.then((ws) => ws.terminate(), () => undefined);
        reject(new KubeError('timeout', `The exec stream into ${namespace}/${pod}/${container} did not open within ${Math.round(openTimeoutMs / 1000)} s`, { server: this.server, context: this.contextName, request }));
      }, openTimeoutMs);
    });
    try {
      socket = (await Promise.race([opening, timedOut])) as unknown as typeof socket;
    } catch (err) {
      throw this.execOpenError(err, request);
    } finally {
      clearTimeout(timer);
    }
    socket.on?.('close', (code: unknown, reason: unknown) => {
      // the status callback runs before the close; give it a tick in case of reordering
      setImmediate(() => finish({ kind: 'closed', message: `the exec stream closed without a status (code ${String(code)}${reason ? `, ${String(reason)}` : ''})` }));
    });
    socket.on?.('error', (e: unknown) => setImmediate(() => finish({ kind: 'closed', message: `the exec stream failed: ${e instanceof Error ? e.message : String(e)}` })));
    return {
      socket,
      done,
      close: () => {
        try {
          socket.close();
        } catch {
          socket.terminate?.();
        }
      },
    };
  }

  private execOpenError(err: unknown, request: RequestDescription): KubeError {
    const msg = err instanceof Error ? err.message : String((err as { message?: string })?.message ?? err);
    const m = /Unexpected server response: (\d{3})/.exec(msg);
    if (m) {
      const status = Number(m[1]);
      const e = httpError(status, undefined, { server: this.server, context: this.contextName, request, credentialHint: credentialHint(this.kubeConfig.getCurrentUser(), this.contextName) });
      if (status === 400) return new KubeError('invalid', `The API server refused the exec into ${request.namespace}/${request.name} (400): the container is unknown or not running`, { ...e.details });
      return e;
    }
    if (err instanceof KubeError) return err;
    const cause = (err as { error?: unknown })?.error ?? err; // ws ErrorEvent wraps the error
    return networkError(cause, this.server, this.contextName, request);
  }

  /** Runs a command to completion and collects its output (bounded). Never hangs longer than `timeoutMs`. */
  async exec(namespace: string, pod: string, container: string, command: string[], o: ExecRunOptions = {}): Promise<ExecResult> {
    const max = o.maxOutputBytes ?? 1 << 20;
    let truncated = false;
    const collector = () => {
      const chunks: Buffer[] = [];
      let size = 0;
      const w = new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (size < max) {
            const part = chunk.subarray(0, max - size);
            chunks.push(part);
            size += part.length;
            if (part.length < chunk.length) truncated = true;
          } else truncated = true;
          cb();
        },
      });
      return { w, text: () => Buffer.concat(chunks).toString('utf8') };
    };
    const out = collector();
    const err = collector();
    let stdin: Readable | null = null;
    if (o.stdin !== undefined) {
      const p = new PassThrough();
      p.end(o.stdin);
      stdin = p;
    }
    const session = await this.openExec(namespace, pod, container, command, { stdout: out.w, stderr: err.w, stdin });
    const timeoutMs = o.timeoutMs ?? 30000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ExecEnd>((r) => (timer = setTimeout(() => r({ kind: 'closed', message: `the command did not finish within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs)));
    const aborted = new Promise<ExecEnd>((r) => o.signal?.addEventListener('abort', () => r({ kind: 'closed', message: 'cancelled' }), { once: true }));
    const end = await Promise.race([session.done, timeout, aborted]);
    clearTimeout(timer);
    if (end.kind === 'closed') session.close();
    return { stdout: out.text(), stderr: err.text(), end, exitCode: end.kind === 'exit' ? end.exitCode : undefined, truncated };
  }

  // ---- helpers other features use

  /** SelfSubjectAccessReview: may the current user do this? */
  async selfSubjectAccessReview(attrs: AccessAttributes, signal?: AbortSignal): Promise<AccessDecision> {
    const body = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace: attrs.namespace, verb: attrs.verb, group: attrs.group ?? '', resource: attrs.resource, subresource: attrs.subresource, name: attrs.name } },
    };
    const res = await this.request<{ status?: { allowed?: boolean; denied?: boolean; reason?: string } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body, signal });
    return { allowed: res?.status?.allowed === true, denied: res?.status?.denied, reason: res?.status?.reason };
  }

  async getPod(namespace: string, name: string): Promise<V1Pod> {
    return this.core.readNamespacedPod({ namespace, name });
  }

  /** The pod as plain JSON (dates stay strings), cheaper than `getPod`. */
  async getPodJson(namespace: string, name: string, signal?: AbortSignal): Promise<RawPod> {
    return this.request<RawPod>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, { signal });
  }

  /**
   * Adds (or updates, merged by name) ephemeral containers of a pod: strategic-merge PATCH of
   * `pods/ephemeralcontainers`. Permanent: ephemeral containers can never be removed.
   */
  async patchEphemeralContainers(namespace: string, pod: string, containers: V1EphemeralContainer[]): Promise<RawPod> {
    return this.request<RawPod>('PATCH', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/ephemeralcontainers`, {
      body: { spec: { ephemeralContainers: containers } },
      contentType: 'application/strategic-merge-patch+json',
    });
  }

  /** Stops every watch and releases sockets. */
  dispose(): void {
    this.disposed = true;
    for (const w of [...this.watches]) w.dispose();
    this.agent?.destroy();
  }
}

/** A Kubernetes object as JSON (dates as strings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawObject = Record<string, any>;
export type RawPod = RawObject;

export function buildQuery(q?: Record<string, string | number | boolean | undefined>): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.append(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
