// The two remote-command wire protocols of the emulator's exec/attach: WebSocket (`v5.channel.k8s.io`, v4 and the
// older channel protocols) and SPDY/3.1 (kubectl ≤1.29 and kubectl's fallback). Both are turned into one small
// `ChannelSession` so the exec/attach logic does not care which one the client spoke.
// Wire facts: ../shared/docs/kubernetes-wire-protocol.md §4–§6.
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface StatusObject { metadata: Record<string, never>; status: 'Success' | 'Failure'; message?: string; reason?: string; details?: { causes: { reason?: string; message: string }[] }; code?: number }

export interface ChannelSession {
  /** Negotiated subprotocol, e.g. `v5.channel.k8s.io` (WebSocket) or `v4.channel.k8s.io` (SPDY). */
  readonly protocol: string;
  readonly transport: 'websocket' | 'spdy';
  /** Writes stdout (1) or stderr (2). Returns a promise when the caller should wait before writing more. */
  write(channel: 1 | 2, data: Buffer): Promise<void> | undefined;
  onStdin(cb: (data: Buffer) => void): void;
  /** stdin closed by the client (v5 `[255,0]`, or SPDY FIN on the stdin stream). */
  onStdinEnd(cb: () => void): void;
  /** Terminal size changes (tty sessions: WebSocket channel 4, SPDY `resize` stream). */
  onResize(cb: (width: number, height: number) => void): void;
  /** The client went away (or the session was finished/aborted). */
  onClose(cb: () => void): void;
  /** Sends the final status (in the protocol's form), flushes and closes cleanly. */
  finish(status: StatusObject): void;
  /** Cuts the connection abruptly: no status, no close handshake (fault injection). */
  abort(): void;
  readonly closed: boolean;
}

const WS_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const SPDY_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const HIGH_WATER = 1 << 20;

/** Sends a plain HTTP error on a not-yet-upgraded socket (what kubelet does when it cannot start the stream). */
export function rejectUpgrade(socket: Duplex, code: number, message: string): void {
  const body = Buffer.from(message);
  const reason = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : code === 403 ? 'Forbidden' : 'Internal Server Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`);
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3');
}

/** Terminal sizes from a resize payload: one or more concatenated `{"Width":…,"Height":…}` objects. */
function parseSizes(buf: Buffer): { Width: number; Height: number }[] {
  const out: { Width: number; Height: number }[] = [];
  for (const m of buf.toString().matchAll(/\{[^{}]*\}/g)) {
    try {
      const o = JSON.parse(m[0]) as { Width?: number; Height?: number };
      if (typeof o.Width === 'number' && typeof o.Height === 'number') out.push({ Width: o.Width, Height: o.Height });
    } catch {}
  }
  return out;
}

/** The status in the form a protocol version expects: JSON from v4 on, plain error text (or nothing) before. */
function statusPayload(protocol: string, status: StatusObject): Buffer | undefined {
  if (protocol.startsWith('v4.') || protocol.startsWith('v5.')) return Buffer.from(JSON.stringify(status));
  return status.status === 'Success' ? undefined : Buffer.from(status.message ?? 'error');
}

// ---------------------------------------------------------------- WebSocket

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 64 << 20,
  handleProtocols: (offered) => WS_PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<ChannelSession | undefined> {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  if (!WS_PROTOCOLS.some((p) => offered.includes(p))) {
    rejectUpgrade(socket, 400, `none of the offered subprotocols is supported (offered: ${offered.join(', ') || 'none'}; supported: ${WS_PROTOCOLS.join(', ')})`);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    wss.handleUpgrade(req, socket, head, (ws) => resolve(new WsSession(ws)));
  });
}

/** The stdin-ended and closed bookkeeping both session kinds share. */
abstract class SessionLifecycle {
  closed = false;
  private stdinEndCbs: (() => void)[] = [];
  private closeCbs: (() => void)[] = [];
  private stdinEnded = false;

  protected endStdin(): void {
    if (this.stdinEnded) return;
    this.stdinEnded = true;
    for (const cb of this.stdinEndCbs) cb();
  }

  protected markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closeCbs) cb();
  }

  onStdinEnd(cb: () => void): void { if (this.stdinEnded) cb(); else this.stdinEndCbs.push(cb); }
  onClose(cb: () => void): void { if (this.closed) cb(); else this.closeCbs.push(cb); }
}

