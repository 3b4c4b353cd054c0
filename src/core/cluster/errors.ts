import { redact } from '../redact';

/** What went wrong talking to a cluster, in terms the tree and the scan can act on. */
export type KubeErrorKind =
  | 'config' // the kubeconfig/context itself is unusable (no such context, bad file, credential plugin failed)
  | 'unreachable' // no TCP/HTTP answer: DNS, refused, reset, proxy
  | 'tls' // certificate verification / handshake failure
  | 'unauthorized' // 401: credentials missing, expired or rejected
  | 'forbidden' // 403: RBAC (or admission) refused this verb on this resource
  | 'not-found' // 404
  | 'conflict' // 409
  | 'gone' // 410: watch/list resourceVersion too old
  | 'invalid' // 400/422: the request was refused as malformed (e.g. unknown container)
  | 'rate-limited' // 429 after the bounded retries
  | 'timeout' // no complete answer within the request timeout
  | 'server' // 5xx
  | 'cancelled'; // the caller aborted

/** Which request failed, described the way RBAC sees it. */
export interface RequestDescription {
  readonly verb: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly group?: string;
}

export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly details: {
      readonly server?: string;
      readonly context?: string;
      readonly status?: number;
      /** Kubernetes `Status.reason`, e.g. `Forbidden`, `NotFound`, `Expired`. */
      readonly reason?: string;
      readonly request?: RequestDescription;
      /** What the user can do about it. */
      readonly hint?: string;
      readonly cause?: unknown;
    } = {},
  ) {
    super(redact(message));
  }
  /** HTTP status, like client-node's ApiException.code. */
  get code(): number | undefined {
    return this.details.status;
  }
  get server(): string | undefined {
    return this.details.server;
  }
  get hint(): string | undefined {
    return this.details.hint;
  }
  get request(): RequestDescription | undefined {
    return this.details.request;
  }
}

export function isKubeError(err: unknown, kind?: KubeErrorKind): err is KubeError {
  return err instanceof KubeError && (kind === undefined || err.kind === kind);
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ALTNAME|EPROTO|ERR_OSSL/i;

/** Maps a socket-level error (`code` like ECONNREFUSED, CERT_HAS_EXPIRED) to a KubeError. */
export function networkError(err: unknown, server: string, context?: string, request?: RequestDescription): KubeError {
  const e = err as { code?: string; message?: string; name?: string };
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  if (e?.name === 'AbortError') return new KubeError('cancelled', 'The request was cancelled', { server, context, request, cause: err });
  if (TLS_CODE.test(code) || /certificate|self[- ]signed|tls|ssl/i.test(msg)) {
    return new KubeError('tls', `TLS failure talking to ${server}: ${msg}`, {
      server,
      context,
      request,
      cause: err,
      hint: `Check certificate-authority / certificate-authority-data, tls-server-name and insecure-skip-tls-verify of the cluster in your kubeconfig${context ? ` (context ${context})` : ''}.`,
    });
  }
  if (UNREACHABLE_CODES.has(code) || /ECONNREFUSED|ENOTFOUND|socket hang up|EHOSTUNREACH/.test(msg)) {
    return new KubeError('unreachable', `Cannot reach the API server at ${server} (${code || msg})`, {
      server,
      context,
      request,
      cause: err,
      hint: 'Check that the cluster is running, your network or VPN, and any proxy-url in the kubeconfig.',
    });
  }
  return new KubeError('unreachable', `Request to ${server} failed: ${msg}`, { server, context, request, cause: err });
}

/** Describes a REST call the way RBAC sees it (verb, resource, subresource, namespace, name). */
export function describeRequest(method: string, path: string, query?: Record<string, unknown>): RequestDescription {
  const clean = path.split('?')[0].replace(/\/+$/, '');
  const parts = clean.split('/').filter(Boolean);
  let i = 0;
  let group = '';
  if (parts[0] === 'api') i = 2;
  else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    i = 3;
  }
  let namespace: string | undefined;
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    namespace = parts[i + 1];
    i += 2;
  }
  const resource = parts[i] ?? clean;
  const name = parts[i + 1];
  const subresource = parts[i + 2];
  const m = method.toUpperCase();
  const watching = query && (query.watch === true || query.watch === 'true' || query.watch === 1 || query.watch === '1');
  let verb: string;
  if (m === 'GET') verb = watching ? 'watch' : name ? 'get' : 'list';
  else if (m === 'POST') verb = 'create';
  else if (m === 'PUT') verb = 'update';
  else if (m === 'PATCH') verb = 'patch';
  else if (m === 'DELETE') verb = name ? 'delete' : 'deletecollection';
  else verb = m.toLowerCase();
  return { verb, resource, subresource, namespace, name, group: group || undefined };
}

