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
// - Images: the built-in demo images run on their template (rootfs.ts `imageKind`) with `imageIDFor`'s digest. Images
//   of the emulator's registry (`ImageSource`, images.ts; the fleet scenario's `fleet.local/…`) are pulled when the
//   API server creates the pod: `imageID` is the digest the tag pointed at then (`''` when the pull failed), and the
//   runtime runs exactly that image (its base template plus its own files), or reports `ImagePullBackOff`.
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
  /** The image the container runs (`containerStatuses[].imageID`), when the runtime resolved it itself. */
  imageID?: string;
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
  /** The emulator's image registry (absent: every image runs on its built-in template). */
  images?: ImageSource;
  /** What the kubelet puts into a (non-ephemeral) container before it starts: its volumes' files and the service env. */
  podSetup?: PodSetup;
}

/** Files (at absolute container paths) and environment variables the kubelet gives a container. */
export interface ContainerSetup {
  env: Record<string, string>;
  files: { path: string; content: Buffer | string; mode?: number }[];
}
export type PodSetup = (pod: KObject, container: string) => ContainerSetup | undefined;

/** A file an image of the registry adds on top of its base template (data; executables only as `hostPath` copies). */
export interface ImageFile {
  /** Absolute path in the container, e.g. `/etc/build-info`. */
  path: string;
  content: string;
  /** Copy this host file instead of `content` (an executable a test image carries: the auditor double's node, kubectl). */
  hostPath?: string;
  /** Default 0o644, owned by root. */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** An image of the emulator's registry: a base template of the runtime plus its own files. */
export interface RegistryImage {
  /** `host/path` without tag or digest, e.g. `fleet.local/checkout/api`. */
  repository: string;
  /** `sha256:<64 hex>` over the base and the files: the same content has the same digest, different content a different one. */
  digest: string;
  base: 'standard' | 'alpine' | 'minimal' | 'distroless' | 'busybox';
  files: ImageFile[];
}

/** What pulling a reference gives: the image and the `imageID` containerd reports for it, or containerd's error. */
export type PullResult = { image: RegistryImage; imageID: string } | { error: string };

export interface ImageSource {
  /** Pulls `ref` (`repo:tag`, `repo@sha256:…`, `repo` = `repo:latest`) as things stand now. undefined: not an image of this registry (the built-in demo images). */
  pull(ref: string): PullResult | undefined;
  /** The image behind an `imageID` a pull returned. */
  byImageID(imageID: string): RegistryImage | undefined;
}

export type CreateRuntime = (opts: RuntimeOptions) => Promise<ContainerRuntime>;

/** Deterministic image digest: equal images share it. */
export function imageIDFor(image: string): string {
  return `docker-pullable://${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}
