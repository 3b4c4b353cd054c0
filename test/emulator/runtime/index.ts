// Container runtime of the Kubernetes API emulator (issue 3, part 2). Test/demo infrastructure, root only; nothing
// of it ships in the VSIX. The API server (test/emulator/*.ts) calls it through `ContainerRuntime` (../contract.ts).
//
// What is real: every container is a process tree in its own Linux PID namespace (or the pod's shared one, under a
// pause process, with `shareProcessNamespace: true`; or the target's, for ephemeral containers with
// `targetContainerName`), with a private mount namespace, /proc and a runtime-like /dev, chrooted into its own
// writable overlay (or, where overlayfs cannot be used, copy) of an image template built from Debian packages (rootfs.ts),
// with the image's or securityContext's uid and containerd's default capabilities ± securityContext. exec = nsenter into those namespaces + chroot; attach = the
// container's own stdio. Wire protocols: streams.ts.
//
// Emulator conventions (read by the runtime from the pod objects the scenario creates):
// - Windows pods (`spec.nodeName: demo-windows-1`, `nodeSelector kubernetes.io/os=windows` or `spec.os.name:
//   windows`): no processes; containers are reported running; exec fails after the upgrade with the hcsshim-style
//   InternalError `hcs::System::CreateProcess …: The system cannot find the file specified.` (what containerd on
//   Windows reports for a Linux command such as `sh`); attach streams end with the same error.
// - A Localhost AppArmor profile (`securityContext.appArmorProfile.type: Localhost` on the container or the pod, or the
//   annotation `container.apparmor.security.beta.kubernetes.io/<container>: localhost/<profile>`) stands for a security
//   profile that denies exec: the container itself runs, every exec is refused with runc's
//   `exec /bin/sh: permission denied` InternalError (naming the executable as found on PATH, like runc).
// - A container whose process exits is restarted per `restartPolicy` with the kubelet's back-off (10 s doubling to
//   5 min); until then it is `waiting: CrashLoopBackOff` with `lastState.terminated`. A container is reported `running`
//   only once its process survived 250 ms, so a crash-looping container (stopped-app) is never seen running.
// - exec/attach into a container that is not running is refused before the upgrade, as kubelet does
//   (`container not found ("app")`, or `container is in CONTAINER_EXITED state` for an exited container).
// - Images of the emulator's registry (contract.ts `ImageSource`; the fleet scenario): a container runs the image its
//   status's `imageID` names (pulled when the pod was created), i.e. its base template with the image's own files as
//   one more read-only overlay layer (or copied in, without overlayfs). A reference the registry cannot pull leaves
//   the container `waiting: ImagePullBackOff` with kubelet's message (`Back-off pulling image "…": ErrImagePull: …`).
// - A missing executable gives containerd's InternalError (`exec: "sh": executable file not found in $PATH: unknown`).
// - Faults: `faults.cutExecAfterMs` (live object) cuts exec/attach streams; `deletePod` during an exec kills the
//   exec'd processes with the container, so the stream ends with exit code 137 (`NonZeroExitCode`).
// Extensions beyond ../contract.ts (optional for callers): `setFaults`, `readLogs`, `containerHostPid`.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { ContainerRuntime, ContainerSetup, ImageSource, KObject, PodSetup, RegistryImage, RuntimeFaults, RuntimeOptions, StatusSink, StreamTarget } from '../contract';
import { capabilitySet, copyRootfs, killGroup, launch, overlayWorks, resolveExecutable, spawnExec, stopLaunched, ttyResizer, writeScripts, type Scripts } from './containers';
import { ensureRootfs, imageKind, type ImageConfig, type RootfsSet } from './rootfs';
import { acceptSpdy, acceptWebSocket, isSpdyUpgrade, isWebSocketUpgrade, rejectUpgrade, type ChannelSession, type StatusObject } from './streams';

export type { ContainerRuntime, RuntimeFaults, RuntimeOptions, StatusSink, StreamTarget } from '../contract';

export interface EmulatorRuntime extends ContainerRuntime {
  /** Replaces the fault switches (same effect as changing the live `faults` object passed at creation). */
  setFaults(f: RuntimeFaults): void;
  /** Output of a container (stdout and stderr interleaved, last 1 MiB), `previous` = the instance before the last restart. */
  readLogs(namespace: string, pod: string, container: string, opts?: { previous?: boolean }): string | undefined;
  /** Host PID of a container's first process (tests). */
  containerHostPid(namespace: string, pod: string, container: string): number | undefined;
}

const WINDOWS_NODE = 'demo-windows-1';
const RUNNING_AFTER_MS = 250;
const LOG_CAP = 1 << 20;

interface SecurityContext { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] }; appArmorProfile?: { type?: string; localhostProfile?: string } }
interface ContainerSpec { name: string; image?: string; command?: string[]; args?: string[]; env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[]; stdin?: boolean; stdinOnce?: boolean; tty?: boolean; securityContext?: SecurityContext; targetContainerName?: string; terminationMessagePath?: string; terminationMessagePolicy?: string }