export function formatRequest(r: RequestDescription): string {
  const what = `${r.resource}${r.subresource ? `/${r.subresource}` : ''}${r.name ? ` "${r.name}"` : ''}`;
  return `${r.verb} ${what}${r.namespace ? ` in namespace "${r.namespace}"` : ''}`;
}

/** Builds the KubeError for a non-2xx answer with an optional Kubernetes `Status` body. */
export function httpError(
  status: number,
  body: unknown,
  ctx: { server: string; context?: string; request: RequestDescription; credentialHint?: string; retryAfterMs?: number },
): KubeError {
  const st = body && typeof body === 'object' ? (body as { message?: string; reason?: string }) : undefined;
  const apiMessage = st?.message ?? (typeof body === 'string' && body.length < 500 ? body.trim() : '');
  const reason = st?.reason;
  const req = ctx.request;
  const base = { server: ctx.server, context: ctx.context, status, reason, request: req };
  switch (status) {
    case 401:
      return new KubeError('unauthorized', `The API server at ${ctx.server} rejected the credentials (401 Unauthorized)${apiMessage ? `: ${apiMessage}` : ''}`, {
        ...base,
        hint: ctx.credentialHint ?? 'Your credentials expired or are invalid: log in again or get a new token, then refresh.',
      });
    case 403: {
      // 403 also comes from admission, where RBAC is not the problem: Pod Security, or a validating webhook
      const psa = /violates PodSecurity "([a-z]+)(?::[^"]*)?"/.exec(apiMessage);
      if (psa) {
        return new KubeError('forbidden', `Pod Security admission refused to ${formatRequest(req)}: the namespace is held to the "${psa[1]}" level (${apiMessage})`, {
          ...base,
          hint: `The namespace is held to Pod Security level "${psa[1]}" (by its pod-security.kubernetes.io/enforce label or the cluster's default), and the change breaks that standard; your permissions are not the problem. Ask a cluster administrator for an exemption or a less strict level, or scan another way.`,
        });
      }
      const webhook = /admission webhook "([^"]+)" denied the request/.exec(apiMessage);
      if (webhook) {
        return new KubeError('forbidden', `The admission webhook "${webhook[1]}" refused to ${formatRequest(req)}: ${apiMessage}`, {
          ...base,
          hint: `A policy in the cluster (webhook ${webhook[1]}) refused the change; your permissions are not the problem. Ask its owners what the policy allows.`,
        });
      }
      if (/\bis forbidden: /.test(apiMessage) && !/\bcannot \w+ resource\b|\bUser "[^"]*" cannot\b/.test(apiMessage)) {
        // not an RBAC refusal (quota, a ValidatingAdmissionPolicy, another admission plugin): say what the server said
        return new KubeError('forbidden', `The API server refused to ${formatRequest(req)}: ${apiMessage}`, {
          ...base,
          hint: 'The cluster refused the request by policy (admission or quota), not for lack of RBAC permission; the message says which.',
        });
      }
      return new KubeError('forbidden', `Forbidden: you may not ${formatRequest(req)}${apiMessage ? ` (${apiMessage})` : ''}`, {
        ...base,
        hint: `Ask a cluster administrator for RBAC permission to ${formatRequest(req)}${ctx.context ? `, or use another context than ${ctx.context}` : ''}.`,
      });
    }
    case 404:
      return new KubeError('not-found', `Not found: ${formatRequest(req)}${apiMessage ? ` (${apiMessage})` : ''}`, base);
    case 409:
      return new KubeError('conflict', `Conflict: ${apiMessage || formatRequest(req)}`, base);
    case 410:
      return new KubeError('gone', `Resource version expired: ${apiMessage || formatRequest(req)}`, base);
    case 400:
    case 422:
      return new KubeError('invalid', `The API server refused the request (${status}): ${apiMessage || formatRequest(req)}`, base);
    case 429:
      return new KubeError('rate-limited', `The API server kept answering 429 Too Many Requests to ${formatRequest(req)}`, {
        ...base,
        hint: 'The cluster is throttling requests; lower kubeCompliance.api.qps or try again later.',
      });
    case 504:
      return new KubeError('timeout', `The API server timed out: ${apiMessage || formatRequest(req)}`, base);
    default:
      return new KubeError(status >= 500 ? 'server' : 'invalid', `The API server answered ${status} to ${formatRequest(req)}${apiMessage ? `: ${apiMessage}` : ''}`, base);
  }
}
