/**
 * THE cluster client of Kube Compliance: every API call of the product goes through a `ClusterClient`, one per
 * context. This module is the facade; the work is done by:
 * - kubeconfig.ts: loading the files kubectl would read, merged the way kubectl does (first file wins per
 *   cluster/user/context name; current-context from the first file that sets it), the context choice (a client per
 *   context without editing the user's file) and credential hints;
 * - transport.ts: the one request function (rate limiter, credentials and TLS through client-node's KubeConfig,
 *   keep-alive agent), request timeouts, bounded retries honouring Retry-After on 429, JSON requests, paged lists;
 * - watch.ts: watches that reconnect, sent through the transport;
 * - exec.ts: exec over WebSocket (client-node `Exec`).
 * Every failure is a `KubeError` (see errors.ts) saying what happened and what to do.
 */
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type KubeConfig,
  type RequestContext,
  type V1EphemeralContainer,
  type V1Pod,
} from '@kubernetes/client-node';
import { Execs, type ExecIO, type ExecResult, type ExecRunOptions, type ExecSession } from './exec';
import { contextConfig, type KubeconfigLoad } from './kubeconfig';
import type { TokenBucket } from './rateLimiter';
import { Transport, type ListPage, type Query, type RequestOptions, type TransportOptions } from './transport';
import { Watches, type WatchEventType, type WatchHandle, type WatchOptions } from './watch';

export { KubeError, isKubeError, type KubeErrorKind, type RequestDescription } from './errors';
export { credentialHint, listContexts, loadDefaultKubeconfig, loadKubeconfig, type ContextInfo, type KubeconfigLoad } from './kubeconfig';
export { buildQuery, type ListPage, type RequestOptions } from './transport';
export type { WatchEventType, WatchHandle, WatchOptions } from './watch';
export { execEndFromStatus, type ExecEnd, type ExecIO, type ExecResult, type ExecRunOptions, type ExecSession } from './exec';

export type ClusterClientOptions = TransportOptions;

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

/** A Kubernetes object as JSON (dates as strings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawObject = Record<string, any>;
export type RawPod = RawObject;

export class ClusterClient {
  readonly contextName: string;
  readonly server: string;
  /** The context's namespace, or `default`. */
  readonly namespace: string;
  readonly userName: string;
  /** A per-context copy of the merged kubeconfig (current-context = this context). Never written to disk. */
  readonly kubeConfig: KubeConfig;
  readonly limiter: TokenBucket;
  private readonly transport: Transport;
  private readonly watches: Watches;
  private readonly execs: Execs;
  private readonly apis = new Map<unknown, unknown>();

  /** A client for `context` (default: the kubeconfig's current context). Throws a `config` KubeError when unusable. */
  static forContext(load: KubeconfigLoad, context?: string, options: ClusterClientOptions = {}): ClusterClient {
    const { name, kubeConfig } = contextConfig(load, context);
    return new ClusterClient(kubeConfig, name, options);
  }

  constructor(kubeConfig: KubeConfig, contextName: string, options: ClusterClientOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.contextName = contextName;
    const ctx = kubeConfig.getContextObject(contextName);
    this.transport = new Transport(kubeConfig, contextName, options);
    this.server = this.transport.server;
    this.limiter = this.transport.limiter;
    this.namespace = ctx?.namespace || 'default';
    this.userName = ctx?.user ?? '';
    this.watches = new Watches(this.transport);
    this.execs = new Execs(this.transport);
  }

  /** Requests sent (after rate limiting), for benchmarks and tests. */
  get requestCount(): number {
    return this.transport.requestCount;
  }

  /** Exec streams opened. */
  get execCount(): number {
    return this.execs.count;
  }

  // ---- raw API clients (client-node generated), sharing this client's limiter, retries, timeouts and errors

  private api<T>(ctor: new (c: ReturnType<typeof createConfiguration>) => T): T {
    let a = this.apis.get(ctor) as T | undefined;
    if (!a) {
      const httpApi = wrapHttpLibrary({ send: (rc: RequestContext) => this.transport.sendRequestContext(rc) });
      const config = createConfiguration({ baseServer: new ServerConfiguration(this.server, {}), authMethods: { default: this.kubeConfig }, httpApi });
      a = new ctor(config);
      this.apis.set(ctor, a);
    }
    return a;
  }
  get core(): CoreV1Api {
    return this.api(CoreV1Api);
  }
  get rbac(): RbacAuthorizationV1Api {
    return this.api(RbacAuthorizationV1Api);
  }

  // ---- requests, lists, watches, exec

  /** A JSON request to the API server. Throws a KubeError for any non-2xx answer. */
  request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return this.transport.request<T>(method, path, o);
  }

  /** A request whose answer is text, such as `pods/log`. Throws a KubeError for any non-2xx answer. */
  requestText(method: string, path: string, o: Omit<RequestOptions, 'body' | 'contentType'> = {}): Promise<string> {
    return this.transport.requestText(method, path, o);
  }

  /** Pages through a list (`limit`/`continue`). Restarts once from scratch if the continue token expires (410). */
  listPages<T = unknown>(path: string, o: { query?: Query; limit?: number; signal?: AbortSignal; timeoutMs?: number } = {}): AsyncGenerator<ListPage<T>> {
    return this.transport.listPages<T>(path, o);
  }

  /** Lists every item (all pages). */
  list<T = unknown>(path: string, o: { query?: Query; limit?: number; signal?: AbortSignal } = {}): Promise<{ items: T[]; resourceVersion?: string }> {
    return this.transport.list<T>(path, o);
  }

  /** Watches `path`, reconnecting by itself (see `Watches.watch`). Dispose the handle to stop. */
  watch(path: string, onEvent: (type: WatchEventType, object: unknown) => void, o: WatchOptions = {}): WatchHandle {
    return this.watches.watch(path, onEvent, o);
  }

  /** Opens an exec stream (see `Execs.open`). */
  openExec(namespace: string, pod: string, container: string, command: string[], io: ExecIO = {}): Promise<ExecSession> {
    return this.execs.open(namespace, pod, container, command, io);
  }

  /** Runs a command to completion and collects its output (bounded). Never hangs longer than `timeoutMs`. */
  exec(namespace: string, pod: string, container: string, command: string[], o: ExecRunOptions = {}): Promise<ExecResult> {
    return this.execs.run(namespace, pod, container, command, o);
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
    this.watches.dispose();
    this.transport.dispose();
  }
}
