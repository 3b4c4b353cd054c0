/**
 * Watches that reconnect: each watch request is sent by the transport's `open` (same limiter, credentials, agent
 * and errors as every other request); this module only reads the event stream and decides when to reopen.
 */
import type * as http from 'node:http';
import { KubeError, describeRequest, networkError, type RequestDescription } from './errors';
import { buildQuery, type Query, type Transport } from './transport';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchOptions {
  readonly query?: Query;
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

/** The watches of one client, so they can all be stopped with it. */
export class Watches {
  private readonly handles = new Set<WatchHandle>();

  constructor(private readonly transport: Transport) {}

  /**
   * Watches `path` (e.g. `/api/v1/namespaces/demo/pods`). Reopens the stream when it ends or breaks (backoff 1 s …
   * 30 s), resuming from the last resourceVersion seen; on 410 it calls `onResync` and restarts from now.
   * Stops for good on 401/403/404 (`onStop`). Dispose to stop.
   */
  watch(path: string, onEvent: (type: WatchEventType, object: unknown) => void, o: WatchOptions = {}): WatchHandle {
    const t = this.transport;
    let rv = o.resourceVersion;
    let stopped = false;
    let current: http.ClientRequest | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let failures = 0;
    const abort = new AbortController(); // a watch disposed while waiting for the limiter or credentials sends nothing
    const handle: WatchHandle = {
      dispose: () => {
        stopped = true;
        abort.abort();
        clearTimeout(retryTimer);
        current?.destroy();
        this.handles.delete(handle);
      },
      get stopped() {
        return stopped;
      },
    };
    this.handles.add(handle);
    const reopen = (err: unknown) => {
      if (stopped) return;
      if (err instanceof KubeError && ['unauthorized', 'forbidden', 'not-found', 'config'].includes(err.kind)) {
        stopped = true;
        this.handles.delete(handle);
        o.onStop?.(err);
        return;
      }
      const delay = err ? Math.min(30000, 1000 * 2 ** Math.min(failures++, 5)) : 0;
      if (err) o.onReconnect?.(err, delay);
      retryTimer = setTimeout(() => void start(), delay);
    };
    const read = (req: http.ClientRequest, res: http.IncomingMessage, request: RequestDescription) => {
      if ((res.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const err = t.errorFor({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }, request);
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
      res.on('error', (e) => reopen(networkError(e, t.server, t.contextName, request)));
    };
    const start = async () => {
      if (stopped) return;
      const query = { ...o.query, watch: true, allowWatchBookmarks: true, timeoutSeconds: o.timeoutSeconds ?? 290, resourceVersion: rv };
      const request = describeRequest('GET', path, query);
      try {
        let req: http.ClientRequest | undefined = undefined;
        req = await t.open(
          'GET',
          path + buildQuery(query),
          { request, signal: abort.signal },
          (res) => read(req!, res, request),
          (err) => {
            if (current === req) current = undefined;
            reopen(stopped ? undefined : err);
          },
        );
        current = req;
      } catch (err) {
        reopen(err);
      }
    };
    void start();
    return handle;
  }

  /** Stops every watch. */
  dispose(): void {
    for (const w of [...this.handles]) w.dispose();
  }
}
