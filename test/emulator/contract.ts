// The interface between the emulator's API server (test/emulator/*.ts, EMU-API) and its container runtime
// (test/emulator/runtime/, EMU-RUNTIME). The runtime module `test/emulator/runtime/index.ts` exports `createRuntime`
// with the `CreateRuntime` signature; the API server loads it at start (see index.ts `loadRuntime`).
//
// Division of work:
// - The API server owns authentication, RBAC (pods/exec needs `get`+`create` for the WebSocket GET upgrade, `create`
//   for the SPDY POST), the pod and container lookup (404 / 400 "container x is not valid for pod y"), the completed-pod
//   check, and the pod objects. It calls `handleStreamUpgrade` only after all of that passed; the socket is untouched.
// - The runtime owns everything after that: WebSocket (v5/v4) or SPDY/3.1 handshake, channels, the process, the
//   status frame, and the "container is not running" / Windows / security-profile errors.
// - Pod status: the API server creates pods with `status.phase: Pending` and every container `waiting`
//   (`ContainerCreating`), with `image` and a deterministic `imageID` filled in. The runtime reports every change
//   through `StatusSink.setContainerState`; the server recomputes phase, conditions and ready counts, bumps
//   resourceVersion and emits MODIFIED watch events.
// - Metadata-only pods (scale scenario, completed Job pods) are never passed to the runtime.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** A Kubernetes object as parsed JSON (the emulator handles many kinds generically). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObject = Record<string, any>;

export interface ContainerStateUpdate {
  /** Exactly one of `{ running: {startedAt} }`, `{ waiting: {reason, message?} }`, `{ terminated: {exitCode, reason, startedAt?, finishedAt?} }`. */
  state: Record<string, unknown>;
  ready?: boolean;
  restartCount?: number;
  containerID?: string;
  lastState?: Record<string, unknown>;
}

/** Implemented by the API server. Unknown pods/containers are ignored (the pod may have been deleted meanwhile). */
export interface StatusSink {
  setContainerState(namespace: string, pod: string, container: string, update: ContainerStateUpdate, ephemeral: boolean): void;
}

export interface StreamTarget {
  kind: 'exec' | 'attach';
  namespace: string;
  /** The pod object at the time of the request (complete, as `GET` returns it). */
  pod: KObject;
  container: string;
  /** `command` query values (exec); empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface RuntimeFaults {
  /** When set (> 0), exec/attach streams are cut (socket destroyed, no status frame) this many ms after they start. Read per stream: changes apply to new streams. */
  cutExecAfterMs?: number;
}

export interface ContainerRuntime {
  /** Start the containers of a (non metadata-only) pod; resolves once each container reached its first state. */
  startPod(pod: KObject): Promise<void>;
  /** Start the ephemeral container `name` (already in `pod.spec.ephemeralContainers`). */
  startEphemeralContainer(pod: KObject, name: string): Promise<void>;
  /** Called for exec/attach upgrades (WebSocket GET or SPDY POST) after authn/authz/pod+container lookup passed. */
  handleStreamUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: StreamTarget): void;
  restartContainer(namespace: string, pod: string, container: string): Promise<void>;
  /** Kill the pod's processes (running exec streams end) and forget it. */
  deletePod(namespace: string, pod: string): Promise<void>;
  /** Kill everything, unmount everything. */
  shutdown(): Promise<void>;
  /** Optional: the container's output (stdout+stderr of its main process); `previous`: of the last terminated instance. undefined: no such container/instance. */
  readLogs?(namespace: string, pod: string, container: string, opts?: { previous?: boolean }): string | undefined;
}

export interface RuntimeOptions {
  statusSink: StatusSink;
  workDir: string;
  /** A live object: the API server changes its fields at run time (fault switches). */
  faults?: RuntimeFaults;
}

export type CreateRuntime = (opts: RuntimeOptions) => Promise<ContainerRuntime>;

/** Deterministic image digest: equal images share it. */
export function imageIDFor(image: string): string {
  return `docker-pullable://${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}
