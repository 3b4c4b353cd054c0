/**
 * Exec into a container over WebSocket (client-node `Exec`, which applies the kubeconfig's credentials itself),
 * under the same rate limiter as every request. Upgrade refusals and stalls become KubeErrors.
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { KubeError, httpError, networkError, type RequestDescription } from './errors';
import { credentialHint } from './kubeconfig';
import type { Transport } from './transport';

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

/** Reads the exit code from an exec Status (see kubernetes-wire-protocol.md §6). */
export function execEndFromStatus(s: V1Status): ExecEnd {
  if (s.status === 'Success') return { kind: 'exit', exitCode: 0, status: s };
  const c = s.details?.causes?.find((x) => x.reason === 'ExitCode');
  if (c?.message !== undefined && /^\d+$/.test(c.message)) return { kind: 'exit', exitCode: Number(c.message), status: s };
  return { kind: 'runtime-error', message: s.message ?? s.reason ?? 'exec failed', status: s };
}

/** The exec streams of one client. */
export class Execs {
  /** Exec streams opened. */
  count = 0;

  constructor(private readonly transport: Transport) {}

  /**
   * Opens an exec stream. Resolves when the WebSocket is open (client-node behaviour); `done` resolves when the
   * status frame arrives or the socket closes without one. Upgrade refusals throw KubeErrors (403 forbidden,
   * 404 pod gone, 400 container not valid / not running, 401).
   */
  async open(namespace: string, pod: string, container: string, command: string[], io: ExecIO = {}): Promise<ExecSession> {
    const t = this.transport;
    const request: RequestDescription = { verb: 'create', resource: 'pods', subresource: 'exec', namespace, name: pod };
    await t.limiter.acquire();
    this.count++;
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
    const openTimeoutMs = io.openTimeoutMs ?? t.timeoutMs;
    // ws aborts a handshake that takes longer than handshakeTimeout, so an unanswered upgrade leaves no socket behind
    let created: WebSocket | undefined;
    const handler = new WebSocketHandler(t.kubeConfig, (uri, protocols, opts) => (created = new WebSocket(uri, protocols, { ...opts, handshakeTimeout: openTimeoutMs })));
    const opening = new Exec(t.kubeConfig, handler).exec(namespace, pod, container, command, io.stdout ?? null, io.stderr ?? null, io.stdin ?? null, io.tty ?? false, (status) => finish(execEndFromStatus(status)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        created?.terminate();
        opening.then((ws) => ws.terminate(), () => undefined);
        reject(new KubeError('timeout', `The exec stream into ${namespace}/${pod}/${container} did not open within ${Math.round(openTimeoutMs / 1000)} s`, { server: t.server, context: t.contextName, request }));
      }, openTimeoutMs);
    });
    try {
      socket = (await Promise.race([opening, timedOut])) as unknown as typeof socket;
    } catch (err) {
      throw this.openError(err, request);
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

  private openError(err: unknown, request: RequestDescription): KubeError {
    const t = this.transport;
    const msg = err instanceof Error ? err.message : String((err as { message?: string })?.message ?? err);
    const m = /Unexpected server response: (\d{3})/.exec(msg);
    if (m) {
      const status = Number(m[1]);
      const e = httpError(status, undefined, { server: t.server, context: t.contextName, request, credentialHint: credentialHint(t.kubeConfig.getCurrentUser(), t.contextName) });
      if (status === 400) return new KubeError('invalid', `The API server refused the exec into ${request.namespace}/${request.name} (400): the container is unknown or not running`, { ...e.details });
      return e;
    }
    if (err instanceof KubeError) return err;
    const cause = (err as { error?: unknown })?.error ?? err; // ws ErrorEvent wraps the error
    return networkError(cause, t.server, t.contextName, request);
  }

  /** Runs a command to completion and collects its output (bounded). Never hangs longer than `timeoutMs`. */
  async run(namespace: string, pod: string, container: string, command: string[], o: ExecRunOptions = {}): Promise<ExecResult> {
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
    const session = await this.open(namespace, pod, container, command, { stdout: out.w, stderr: err.w, stdin });
    const timeoutMs = o.timeoutMs ?? 30000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ExecEnd>((r) => (timer = setTimeout(() => r({ kind: 'closed', message: `the command did not finish within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs)));
    const aborted = new Promise<ExecEnd>((r) => o.signal?.addEventListener('abort', () => r({ kind: 'closed', message: 'cancelled' }), { once: true }));
    const end = await Promise.race([session.done, timeout, aborted]);
    clearTimeout(timer);
    if (end.kind === 'closed') session.close();
    return { stdout: out.text(), stderr: err.text(), end, exitCode: end.kind === 'exit' ? end.exitCode : undefined, truncated };
  }
}