const hex = (n: number) => randomBytes(n / 2).toString('hex');
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Attacher { write(channel: 1 | 2, d: Buffer): void; ended(exitCode: number): void }
interface ExecRun { child: ChildProcess }

class Container {
  state: 'waiting' | 'running' | 'terminated' = 'waiting';
  restartCount = 0;
  containerID = '';
  startedAt = '';
  hostPid?: number;
  child?: ChildProcess;
  rootfs?: string;
  dir?: string;
  uid = 0;
  gid = 0;
  caps: string[] | 'privileged' = [];
  env: Record<string, string> = {};
  stopping?: 'restart' | 'delete' | 'shutdown';
  exited?: Promise<void>;
  lastTerminated?: Record<string, unknown>;
  logs: Buffer[] = [];
  logSize = 0;
  previousLogs?: Buffer[];
  attachers = new Set<Attacher>();
  execs = new Set<ExecRun>();
  backoffTimer?: NodeJS.Timeout;
  backoffSec = 10;
  instance = 0;
  /** The registry image it runs (its files on top of `image`'s template), or why it could not be pulled. */
  layer?: RegistryImage;
  imageID?: string;
  pullError?: string;

  constructor(readonly pod: PodRecord, public spec: ContainerSpec, readonly ephemeral: boolean, readonly image: ImageConfig) {}
  get name() { return this.spec.name; }
  /** The container's root as the host can read it (its overlay exists only in its own mount namespace). */
  get view(): string { return this.hostPid ? `/proc/${this.hostPid}/root` : this.rootfs ?? '/nonexistent'; }

  appendLog(d: Buffer) {
    this.logs.push(d);
    this.logSize += d.length;
    while (this.logSize > LOG_CAP && this.logs.length > 1) this.logSize -= (this.logs.shift() as Buffer).length;
  }
}

interface PodRecord {
  namespace: string;
  name: string;
  uid: string;
  pod: KObject;
  dir: string;
  windows: boolean;
  containers: Map<string, Container>;
  ephemerals: Map<string, Container>;
  sandbox?: { child: ChildProcess; hostPid: number; exited: Promise<void> };
  deleted: boolean;
}

function isWindowsPod(pod: KObject): boolean {
  const spec = pod.spec ?? {};
  return spec.nodeName === WINDOWS_NODE || spec.nodeSelector?.['kubernetes.io/os'] === 'windows' || spec.os?.name === 'windows';
}

function deniesExec(pod: KObject, c: ContainerSpec): boolean {
  if (c.securityContext?.appArmorProfile?.type === 'Localhost') return true;
  if (pod.spec?.securityContext?.appArmorProfile?.type === 'Localhost') return true;
  const ann: string | undefined = pod.metadata?.annotations?.[`container.apparmor.security.beta.kubernetes.io/${c.name}`];
  return !!ann && ann.startsWith('localhost/');
}

