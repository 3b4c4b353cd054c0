/**
 * Requests with replies over a one-way message channel (the webview's `postMessage` in both directions), used by
 * both ends of the results panel: the extension host (`ResultsView`) and the panel (`webview/panelApp.ts`).
 *
 * Wire format (the `request`/`reply` messages of messages.ts, which the guards there validate):
 *   { type: 'request', id, method, params }  →  { type: 'reply', id, ok: true, result } | { type: 'reply', id, ok: false, error }
 *
 * One `RpcEndpoint<Out, In>` per end: `request()` sends a request of the `Out` map and resolves with its reply
 * (ids are per endpoint; a timeout rejects and a late reply is then ignored); `handle()` answers requests of the `In`
 * map. `receive()` takes the `request`/`reply` messages the end got; anything malformed, a reply nobody waits for and
 * a duplicate reply are ignored. No DOM and no Node: both bundles import it.
 */

/** A request map: method → its params and result (messages.ts `PanelRequests`, `HostRequests`). */
export type MethodMap<M> = { [K in keyof M]: { params: unknown; result: unknown } };

export type ParamsOf<M extends MethodMap<M>, K extends keyof M> = M[K]['params'];
export type ResultOf<M extends MethodMap<M>, K extends keyof M> = M[K]['result'];

/** A request of map `M` as it travels (the same shape as messages.ts `PanelRequest` / `HostRequest`). */
export type RpcRequest<M extends MethodMap<M>> = {
  [K in keyof M & string]: { readonly type: 'request'; readonly id: number; readonly method: K; readonly params: ParamsOf<M, K> };
}[keyof M & string];

/** A reply (the same shape as messages.ts `ReplyMessage`). */
export type RpcReply =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string };

export interface RpcOptions {
  /** Default timeout of `request()` in ms; 0 waits for ever. Default 10,000. */
  readonly timeoutMs?: number;
  /** Who answers, for error messages: "`peer` did not answer 'method' within N ms". */
  readonly peer?: string;
  /** A handler threw or rejected (its error is also sent back as the reply). */
  readonly onHandlerError?: (method: string, error: string) => void;
}

type Timer = ReturnType<typeof setTimeout>;

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: Timer | undefined;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
const isId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** A structurally valid request (any method; params an object). */
export function isRpcRequest(x: unknown): x is { readonly type: 'request'; readonly id: number; readonly method: string; readonly params: Record<string, unknown> } {
  return isObj(x) && x.type === 'request' && isId(x.id) && typeof x.method === 'string' && isObj(x.params);
}

/** A structurally valid reply. */
export function isRpcReply(x: unknown): x is RpcReply {
  return isObj(x) && x.type === 'reply' && isId(x.id) && (x.ok === true || (x.ok === false && typeof x.error === 'string'));
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class RpcEndpoint<Out extends MethodMap<Out>, In extends MethodMap<In>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, (params: never) => unknown>();
  private closed: string | undefined;

  constructor(
    private readonly send: (message: RpcRequest<Out> | RpcReply) => void,
    private readonly options: RpcOptions = {},
  ) {}

  /** Sends `method(params)` and resolves with the reply's result (rejects with the reply's error, or on timeout). */
  request<K extends keyof Out & string>(method: K, params: ParamsOf<Out, K>, timeoutMs = this.options.timeoutMs ?? 10_000): Promise<ResultOf<Out, K>> {
    if (this.closed !== undefined) return Promise.reject(new Error(this.closed));
    const id = this.nextId++;
    return new Promise<ResultOf<Out, K>>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`${this.options.peer ?? 'the other side'} did not answer '${method}' within ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      this.send({ type: 'request', id, method, params } as RpcRequest<Out>);
    });
  }

  /** Answers the requests for `method` with `fn`'s result (or its error). Returns a function that removes the handler. */
  handle<K extends keyof In & string>(method: K, fn: (params: ParamsOf<In, K>) => ResultOf<In, K> | PromiseLike<ResultOf<In, K>>): () => void {
    this.handlers.set(method, fn as (params: never) => unknown);
    return () => {
      if (this.handlers.get(method) === fn) this.handlers.delete(method);
    };
  }

  /**
   * Takes a `request` or `reply` message this end received. A request is answered (the returned promise resolves
   * with the handler's result, or undefined when it failed); a reply settles its request. Malformed messages and
   * replies no request waits for are ignored (resolve undefined, nothing is sent).
   */
  async receive(message: unknown): Promise<unknown> {
    if (isRpcReply(message)) {
      const p = this.pending.get(message.id);
      if (!p) return undefined;
      this.pending.delete(message.id);
      if (p.timer !== undefined) clearTimeout(p.timer);
      if (message.ok) p.resolve(message.result);
      else p.reject(new Error(message.error));
      return undefined;
    }
    if (!isRpcRequest(message)) return undefined;
    const { id, method } = message;
    const fn = this.handlers.get(method);
    try {
      if (!fn) throw new Error(`no handler for '${method}'`);
      const result = await (fn as (params: unknown) => unknown)(message.params);
      if (this.closed === undefined) this.send({ type: 'reply', id, ok: true, result });
      return result;
    } catch (err) {
      const error = errorText(err);
      this.options.onHandlerError?.(method, error);
      if (this.closed === undefined) this.send({ type: 'reply', id, ok: false, error });
      return undefined;
    }
  }

  /** Requests still waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Rejects every waiting request with `reason`; later requests reject at once and nothing more is sent. */
  dispose(reason = 'closed'): void {
    this.closed = reason;
    for (const p of this.pending.values()) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
    this.handlers.clear();
  }
}
