/**
 * The HTTP transport of one context. Every API request of the product — JSON requests, paged lists, client-node's
 * generated clients and watches — is sent by `Transport.open`, which waits for the client-side token bucket,
 * applies the context's credentials and TLS settings (token, client certificate, exec-plugin and OIDC users,
 * `proxy-url`, CA / `insecure-skip-tls-verify` / `tls-server-name`, all through client-node's KubeConfig) and sends
 * over one keep-alive agent. `send` adds the request timeout and bounded retries honouring Retry-After on 429 (and
 * on 503 with Retry-After). Every failure is a `KubeError` (see errors.ts).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { ResponseContext, type KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { KubeError, describeRequest, formatRequest, httpError, networkError, type RequestDescription } from './errors';
import { credentialHint } from './kubeconfig';
import { TokenBucket, realClock, retryAfterMs, type Clock } from './rateLimiter';

export type Query = Record<string, string | number | boolean | undefined>;

export interface TransportOptions {
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
  readonly query?: Query;
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

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request as `open` sends it. */
export interface SendOptions {
  /** Headers besides the defaults (Accept: application/json, User-Agent) and the credentials. */
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** The headers already carry credentials (client-node's generated clients applied them): ours only fill gaps. */
  readonly authApplied?: boolean;
  /** The request the way RBAC sees it, for error messages. */
  readonly request: RequestDescription;
}

export function buildQuery(q?: Query): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.append(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class Transport {
  readonly server: string;
  readonly limiter: TokenBucket;
  /** Default per request timeout, ms. */
  readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly clock: Clock;
  private agent: http.Agent | undefined;
  private disposed = false;
  /** Requests sent (after rate limiting), for benchmarks and tests. */
  requestCount = 0;

  /** `kubeConfig`'s current context must be `contextName` (see `contextConfig`). */
  constructor(
    readonly kubeConfig: KubeConfig,
    readonly contextName: string,
    options: TransportOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new KubeError('config', `Context "${contextName}" has no cluster.`, { context: contextName });
    this.server = cluster.server.replace(/\/+$/, '');
    this.clock = options.clock ?? realClock;
    this.limiter = options.limiter ?? new TokenBucket(options.qps ?? 20, options.burst ?? 40, this.clock);
    this.timeoutMs = options.timeoutMs ?? 30000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10000;
  }

  // ---- the one request function

  /**
   * Sends one request to `target` (path and query string): waits for the rate limiter, applies the credentials,
   * writes the body. Resolves once the request is sent; `onResponse` gets the response head (the caller reads or
   * streams the body), `onError` a network failure as a KubeError. Rejects, sending nothing, when the client was
   * closed, `signal` aborted or the credentials could not be obtained.
   */
  async open(method: string, target: string, o: SendOptions, onResponse: (res: http.IncomingMessage) => void, onError: (err: KubeError) => void): Promise<http.ClientRequest> {
    if (this.disposed) throw new KubeError('cancelled', 'The cluster client was closed', { context: this.contextName, server: this.server, request: o.request });
    await this.limiter.acquire(o.signal);
    const { headers: auth, agentOptions } = await this.authHeaders();
    if (o.signal?.aborted) throw this.cancelled(o.request);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'kube-compliance', ...o.headers };
    if (!o.authApplied) Object.assign(headers, auth);
    else for (const [k, v] of Object.entries(auth)) if (!(k in headers)) headers[k] = v;
    if (o.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(o.body));
    const url = new URL(this.server + target);
    const mod = url.protocol === 'http:' ? http : https;
    this.requestCount++;
    const req = mod.request(url, { method, headers, agent: this.getAgent(agentOptions) }, onResponse);
    req.on('error', (e) => onError(e instanceof KubeError ? e : networkError(e, this.server, this.contextName, o.request)));
    if (o.body !== undefined) req.write(o.body);
    req.end();
    return req;
  }

  /** One request with rate limiting, retries on 429 and a timeout; the whole answer buffered. Resolves for any status. */
  async send(method: string, target: string, o: SendOptions & { readonly timeoutMs?: number }): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.exchange(method, target, o, o.timeoutMs ?? this.timeoutMs);
      const retriable = res.status === 429 || (res.status === 503 && res.headers['retry-after'] !== undefined);
      if (retriable && attempt < this.maxRetries) {
        const wait = retryAfterMs(res.headers['retry-after'], this.clock.now(), 1000 * 2 ** attempt, this.maxRetryAfterMs);
        await this.clock.sleep(wait, o.signal);
        continue;
      }
      return res;
    }
  }

  /** One buffered exchange through `open`: the whole answer within `timeoutMs`, cancellable by the signal. */
  private async exchange(method: string, target: string, o: SendOptions, timeoutMs: number): Promise<RawResponse> {
    const { request, signal } = o;
    let resolve!: (res: RawResponse) => void;
    let reject!: (err: KubeError) => void;
    const result = new Promise<RawResponse>((res, rej) => ((resolve = res), (reject = rej)));
    // set once the request is sent; `done` may run from then on
    const sent: { req?: http.ClientRequest; timer?: NodeJS.Timeout; settled: boolean } = { settled: false };
    const onAbort = () => {
      const e = this.cancelled(request);
      done(e);
      sent.req?.destroy(e);
    };
    const done = (err: unknown, res?: RawResponse) => {
      if (sent.settled) return;
      sent.settled = true;
      clearTimeout(sent.timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err instanceof KubeError ? err : networkError(err, this.server, this.contextName, request));
      else resolve(res!);
    };
    const req = await this.open(
      method,
      target,
      o,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => done(e));
      },
      (e) => done(e),
    );
    sent.req = req;
    if (sent.settled) return result;
    sent.timer = setTimeout(() => {
      const e = new KubeError('timeout', `No answer from ${this.server} within ${Math.round(timeoutMs / 1000)} s (${formatRequest(request)})`, {
        server: this.server,
        context: this.contextName,
        request,
        hint: 'The API server is slow or unreachable; try again, or check your network.',
      });
      done(e);
      req.destroy(e);
    }, timeoutMs);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return result;
  }

  // ---- JSON on top

  /** The KubeError for a non-2xx answer (the body parsed as a Kubernetes Status when it is JSON). */
  errorFor(res: RawResponse, request: RequestDescription): KubeError {
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
    const headers: Record<string, string> = {};
    if (o.accept) headers.Accept = o.accept;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['Content-Type'] = o.contentType ?? 'application/json';
    }
    const request = describeRequest(method, path, o.query);
    const res = await this.send(method, path + buildQuery(o.query), { headers, body, signal: o.signal, timeoutMs: o.timeoutMs, request });
    if (res.status < 200 || res.status >= 300) throw this.errorFor(res, request);
    if (res.body.length === 0) return undefined as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new KubeError('server', `The API server sent a malformed answer to ${formatRequest(request)}`, { server: this.server, context: this.contextName, status: res.status });
    }
  }

  /** A request whose answer is text (pods/log). Throws a KubeError for any non-2xx answer. */
  async requestText(method: string, path: string, o: Omit<RequestOptions, 'body' | 'contentType'> = {}): Promise<string> {
    const request = describeRequest(method, path, o.query);
    const res = await this.send(method, path + buildQuery(o.query), { headers: { Accept: o.accept ?? '*/*' }, signal: o.signal, timeoutMs: o.timeoutMs, request });
    if (res.status < 200 || res.status >= 300) throw this.errorFor(res, request);
    return res.body.toString('utf8');
  }

  /** Pages through a list (`limit`/`continue`). Restarts once from scratch if the continue token expires (410). */
  async *listPages<T = unknown>(path: string, o: { query?: Query; limit?: number; signal?: AbortSignal; timeoutMs?: number } = {}): AsyncGenerator<ListPage<T>> {
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
  async list<T = unknown>(path: string, o: { query?: Query; limit?: number; signal?: AbortSignal } = {}): Promise<{ items: T[]; resourceVersion?: string }> {
    const items: T[] = [];
    let resourceVersion: string | undefined;
    for await (const p of this.listPages<T>(path, o)) {
      for (const it of p.items) items.push(it);
      resourceVersion = p.resourceVersion;
    }
    return { items, resourceVersion };
  }

  /**
   * client-node's generated clients send through here (`wrapHttpLibrary`), so they share the limiter, retries,
   * timeouts and agent; failures become the same KubeErrors as `request`'s.
   */
  async sendRequestContext(rc: RequestContext): Promise<ResponseContext> {
    const url = new URL(rc.getUrl());
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const body = rc.getBody();
    const method = rc.getHttpMethod().toString();
    const request = describeRequest(method, url.pathname, query);
    const res = await this.send(method, url.pathname + url.search, {
      headers: rc.getHeaders(),
      body: typeof body === 'string' ? body : body === undefined ? undefined : String(body),
      signal: rc.getSignal() as AbortSignal | undefined,
      authApplied: true,
      request,
    });
    if (res.status >= 400) throw this.errorFor(res, request);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const data = res.body;
    return new ResponseContext(res.status, headers, { text: async () => data.toString('utf8'), binary: async () => data });
  }

  /** Refuses further requests and releases the sockets. */
  dispose(): void {
    this.disposed = true;
    this.agent?.destroy();
  }

  // ---- credentials and sockets

  private cancelled(request: RequestDescription): KubeError {
    return new KubeError('cancelled', 'The request was cancelled', { server: this.server, context: this.contextName, request });
  }

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
}