function internalError(inner: string): StatusObject {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${inner}`, reason: 'InternalError', details: { causes: [{ message: inner }] }, code: 500 };
}

function ociExecError(detail: string): StatusObject {
  return internalError(`error executing command in container: failed to exec in container: failed to start exec "${hex(64)}": OCI runtime exec failed: exec failed: unable to start container process: ${detail}: unknown`);
}

function exitStatus(command: string[], code: number): StatusObject {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code & 0xff;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return 128 + (signal ? signals[signal] ?? 9 : 9);
}

/** The gid containerd uses for a uid without runAsGroup: the uid's primary group in the image's /etc/passwd, else 0. */
function primaryGid(template: string, uid: number): number {
  try {
    for (const line of readFileSync(join(template, 'etc/passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 3 && Number(f[2]) === uid) return Number(f[3]);
    }
  } catch {}
  return 0;
}

class Runtime implements EmulatorRuntime {
  private pods = new Map<string, PodRecord>();
  private faults: RuntimeFaults;
  private closing = false;
  private readonly allChildren = new Set<ChildProcess>();
  /** Registry images unpacked as overlay layers (their own files only), by digest. */
  private readonly layers = new Map<string, Promise<string>>();
  private readonly onProcessExit = () => {
    for (const c of this.allChildren) killGroup(c.pid);
  };

  constructor(private readonly sink: StatusSink, private readonly workDir: string, private readonly images: RootfsSet, private readonly scripts: Scripts, private readonly overlay: boolean, faults: RuntimeFaults | undefined, private readonly registry?: ImageSource, private readonly podSetup?: PodSetup) {
    this.faults = faults ?? {};
    process.on('exit', this.onProcessExit);
  }

  setFaults(f: RuntimeFaults): void {
    Object.assign(this.faults, { cutExecAfterMs: undefined }, f);
  }

  private track(child: ChildProcess): void {
    this.allChildren.add(child);
    child.once('exit', () => this.allChildren.delete(child));
  }

  private report(c: Container, update: Parameters<StatusSink['setContainerState']>[3]): void {
    if (c.pod.deleted || this.closing) return;
    try {
      this.sink.setContainerState(c.pod.namespace, c.pod.name, c.name, update, c.ephemeral);
    } catch {}
  }

  private key(ns: string, name: string) { return `${ns}/${name}`; }

  async startPod(pod: KObject): Promise<void> {
    if (this.closing) throw new Error('runtime is shutting down');
    const ns: string = pod.metadata?.namespace ?? 'default';
    const name: string = pod.metadata?.name;
    const containers: ContainerSpec[] = pod.spec?.containers ?? [];
    if (!name || !containers.length || this.pods.has(this.key(ns, name))) return;
    const rec: PodRecord = {
      namespace: ns, name, uid: pod.metadata?.uid ?? hex(32), pod, windows: isWindowsPod(pod),
      dir: join(this.workDir, 'pods', `${ns}_${name}_${hex(8)}`), containers: new Map(), ephemerals: new Map(), deleted: false,
    };
    this.pods.set(this.key(ns, name), rec);
    for (const spec of containers) rec.containers.set(spec.name, this.newContainer(rec, spec, false));
    if (rec.windows) {
      for (const c of rec.containers.values()) {
        c.state = 'running';
        c.containerID = `containerd://${hex(64)}`;
        c.startedAt = now();
        this.report(c, { state: { running: { startedAt: c.startedAt } }, ready: true, restartCount: 0, containerID: c.containerID });
      }
      return;
    }
    await fs.mkdir(rec.dir, { recursive: true });
    if (pod.spec?.shareProcessNamespace) {
      const l = await launch({ scripts: this.scripts, rootfs: this.images.pauseRoot, hostname: name, caps: [], uid: 65535, gid: 65535, argv: this.images.pauseCmd, env: { PATH: '/' }, stdin: false });
      this.track(l.child);
      l.child.stdout?.resume();
      l.child.stderr?.resume();
      rec.sandbox = { child: l.child, hostPid: l.hostPid, exited: l.exit.then(() => undefined) };
    }
    await Promise.all([...rec.containers.values()].map((c) => this.startContainer(c)));
  }

  async startEphemeralContainer(pod: KObject, name: string): Promise<void> {
    const rec = this.pods.get(this.key(pod.metadata?.namespace ?? 'default', pod.metadata?.name));
    if (!rec) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no processes in this emulator`);
    rec.pod = pod;
    const spec: ContainerSpec | undefined = (pod.spec?.ephemeralContainers ?? []).find((e: ContainerSpec) => e.name === name);
    if (!spec) throw new Error(`pod ${rec.namespace}/${rec.name} has no ephemeral container ${name}`);
    if (rec.ephemerals.has(name)) return;
    const c = this.newContainer(rec, spec, true);
    rec.ephemerals.set(name, c);
    if (rec.windows) {
      this.report(c, { state: { waiting: { reason: 'CreateContainerError', message: 'ephemeral containers are not supported on this Windows node (emulator)' } }, ready: false, restartCount: 0 });
      return;
    }
    await this.startContainer(c);
  }

  /**
   * A container of `rec` with its image: the registry's image its status's imageID names (what the node pulled when
   * the pod was created), else what pulling the reference gives now (ephemeral containers), else the built-in template.
   */
  private newContainer(rec: PodRecord, spec: ContainerSpec, ephemeral: boolean): Container {
    const builtIn = () => new Container(rec, spec, ephemeral, this.images.images[imageKind(spec.image)]);
    if (!this.registry || !spec.image) return builtIn();
    const statuses: { name: string; imageID?: string }[] = rec.pod.status?.[ephemeral ? 'ephemeralContainerStatuses' : 'containerStatuses'] ?? [];
    const imageID = statuses.find((s) => s.name === spec.name)?.imageID;
    const known = imageID ? this.registry.byImageID(imageID) : undefined;
    const pulled = known ? { image: known, imageID: imageID as string } : this.registry.pull(spec.image);
    if (!pulled) return builtIn();
    if ('error' in pulled) {
      const c = builtIn();
      c.pullError = pulled.error;
      return c;
    }
    const c = new Container(rec, spec, ephemeral, this.images.images[pulled.image.base]);
    c.layer = pulled.image;
    c.imageID = pulled.imageID;
    return c;
  }

  /** The folder holding a registry image's own files (built once per digest), the top lower layer of its containers. */
  private layerDir(image: RegistryImage): Promise<string> {
    let p = this.layers.get(image.digest);
    if (!p) {
      const dir = join(this.workDir, 'layers', image.digest.replace(/^sha256:/, ''));
      p = (async () => {
        await fs.mkdir(dir, { recursive: true, mode: 0o755 });
        for (const f of image.files) {
          const file = join(dir, f.path);
          // Directories root-owned 0755 like the templates' (the topmost layer's directory attributes are the ones seen).
          const parts = f.path.split('/').filter(Boolean).slice(0, -1);
          for (let i = 1; i <= parts.length; i++) {
            const d = join(dir, ...parts.slice(0, i));
            await fs.mkdir(d, { recursive: true });
            await fs.chmod(d, 0o755);
          }
          if (f.hostPath) await fs.copyFile(f.hostPath, file);
          else await fs.writeFile(file, f.content);
          await fs.chmod(file, f.mode ?? 0o644);
          await fs.chown(file, f.uid ?? 0, f.gid ?? 0);
        }
        return dir;
      })();
      this.layers.set(image.digest, p);
      p.catch(() => this.layers.delete(image.digest));
    }
    return p;
  }

  /** Starts (or restarts) a container's process; resolves once its state is reported. */
  private async startContainer(c: Container): Promise<void> {
    const rec = c.pod;
    const pod = rec.pod;
    const spec = c.spec;
    const podSc: SecurityContext = pod.spec?.securityContext ?? {};
    const sc: SecurityContext = spec.securityContext ?? {};
    const img = c.image;
    if (c.pullError) {
      // kubelet pulls before it makes the container's config; the back-off message carries the pull's error (1.32+).
      c.state = 'waiting';
      this.report(c, { state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${spec.image}": ErrImagePull: ${c.pullError}` } }, ready: false, restartCount: c.restartCount, imageID: '' });
      return;
    }
    const explicitUser = sc.runAsUser ?? podSc.runAsUser;
    c.uid = explicitUser ?? img.uid;
    c.gid = sc.runAsGroup ?? podSc.runAsGroup ?? (explicitUser !== undefined ? primaryGid(img.template, c.uid) : img.gid);
    c.caps = capabilitySet(sc);
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (runAsNonRoot && c.uid === 0) {
      const message = `container has runAsNonRoot and image will run as root (pod: "${rec.name}_${rec.namespace}(${rec.uid})", container: ${c.name})`;
      c.state = 'waiting';
      this.report(c, { state: { waiting: { reason: 'CreateContainerConfigError', message } }, ready: false, restartCount: c.restartCount });
      return;
    }
    const argv = spec.command?.length ? [...spec.command, ...(spec.args ?? [])] : [...img.entrypoint, ...(spec.args?.length ? spec.args : img.cmd)];
    let setup: ContainerSetup | undefined;
    try {
      setup = c.ephemeral ? undefined : this.podSetup?.(pod, spec.name);
    } catch (e) {
      c.state = 'waiting';
      this.report(c, { state: { waiting: { reason: 'CreateContainerConfigError', message: (e as Error).message } }, ready: false, restartCount: c.restartCount });
      return;
    }
    const env: Record<string, string> = { ...img.env, HOSTNAME: rec.name, ...(setup?.env ?? {}) };
    for (const e of spec.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath) {
        const path = e.valueFrom.fieldRef.fieldPath;
        env[e.name] = String(path === 'metadata.name' ? rec.name : path === 'metadata.namespace' ? rec.namespace : path === 'spec.nodeName' ? pod.spec?.nodeName ?? '' : path === 'status.podIP' ? pod.status?.podIP ?? '' : '');
      }
    }
    if (spec.tty) env.TERM = 'xterm';
    c.env = env;
    c.instance++;
    // Logs are per container instance: a waiting/terminated container still shows its last instance's output, and
    // `previous` is the instance before the current one (as kubelet keeps them).
    if (c.instance > 1) {
      c.previousLogs = c.logs;
      c.logs = [];
      c.logSize = 0;
    }
    const instance = c.instance;
    c.containerID = `containerd://${hex(64)}`;
    const dir = join(rec.dir, `${c.ephemeral ? 'eph-' : ''}${c.name}-${c.instance}`);
    const rootfs = join(dir, 'rootfs');
    const oldDir = c.dir;
    c.dir = dir;
    c.rootfs = rootfs;
    if (oldDir) void fs.rm(oldDir, { recursive: true, force: true }).catch(() => {});

    const startFailed = (detail: string, exitCode = 128) => {
      const terminated = { exitCode, reason: 'StartError', message: detail, startedAt: '1970-01-01T00:00:00Z', finishedAt: now(), containerID: c.containerID };
      this.onStopped(c, terminated);
    };

    let joinPid: number | undefined;
    if (c.ephemeral && spec.targetContainerName) {
      const target = rec.containers.get(spec.targetContainerName);
      if (!target || target.state !== 'running' || !target.hostPid) {
        startFailed(`failed to create containerd task: failed to create shim task: OCI runtime create failed: target container "${spec.targetContainerName}" is not running: unknown`);
        return;
      }
      joinPid = rec.sandbox ? rec.sandbox.hostPid : target.hostPid;
    } else if (rec.sandbox) joinPid = rec.sandbox.hostPid;

    let overlay: { lower: string; upper: string; work: string } | undefined;
    try {
      const layer = c.layer ? await this.layerDir(c.layer) : undefined;
      // overlayfs: lowerdir=top:…:bottom (the image's own files over its base template)
      overlay = this.overlay ? { lower: layer ? `${layer}:${img.template}` : img.template, upper: join(dir, 'upper'), work: join(dir, 'work') } : undefined;
      if (overlay) {
        // The image stays the read-only lower layer; the container writes to its own upper layer (mounted in its
        // private mount namespace by kc-enter), as with containerd's overlayfs snapshotter.
        for (const d of [rootfs, join(overlay.upper, 'etc'), overlay.work]) await fs.mkdir(d, { recursive: true });
      } else {
        await copyRootfs(img.template, rootfs);
        if (layer) await copyRootfs(`${layer}/.`, rootfs);
      }
      await fs.writeFile(join(overlay ? overlay.upper : rootfs, 'etc', 'hostname'), `${rec.name}\n`).catch(() => {});
    } catch (e) {
      startFailed(`failed to prepare the container root filesystem: ${(e as Error).message}`);
      return;
    }
    if (!c.ephemeral) await prepareTerminationLog(overlay ? overlay.upper : rootfs, spec).catch(() => {});
    if (setup?.files.length) {
      try {
        await writeSetupFiles(overlay ? overlay.upper : rootfs, img.template, setup.files);
      } catch (e) {
        startFailed(`failed to prepare the container's volumes: ${(e as Error).message}`);
        return;
      }
    }
    const exe = resolveExecutable(overlay ? img.template : rootfs, argv[0] ?? '', env.PATH);
    if (!exe.ok) {
      const detail = exe.kind === 'not-in-path' ? `exec: "${argv[0]}": executable file not found in $PATH` : exe.kind === 'permission' ? `exec: "${argv[0]}": permission denied` : `exec: "${argv[0]}": stat ${argv[0]}: no such file or directory`;
      startFailed(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${detail}: unknown`);
      return;
    }
    if (rec.deleted || this.closing) return;
    let launched;
    try {
      launched = await launch({ scripts: this.scripts, rootfs, hostname: rec.name, caps: c.caps, uid: c.uid, gid: c.gid, argv: [exe.path, ...argv.slice(1)], env, joinPid, stdin: !!spec.stdin, overlay });
    } catch (e) {
      startFailed((e as Error).message);
      return;
    }
    const { child, hostPid } = launched;
    this.track(child);
    if (rec.deleted || this.closing) {
      await stopLaunched(hostPid, child.pid, launched.exit);
      return;
    }
    c.child = child;
    c.hostPid = hostPid;
    c.startedAt = now();
    c.stopping = undefined;
    const startedMs = Date.now();
    const fan = (channel: 1 | 2) => (d: Buffer) => {
      if (c.instance === instance) c.appendLog(d);
      else c.previousLogs?.push(d); // late output of the instance before
      for (const a of c.attachers) a.write(channel, d);
    };
    child.stdout?.on('data', fan(1));
    child.stderr?.on('data', fan(2));
    child.stdin?.on('error', () => {});
    let exitedEarly = false;
    c.exited = launched.exit.then(async ({ code, signal }) => {
      {
        exitedEarly = true;
        const exitCode = exitCodeOf(code, signal);
        if (c.child === child) {
          c.child = undefined;
          c.hostPid = undefined;
          if (Date.now() - startedMs > 600_000) c.backoffSec = 10;
          // The shim has written the whole output to the log before the kubelet reports the container exited: wait
          // for the pipes to drain (bounded: a daemonised grandchild may hold them open).
          await Promise.race([Promise.all([child.stdout, child.stderr].map((s) => (s && !s.readableEnded ? new Promise((r) => s.once('close', r)) : undefined))), sleep(2000)]);
          const message = await terminationMessage(c, spec, exitCode, overlay ? overlay.upper : rootfs);
          const terminated = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', ...(message ? { message } : {}), startedAt: c.startedAt, finishedAt: now(), containerID: c.containerID };
          this.onStopped(c, terminated);
        }
      }
    });
    await Promise.race([c.exited, sleep(RUNNING_AFTER_MS)]);
    if (exitedEarly || c.child !== child) return;
    c.state = 'running';
    this.report(c, {
      state: { running: { startedAt: c.startedAt } }, ready: !c.ephemeral, restartCount: c.restartCount, containerID: c.containerID,
      ...(c.imageID ? { imageID: c.imageID } : {}),
      ...(c.lastTerminated ? { lastState: { terminated: c.lastTerminated } } : {}),
    });
  }

  /** A container's process ended (or never started): report, end its streams, restart per policy. */
  private onStopped(c: Container, terminated: Record<string, unknown> & { exitCode: number }): void {
    const exitCode = terminated.exitCode;
    for (const a of [...c.attachers]) a.ended(exitCode);
    c.attachers.clear();
    for (const e of c.execs) killGroup(e.child.pid);
    const stopping = c.stopping;
    if (stopping === 'delete' || stopping === 'shutdown' || c.pod.deleted || this.closing) {
      c.state = 'terminated';
      return;
    }
    if (stopping === 'restart') {
      c.state = 'terminated';
      c.lastTerminated = terminated;
      return; // restartContainer starts the next instance
    }
    const policy: string = c.pod.pod.spec?.restartPolicy ?? 'Always';
    const restart = !c.ephemeral && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (!restart) {
      c.state = 'terminated';
      this.report(c, { state: { terminated }, ready: false, restartCount: c.restartCount, containerID: c.containerID, ...(c.lastTerminated ? { lastState: { terminated: c.lastTerminated } } : {}) });
      return;
    }
    c.state = 'waiting';
    c.lastTerminated = terminated;
    const delay = c.backoffSec;
    c.backoffSec = Math.min(delay * 2, 300);
    this.report(c, {
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container=${c.name} pod=${c.pod.name}_${c.pod.namespace}(${c.pod.uid})` } },
      ready: false, restartCount: c.restartCount, containerID: c.containerID, lastState: { terminated },
    });
    c.backoffTimer = setTimeout(() => {
      c.backoffTimer = undefined;
      if (c.pod.deleted || this.closing || c.state !== 'waiting') return;
      c.restartCount++;
      void this.startContainer(c);
    }, delay * 1000);
    c.backoffTimer.unref();
  }

  async restartContainer(namespace: string, pod: string, container: string): Promise<void> {
    const rec = this.pods.get(this.key(namespace, pod));
    const c = rec?.containers.get(container);
    if (!rec || !c) throw new Error(`no container ${container} in pod ${namespace}/${pod}`);
    if (rec.windows) {
      c.restartCount++;
      c.startedAt = now();
      c.containerID = `containerd://${hex(64)}`;
      this.report(c, { state: { running: { startedAt: c.startedAt } }, ready: true, restartCount: c.restartCount, containerID: c.containerID });
      return;
    }
    if (c.backoffTimer) clearTimeout(c.backoffTimer);
    c.backoffTimer = undefined;
    if (c.child) {
      c.stopping = 'restart';
      await stopLaunched(c.hostPid, c.child.pid, c.exited);
      // Ephemeral containers in the killed PID namespace were killed by the kernel: let their exits be reported first.
      await Promise.all([...rec.ephemerals.values()].map((e) => (e.child ? Promise.race([e.exited, sleep(2000)]) : undefined)));
    }
    c.restartCount++;
    c.stopping = undefined;
    await this.startContainer(c);
  }

  async deletePod(namespace: string, pod: string): Promise<void> {
    const rec = this.pods.get(this.key(namespace, pod));
    if (!rec) return;
    this.pods.delete(this.key(namespace, pod));
    await this.killPod(rec, 'delete');
  }

  private async killPod(rec: PodRecord, why: 'delete' | 'shutdown'): Promise<void> {
    rec.deleted = true;
    const all = [...rec.ephemerals.values(), ...rec.containers.values()];
    const waits: Promise<unknown>[] = [];
    for (const c of all) {
      if (c.backoffTimer) clearTimeout(c.backoffTimer);
      c.stopping = why;
      for (const e of c.execs) killGroup(e.child.pid);
      if (c.child) waits.push(stopLaunched(c.hostPid, c.child.pid, c.exited));
    }
    if (rec.sandbox) waits.push(stopLaunched(rec.sandbox.hostPid, rec.sandbox.child.pid, rec.sandbox.exited));
    await Promise.race([Promise.all(waits), sleep(8000)]);
    await fs.rm(rec.dir, { recursive: true, force: true }).catch(() => {});
  }

  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const recs = [...this.pods.values()];
    this.pods.clear();
    await Promise.all(recs.map((r) => this.killPod(r, 'shutdown')));
    for (const c of this.allChildren) killGroup(c.pid);
    const deadline = Date.now() + 5000;
    while (this.allChildren.size && Date.now() < deadline) await sleep(50);
    await unmountUnder(this.workDir);
    await fs.rm(this.workDir, { recursive: true, force: true }).catch(() => {});
    process.off('exit', this.onProcessExit);
  }

  readLogs(namespace: string, pod: string, container: string, opts?: { previous?: boolean }): string | undefined {
    const rec = this.pods.get(this.key(namespace, pod));
    const c = rec?.containers.get(container) ?? rec?.ephemerals.get(container);
    if (!c) return undefined;
    const chunks = opts?.previous ? c.previousLogs : c.logs;
    return chunks ? Buffer.concat(chunks).toString() : undefined;
  }

  containerHostPid(namespace: string, pod: string, container: string): number | undefined {
    const rec = this.pods.get(this.key(namespace, pod));
    return (rec?.containers.get(container) ?? rec?.ephemerals.get(container))?.hostPid;
  }

  handleStreamUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: StreamTarget): void {
    void this.stream(req, socket, head, target).catch((e: unknown) => {
      try { rejectUpgrade(socket, 500, `emulator runtime error: ${(e as Error).message}`); } catch {}
    });
  }

  private async stream(req: IncomingMessage, socket: Duplex, head: Buffer, t: StreamTarget): Promise<void> {
    socket.on('error', () => {});
    const rec = this.pods.get(this.key(t.namespace, t.pod.metadata?.name));
    const c = rec?.containers.get(t.container) ?? rec?.ephemerals.get(t.container);
    if (!rec || !c) {
      rejectUpgrade(socket, 500, `container not found ("${t.container}")`);
      return;
    }
    if (!rec.windows && c.state !== 'running') {
      rejectUpgrade(socket, 500, c.state === 'terminated' ? `container ${c.containerID.replace(/^containerd:\/\//, '')} is in CONTAINER_EXITED state` : `container not found ("${t.container}")`);
      return;
    }
    let session: ChannelSession | undefined;
    if (isWebSocketUpgrade(req)) session = await acceptWebSocket(req, socket, head);
    else if (isSpdyUpgrade(req)) session = await acceptSpdy(req, socket, head, t);
    else {
      rejectUpgrade(socket, 400, 'exec/attach needs an "Upgrade: websocket" or "Upgrade: SPDY/3.1" request');
      return;
    }
    if (!session) return;
    const cut = this.faults.cutExecAfterMs;
    let cutTimer: NodeJS.Timeout | undefined;
    if (cut && cut > 0) {
      // abort() closes the session, and a closed session kills the exec's process group (below).
      cutTimer = setTimeout(() => session.abort(), cut);
      session.onClose(() => clearTimeout(cutTimer));
    }
    if (rec.windows) {
      session.finish(internalError(`error executing command in container: failed to exec in container: failed to start exec "${hex(64)}": hcs::System::CreateProcess ${c.containerID.replace(/^containerd:\/\//, '')}: The system cannot find the file specified.: unknown`));
      return;
    }
    if (t.kind === 'attach') {
      this.attach(c, session, t);
      return;
    }
    if (deniesExec(rec.pod, c.spec)) {
      const exe = resolveExecutable(c.view, t.command[0] ?? '', c.env.PATH);
      session.finish(ociExecError(`exec ${exe?.ok ? exe.path : t.command[0]}: permission denied`));
      return;
    }
    const exe = resolveExecutable(c.view, t.command[0] ?? '', c.env.PATH);
    if (!t.command.length) {
      session.finish(ociExecError('exec: "": executable file not found in $PATH'));
      return;
    }
    if (!exe.ok) {
      const cmd = t.command[0];
      session.finish(ociExecError(exe.kind === 'not-in-path' ? `exec: "${cmd}": executable file not found in $PATH` : exe.kind === 'permission' ? `exec: "${cmd}": permission denied` : `exec: "${cmd}": stat ${cmd}: no such file or directory`));
      return;
    }
    const child = spawnExec({ scripts: this.scripts, pid: c.hostPid as number, rootfs: c.rootfs as string, caps: c.caps, uid: c.uid, gid: c.gid, argv: [exe.path, ...t.command.slice(1)], env: { ...c.env, ...(t.tty ? { TERM: 'xterm' } : {}) }, stdin: t.stdin, tty: t.tty });
    this.track(child);
    const run: ExecRun = { child };
    if (t.tty) session.onResize(ttyResizer(this.scripts, child.pid));
    c.execs.add(run);
    session.onClose(() => killGroup(child.pid));
    if (child.stdin) {
      child.stdin.on('error', () => {});
      session.onStdin((d) => { if (!child.stdin?.destroyed) child.stdin?.write(d); });
      session.onStdinEnd(() => child.stdin?.end());
    }
    const pump = (stream: NodeJS.ReadableStream | null, channel: 1 | 2, enabled: boolean) => {
      if (!stream) return;
      stream.on('data', (d: Buffer) => {
        if (!enabled) return;
        const wait = session.write(t.tty ? 1 : channel, d);
        if (wait) {
          stream.pause();
          void wait.then(() => stream.resume());
        }
      });
    };
    pump(child.stdout, 1, t.stdout);
    pump(child.stderr, 2, t.stderr || t.tty);
    child.on('close', (code, signal) => {
      c.execs.delete(run);
      clearTimeout(cutTimer);
      if (!session.closed) session.finish(exitStatus(t.command, exitCodeOf(code, signal)));
    });
    child.on('error', (e) => {
      c.execs.delete(run);
      if (!session.closed) session.finish(internalError(`error executing command in container: ${e.message}`));
    });
  }

  private attach(c: Container, session: ChannelSession, t: StreamTarget): void {
    const a: Attacher = {
      write: (channel, d) => {
        if ((channel === 1 && t.stdout) || (channel === 2 && (t.stderr || t.tty))) void session.write(t.tty ? 1 : channel, d);
      },
      ended: (exitCode) => session.finish(exitStatus(c.spec.command ?? [c.name], exitCode)),
    };
    c.attachers.add(a);
    session.onClose(() => c.attachers.delete(a));
    if (t.stdin && c.child?.stdin) {
      const stdin = c.child.stdin;
      session.onStdin((d) => { if (!stdin.destroyed) stdin.write(d); });
      session.onStdinEnd(() => { if (c.spec.stdinOnce) stdin.end(); });
    }
  }
}