class WsSession extends SessionLifecycle implements ChannelSession {
  readonly transport = 'websocket' as const;
  readonly protocol: string;
  private stdinCbs: ((d: Buffer) => void)[] = [];
  private resizeCbs: ((w: number, h: number) => void)[] = [];
  /** stdin that arrived before anyone listened (handed over on the first onStdin). */
  private pendingStdin: Buffer[] = [];

  constructor(private readonly ws: WebSocket) {
    super();
    this.protocol = ws.protocol;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (!buf.length) return;
      // base64 channel protocols are not offered, so frames are always binary; accept text frames all the same.
      void isBinary;
      const channel = buf[0];
      if (channel === 0) {
        if (this.stdinCbs.length) for (const cb of this.stdinCbs) cb(buf.subarray(1));
        else this.pendingStdin.push(buf.subarray(1));
      } else if (channel === 255 && buf.length >= 2 && buf[1] === 0) {
        this.endStdin();
      }
      else if (channel === 4) {
        for (const size of parseSizes(buf.subarray(1))) for (const cb of this.resizeCbs) cb(size.Width, size.Height);
      }
    });
    ws.on('close', () => this.markClosed());
    ws.on('error', () => this.markClosed());
  }

  write(channel: 1 | 2, data: Buffer): Promise<void> | undefined {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return undefined;
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = channel;
    data.copy(frame, 1);
    if (this.ws.bufferedAmount + frame.length < HIGH_WATER) {
      this.ws.send(frame);
      return undefined;
    }
    return new Promise((resolve) => this.ws.send(frame, () => resolve()));
  }

  onStdin(cb: (data: Buffer) => void): void {
    this.stdinCbs.push(cb);
    for (const d of this.pendingStdin.splice(0)) cb(d);
  }
  onResize(cb: (w: number, h: number) => void): void { this.resizeCbs.push(cb); }

  finish(status: StatusObject): void {
    if (this.closed) return;
    const payload = statusPayload(this.protocol, status);
    if (payload && this.ws.readyState === this.ws.OPEN) this.ws.send(Buffer.concat([Buffer.from([3]), payload]));
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    // The 'close' event arrives after the client's close frame; a client that never answers is cut after 5 s.
    const t = setTimeout(() => this.ws.terminate(), 5000);
    t.unref();
  }

  abort(): void {
    this.ws.terminate();
    this.markClosed();
  }
}

// ---------------------------------------------------------------- SPDY/3.1

interface SpdyStream extends Duplex {
  headers: Record<string, string>;
  respond(status: number, headers: Record<string, string>, cb?: (err?: Error) => void): void;
}
interface SpdySide { current: number; max: number; limit: number; lowWaterMark: number }
interface SpdyConnection {
  _spdyState: {
    parser: { parseKVs(buf: unknown, cb: (err: Error | null, headers?: Record<string, string>) => void): void };
    window: { send: SpdySide };
    streamWindow: { send: SpdySide };
  };
  _setDefaultWindow(settings: unknown): void;
  start(version: number): void;
  on(ev: 'stream', cb: (s: SpdyStream) => void): void;
  on(ev: 'error' | 'close', cb: (e?: Error) => void): void;
  end(cb?: () => void): void;
}
interface SpdyTransport { connection: { create(socket: Duplex, opts: Record<string, unknown>): SpdyConnection } }

const requireCjs = createRequire(import.meta.url);
let spdyTransport: SpdyTransport | undefined;

function widen(side: SpdySide): void {
  side.current = 2 ** 30;
  side.max = 2 ** 30;
  side.limit = 2 ** 31;
  side.lowWaterMark = 0;
}