// Termination messages, as the kubelet makes them (kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go):
// the kubelet bind-mounts a host file, created world-writable (0666) so any container user can write it, at the
// container's `terminationMessagePath` (default /dev/termination-log); when the container exits it reads at most the
// LAST 4096 bytes of it (`tail.ReadAtMost(path, kubecontainer.MaxContainerTerminationMessageLength)`). With
// `terminationMessagePolicy: FallbackToLogsOnError` and an empty file, a failed container's message is the tail of its
// log instead: the last 80 lines, at most 2048 bytes (MaxContainerTerminationMessageLogLines/-LogLength). Here the file
// lives in the container's own writable layer (the overlay's upper directory, or its copied root), created before start.
const MAX_TERMINATION_MESSAGE = 4096;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

function terminationLogPath(top: string, spec: ContainerSpec): string {
  return join(top, (spec.terminationMessagePath || '/dev/termination-log').replace(/^\/+/, ''));
}

async function prepareTerminationLog(top: string, spec: ContainerSpec): Promise<void> {
  const file = terminationLogPath(top, spec);
  const dir = file.slice(0, file.lastIndexOf('/'));
  if (!existsSync(dir)) {
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o755);
  }
  await fs.writeFile(file, '');
  await fs.chmod(file, 0o666);
}