function headerValues(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : [v ?? '']).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export interface SpdyExpect { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

export function acceptSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, expect: SpdyExpect): Promise<ChannelSession | undefined> {
  const offered = headerValues(req.headers['x-stream-protocol-version']);
  const protocol = SPDY_PROTOCOLS.find((p) => offered.includes(p)) ?? (offered.length ? undefined : 'channel.k8s.io');
  if (!protocol) {
    rejectUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${SPDY_PROTOCOLS.join(' ')}]`);
    return Promise.resolve(undefined);
  }
  spdyTransport ??= requireCjs('spdy-transport') as SpdyTransport;
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length) socket.unshift(head);
  const conn = spdyTransport.connection.create(socket, { protocol: 'spdy', isServer: true, autoSpdy31: true });
  // Patch 1: Go's spdystream sends SYN_STREAMs carrying only `streamtype`; spdy-transport insists on :method/:path.
  const parser = conn._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buf, cb) => parseKVs(buf, (err, headers) => {
    if (!err && headers && headers[':method'] === undefined) {
      headers[':method'] = 'POST';
      headers[':path'] = '/';
    }
    cb(err, headers);
  });
  // Patch 2: spdystream never sends WINDOW_UPDATE, so send-side flow control would stall output at 64 KiB.
  widen(conn._spdyState.window.send);
  widen(conn._spdyState.streamWindow.send);
  conn._setDefaultWindow = () => {};
  conn.start(3.1);

  const wanted = new Set(['error']);
  if (expect.stdin) wanted.add('stdin');
  if (expect.stdout) wanted.add('stdout');
  if (expect.stderr && !expect.tty) wanted.add('stderr');
  if (expect.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io') wanted.add('resize');
  const streams = new Map<string, SpdyStream>();
  const replies: Promise<void>[] = [];
  return new Promise((resolve) => {
    let done = false;
    const ready = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!streams.has('error')) {
        socket.destroy();
        resolve(undefined);
        return;
      }
      // Every SYN_REPLY must be on the wire before anything else happens on the streams.
      void Promise.all(replies).then(() => resolve(new SpdySession(socket, streams, protocol)));
    };
    // Streams that the client did not open within 5 s are treated as not requested.
    const timer = setTimeout(ready, 5000);
    conn.on('stream', (stream) => {
      replies.push(new Promise((r) => stream.respond(200, {}, () => r())));
      const type = stream.headers.streamtype;
      if (type) streams.set(type, stream);
      stream.on('error', () => {});
      if ([...wanted].every((w) => streams.has(w))) ready();
    });
    conn.on('error', () => {});
    socket.on('close', () => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
}

class SpdySession extends SessionLifecycle implements ChannelSession {
  readonly transport = 'spdy' as const;

  constructor(
    private readonly socket: Duplex,
    private readonly streams: Map<string, SpdyStream>,
    readonly protocol: string,
  ) {
    super();
    socket.on('close', () => this.markClosed());
    socket.on('error', () => this.markClosed());
    const stdin = streams.get('stdin');
    if (stdin) {
      stdin.on('end', () => this.endStdin());
    }
    // The output and error streams are write-only for us: keep them flowing so their FINs are seen (stdin and resize
    // flow once someone listens).
    for (const [type, s] of streams) if (type !== 'stdin' && type !== 'resize') s.resume();
  }

  write(channel: 1 | 2, data: Buffer): Promise<void> | undefined {
    const s = this.streams.get(channel === 1 ? 'stdout' : 'stderr');
    if (!s || this.closed || s.writableEnded) return undefined;
    if (s.write(data)) return undefined;
    return new Promise((resolve) => {
      const done = () => { s.off('drain', done); s.off('close', done); resolve(); };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  onStdin(cb: (data: Buffer) => void): void {
    this.streams.get('stdin')?.on('data', (d: Buffer) => cb(Buffer.from(d)));
  }
  onResize(cb: (w: number, h: number) => void): void {
    this.streams.get('resize')?.on('data', (d: Buffer) => { for (const size of parseSizes(d)) cb(size.Width, size.Height); });
  }

  finish(status: StatusObject): void {
    if (this.closed) return;
    const payload = statusPayload(this.protocol, status);
    const errStream = this.streams.get('error');
    if (payload && errStream && !errStream.writableEnded) errStream.write(payload);
    // Patch 3: end every stream we write to and wait for their FINs to be flushed before closing the connection.
    const pending: Promise<void>[] = [];
    for (const [type, s] of this.streams) {
      if (type === 'stdin' || type === 'resize' || s.writableEnded) continue;
      pending.push(new Promise((resolve) => { s.once('finish', () => resolve()); s.once('close', () => resolve()); }));
      s.end();
    }
    // The client closes the connection once it has read the status; close it ourselves only when it does not.
    const close = () => {
      const t2 = setTimeout(() => this.socket.destroy(), 10_000);
      t2.unref();
      this.socket.once('close', () => clearTimeout(t2));
      const flushed = () => { if (!this.socket.destroyed) this.socket.end(); };
      setTimeout(flushed, 200).unref();
    };
    const t = setTimeout(close, 5000);
    t.unref();
    void Promise.all(pending).then(() => { clearTimeout(t); close(); });
  }

  abort(): void {
    this.socket.destroy();
    this.markClosed();
  }
}