async function terminationMessage(c: Container, spec: ContainerSpec, exitCode: number, top: string): Promise<string> {
  let data = Buffer.alloc(0);
  try {
    const all = await fs.readFile(terminationLogPath(top, spec));
    data = all.subarray(Math.max(0, all.length - MAX_TERMINATION_MESSAGE));
  } catch {}
  if (data.length || spec.terminationMessagePolicy !== 'FallbackToLogsOnError' || exitCode === 0) return data.toString();
  const log = Buffer.concat(c.logs).toString();
  const lines = log.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const tail = Buffer.from(lines.slice(-FALLBACK_LOG_LINES).join('\n') + (lines.length ? '\n' : ''));
  return tail.subarray(Math.max(0, tail.length - FALLBACK_LOG_BYTES)).toString();
}

/**
 * The files of a container's volumes (ConfigMap, the service-account token), written into its own writable layer at
 * their container paths — where the kubelet would bind-mount them. Absolute symbolic links of the image on the way
 * (Debian's /var/run → /run) are followed, so the files land where the container sees them.
 */
async function writeSetupFiles(top: string, template: string, files: ContainerSetup['files']): Promise<void> {
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean);
    let rel: string[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      rel.push(parts[i]);
      const link = await fs.readlink(join(template, ...rel)).catch(() => undefined);
      if (link?.startsWith('/')) rel = link.split('/').filter(Boolean);
    }
    const dir = join(top, ...rel);
    await fs.mkdir(dir, { recursive: true });
    const file = join(dir, parts[parts.length - 1]);
    await fs.writeFile(file, f.content);
    await fs.chmod(file, f.mode ?? 0o644);
  }
}

/** Lazily unmounts anything still mounted at or below `dir` in this (the host's) mount namespace. */
async function unmountUnder(dir: string): Promise<void> {
  let mounts: string[] = [];
  try {
    mounts = (await fs.readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1]?.replace(/\\040/g, ' ')).filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)));
  } catch {}
  const { spawnSync } = await import('node:child_process');
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
}

export async function createRuntime(opts: RuntimeOptions): Promise<EmulatorRuntime> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new Error('the emulator container runtime needs Linux and root (PID/mount namespaces, chroot); run the emulator as root');
  }
  const images = await ensureRootfs();
  await fs.mkdir(opts.workDir, { recursive: true });
  if (!existsSync(opts.workDir)) throw new Error(`cannot create ${opts.workDir}`);
  const scripts = await writeScripts(join(opts.workDir, 'bin'), images.enterTool);
  // KC_EMULATOR_ROOTFS=copy: plain copies instead of overlays (what happens where overlayfs cannot be used).
  const overlay = process.env.KC_EMULATOR_ROOTFS !== 'copy' && (await overlayWorks(opts.workDir, images.images.busybox.template));
  return new Runtime(opts.statusSink, opts.workDir, images, scripts, overlay, opts.faults, opts.images, opts.podSetup);
}
