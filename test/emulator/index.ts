// Starts and stops the Kubernetes API emulator (test and demo infrastructure; never shipped in the VSIX).
//   const cluster = await startCluster();            // demo scenario, free port, kubeconfig in a temp dir
//   … KUBECONFIG=cluster.kubeconfigPath kubectl get pods -n demo …
//   await cluster.stop();
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ContainerRuntime, ContainerStateUpdate, CreateRuntime, KObject, RuntimeFaults, StatusSink } from './contract';
import type { Faults } from './faults';
import { containerStatusFor, isoNow, recomputePodStatus } from './objects';
import { EventRecorder } from './events';
import { FLEET_DEFAULTS, seedFleet } from './fleet';
import { JobController } from './jobs';
import { pushAuditorDouble } from './auditor-image';
import { kubeletSetup } from './kubelet-volumes';
import { ImageRegistry, REGISTRY_HOST } from './images';
import { Authenticator, Authorizer } from './rbac';
import { resourceOf, seedDemo, seedScale, type PodPlan, type Seeder } from './scenario';
import { ApiServer, HttpError } from './server/index';
import { Store, keyOf } from './store';

export type { Faults } from './faults';

export interface StartOptions {
  /** TCP port on 127.0.0.1 (default: a free one). */
  port?: number;
  scenario?: 'demo' | 'scale' | 'fleet';
  /** Scale scenario: namespaces (default 200) and pods in total (default 10000). Fleet scenario: namespaces (default 10). */
  namespaces?: number;
  pods?: number;
  /** Fleet scenario: running containers (default 200) and distinct image digests (default 40). */
  containers?: number;
  digests?: number;
  /** Where to write the kubeconfig (mode 0600). Default: `<workDir>/kubeconfig`. */
  kubeconfigPath?: string;
  faults?: Faults & { unreachableAfterMs?: number; unreachableForMs?: number };
  /**
   * Run real container processes (demo and fleet scenarios; needs root and test/emulator/runtime). `false`: every pod is
   * metadata-only (reported running, exec answers an InternalError). Default: true when the runtime module exists.
   */
  runtime?: boolean;
  /** Work directory (certificates, runtime state). Default: a new temp dir, removed by stop(). */
  workDir?: string;
  /** Smallest TokenRequest `expirationSeconds` accepted (the real API server: 600). */
  tokenMinExpirationSeconds?: number;
  log?: (msg: string) => void;
}

export interface Cluster {
  url: string;
  port: number;
  kubeconfigPath: string;
  /** Certificates and the runtime's state (root filesystems, pods); removed by stop() unless given in the options. */
  workDir: string;
  caPem: string;
  /** Bearer tokens of the kubeconfig users. */
  tokens: { admin: string; readonly: string; expired: string };
  scenario: 'demo' | 'scale' | 'fleet';
  /** The image registry pods pull from (`fleet.local/…`; the fleet scenario pushes its images there). */
  images: ImageRegistry;
  /** true when pods run real processes. */
  hasRuntime: boolean;
  /** exec sessions started so far (pods/exec upgrades handed to the runtime). */
  readonly execCount: number;
  /** The live fault switches (read); change them with setFaults. */
  readonly faults: Readonly<Faults>;
  /** Sets fault switches (undefined/null/0 clears one); the 429 counter restarts. */
  setFaults(f: Partial<Record<keyof Faults, number | null | undefined>>): void;
  /** API unreachable (connection refused, open connections destroyed) or back. */
  setUnreachable(on: boolean): Promise<void>;
  /** Moves the emulator's clock (token expiry, ages) forward. */
  advanceClock(ms: number): void;
  restartContainer(namespace: string, pod: string, container: string): Promise<void>;
  deletePod(namespace: string, pod: string): Promise<void>;
  /** A stored object (read-only view), e.g. `get('pods', 'demo', 'standard-app')`. */
  get(resource: string, namespace: string | undefined, name: string): KObject | undefined;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Loads test/emulator/runtime (EMU-RUNTIME) when present. */
async function loadRuntime(): Promise<CreateRuntime | undefined> {
  const file = join(here, 'runtime', 'index.ts');
  if (!existsSync(file)) return undefined;
  const modPath = './runtime/index';
  const mod = (await import(modPath)) as { createRuntime?: CreateRuntime };
  if (typeof mod.createRuntime !== 'function') throw new Error(`${file} does not export createRuntime`);
  return mod.createRuntime;
}

export function runtimeAvailable(): boolean {
  return existsSync(join(here, 'runtime', 'index.ts'));
}

/** CA + server certificate with the openssl CLI (recipe of kubernetes-wire-protocol.md §1). */
function makeCerts(dir: string): { ca: string; key: string; cert: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=kube-compliance-emulator-ca', '-keyout', 'ca.key', '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'srv.key', '-out', 'srv.csr']);
  writeFileSync(join(dir, 'srv.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'srv.ext', '-out', 'srv.crt']);
  return { ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'srv.key'), 'utf8'), cert: readFileSync(join(dir, 'srv.crt'), 'utf8') };
}

function kubeconfigYaml(url: string, caPem: string, tokens: Cluster['tokens']): string {
  const users = [
    ['demo-admin', tokens.admin],
    ['demo-readonly', tokens.readonly],
    ['demo-expired', tokens.expired],
  ];
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: 'kube-compliance-demo', cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: users.map(([name, token]) => ({ name, user: { token } })),
    contexts: users.map(([name]) => ({ name, context: { cluster: 'kube-compliance-demo', user: name, namespace: 'demo' } })),
    'current-context': 'demo-admin',
  });
}

export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  const scenario = opts.scenario ?? 'demo';
  const ownWorkDir = !opts.workDir;
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'kc-emulator-'));
  mkdirSync(workDir, { recursive: true });
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const certs = makeCerts(workDir);
    const store = new Store();
    let clockOffset = 0;
    store.now = () => Date.now() + clockOffset;

    const tokens = { admin: `kc-admin-${randomBytes(16).toString('hex')}`, readonly: `kc-readonly-${randomBytes(16).toString('hex')}`, expired: `kc-expired-${randomBytes(16).toString('hex')}` };
    const authn = new Authenticator(store);
    authn.addStaticToken(tokens.admin, { username: 'demo-admin', uid: 'demo-admin', groups: ['system:masters', 'system:authenticated'] });
    authn.addStaticToken(tokens.readonly, { username: 'demo-readonly', uid: 'demo-readonly', groups: ['system:authenticated'] });
    authn.addStaticToken(tokens.expired, { username: 'demo-expired', uid: 'demo-expired', groups: ['system:authenticated'] }, Date.now() - 3600_000);
    const authz = new Authorizer(store);

    const { unreachableAfterMs, unreachableForMs, ...startFaults } = opts.faults ?? {};
    const faults: Faults = { ...startFaults };
    const runtimeFaults: RuntimeFaults = { cutExecAfterMs: faults.cutExecAfterMs };

    // Which pods have processes; the rest are metadata-only.
    const withProcesses = new Set<string>();
    const pendingDeletes = new Map<string, Promise<void>>();
    let runtime: ContainerRuntime | undefined;
    let seeding = true;

    const events = new EventRecorder(store);
    const sink: StatusSink = {
      setContainerState(namespace, pod, container, update: ContainerStateUpdate, ephemeral) {
        let transition: [KObject, KObject | undefined] | undefined;
        const updated = store.update('pods', namespace, pod, (o) => {
          const listKey = ephemeral ? 'ephemeralContainerStatuses' : 'containerStatuses';
          const specList: KObject[] = ephemeral ? (o.spec.ephemeralContainers ?? []) : [...o.spec.containers, ...(o.spec.initContainers ?? [])];
          const c = specList.find((x) => x.name === container);
          if (!c) return;
          const list: KObject[] = (o.status[listKey] ??= []);
          let st = list.find((x) => x.name === container);
          transition = [c, st?.state];
          if (!st) list.push((st = containerStatusFor(c, update.state)));
          st.state = update.state;
          st.started = !!update.state.running;
          st.ready = update.ready ?? (!ephemeral && !!update.state.running);
          if (update.restartCount !== undefined) st.restartCount = update.restartCount;
          if (update.containerID !== undefined) st.containerID = update.containerID;
          if (update.lastState !== undefined) st.lastState = update.lastState;
          if (update.imageID !== undefined) st.imageID = update.imageID;
          recomputePodStatus(o, store.now());
        });
        if (updated && transition) events.containerTransition(updated, transition[0], transition[1], update.state, ephemeral);
      },
    };

    const markRunning = (pod: KObject) => {
      const now = isoNow(store.now());
      for (const c of pod.spec.containers) {
        sink.setContainerState(pod.metadata.namespace, pod.metadata.name, c.name, { state: { running: { startedAt: now } }, ready: true, containerID: `containerd://${randomBytes(32).toString('hex')}` }, false);
      }
    };

    const startPod = (pod: KObject) => {
      const key = keyOf(pod.metadata.namespace, pod.metadata.name);
      events.record(pod, 'Scheduled', `Successfully assigned ${key} to ${pod.spec.nodeName}`, { component: 'default-scheduler' });
      if (runtime) {
        withProcesses.add(key);
        return runtime.startPod(pod).catch((e) => log(`runtime could not start pod ${key}: ${(e as Error).message}`));
      }
      markRunning(pod);
      return Promise.resolve();
    };

    const images = new ImageRegistry([REGISTRY_HOST]);
    // The in-cluster scan Job's auditor image (a CINC Auditor stand-in running the test double; auditor-image.ts).
    pushAuditorDouble(images);
    const api: ApiServer = new ApiServer({
      store,
      images,
      authn,
      authz,
      faults,
      key: certs.key,
      cert: certs.cert,
      tokenMinExpirationSeconds: opts.tokenMinExpirationSeconds,
      log,
      get runtime() {
        return runtime;
      },
      hooks: {
        podCreated: (pod) => {
          if (!seeding) void startPod(pod);
        },
        podDeleted: (ns, name) => {
          const key = keyOf(ns, name);
          if (withProcesses.delete(key) && runtime) {
            const p = runtime.deletePod(ns, name).catch((e) => log(`runtime could not delete pod ${key}: ${(e as Error).message}`));
            pendingDeletes.set(key, p);
            void p.finally(() => pendingDeletes.delete(key));
          }
        },
        ephemeralContainerAdded: (pod, name) => {
          runtime?.startEphemeralContainer(pod, name).catch((e) => log(`runtime could not start ephemeral container ${name}: ${(e as Error).message}`));
        },
        hasProcesses: (ns, name) => withProcesses.has(keyOf(ns, name)),
        admin: async (path, _method, body) => {
          if (path === '/emulator/faults') {
            const { unreachableForMs: forMs, ...rest } = body as KObject;
            cluster.setFaults(rest);
            if (typeof forMs === 'number' && forMs > 0) {
              setTimeout(() => {
                void api.setUnreachable(true).then(() => setTimeout(() => void api.setUnreachable(false).catch((e) => log(`could not listen again: ${(e as Error).message}`)), forMs));
              }, 50);
            }
            return { ...faults, unreachable: api.isUnreachable, ...(forMs ? { unreachableForMs: forMs } : {}) };
          }
          if (path === '/emulator/clock') {
            if (typeof body.advanceSeconds === 'number') cluster.advanceClock(body.advanceSeconds * 1000);
            return { now: isoNow(store.now()), offsetSeconds: clockOffset / 1000 };
          }
          const m = /^\/emulator\/pods\/([^/]+)\/([^/]+)\/restart$/.exec(path);
          if (m) {
            const container = String(body.container ?? '');
            await cluster.restartContainer(m[1], m[2], container);
            return { restarted: `${m[1]}/${m[2]}/${container}` };
          }
          return undefined;
        },
      },
    });
    cleanups.push(() => api.close());

    // Seed the scenario.
    const seeder: Seeder = {
      create: (apiVersion, resource, ns, obj) => api.create(resourceOf(apiVersion, resource), ns, obj, { seed: true }),
      now: () => store.now(),
    };
    const plans: PodPlan[] =
      scenario === 'scale'
        ? seedScale(seeder, opts.namespaces ?? 200, opts.pods ?? 10000)
        : scenario === 'fleet'
          ? seedFleet(seeder, images, { namespaces: opts.namespaces ?? FLEET_DEFAULTS.namespaces, containers: opts.containers ?? FLEET_DEFAULTS.containers, digests: opts.digests ?? FLEET_DEFAULTS.digests })
          : seedDemo(seeder);

    const wantRuntime = scenario !== 'scale' && opts.runtime !== false;
    const createRuntime = wantRuntime ? await loadRuntime() : undefined;
    if (wantRuntime && opts.runtime === true && !createRuntime) throw new Error('the container runtime test/emulator/runtime/index.ts is missing');
    if (wantRuntime && !createRuntime) log('no container runtime (test/emulator/runtime/index.ts missing): pods are metadata-only');
    if (createRuntime) {
      if (process.getuid?.() !== 0) throw new Error('the emulator runs containers in Linux PID and mount namespaces and needs root; run it as root, or pass runtime: false (metadata-only pods)');
      const rtDir = join(workDir, 'runtime');
      mkdirSync(rtDir, { recursive: true });
      const seededPods = new Set(plans.map((p) => keyOf(p.namespace, p.name)));
      const podSetup = kubeletSetup({ store, authn, caPem: certs.ca, apiPort: () => Number(new URL(api.url).port), seeded: (ns, name) => seededPods.has(keyOf(ns, name)) });
      runtime = await createRuntime({ statusSink: sink, workDir: rtDir, faults: runtimeFaults, images, podSetup });
      cleanups.push(() => runtime?.shutdown());
    }

    await api.listen(opts.port ?? 0);
    seeding = false;
    // Jobs created through the API run (jobs.ts); the scenario's seeded Jobs are finished history.
    const jobs = new JobController({ store, events, createPod: (ns, pod) => api.create(resourceOf('v1', 'pods'), ns, pod), remove: (res, obj) => api.removeCascading(res, obj), log });
    cleanups.push(() => jobs.stop());
    await Promise.all(
      plans.filter((p) => p.processes).map((p) => {
        const pod = store.get('pods', p.namespace, p.name);
        return pod ? startPod(structuredClone(pod)) : undefined;
      }),
    );

    const kubeconfigPath = opts.kubeconfigPath ?? join(workDir, 'kubeconfig');
    mkdirSync(dirname(kubeconfigPath), { recursive: true });
    writeFileSync(kubeconfigPath, kubeconfigYaml(api.url, certs.ca, tokens), { mode: 0o600 });
    chmodSync(kubeconfigPath, 0o600);

    if (unreachableAfterMs !== undefined || unreachableForMs !== undefined) {
      const t = setTimeout(() => {
        void api.setUnreachable(true).then(() => {
          if (unreachableForMs) setTimeout(() => void api.setUnreachable(false).catch((e) => log(`could not listen again: ${(e as Error).message}`)), unreachableForMs);
        });
      }, unreachableAfterMs ?? 0);
      cleanups.push(() => clearTimeout(t));
    }

    let stopped = false;
    const cluster: Cluster = {
      url: api.url,
      port: Number(new URL(api.url).port),
      kubeconfigPath,
      workDir,
      caPem: certs.ca,
      tokens,
      scenario,
      images,
      hasRuntime: !!runtime,
      get execCount() {
        return api.execCount;
      },
      faults,
      setFaults(f) {
        for (const [k, v] of Object.entries(f)) {
          const key = k as keyof Faults;
          if (v === null || v === undefined || v === 0) delete faults[key];
          else if (typeof v === 'number' && v > 0) faults[key] = v;
          else throw new HttpError(400, 'BadRequest', `fault ${k} expects a positive number`);
        }
        runtimeFaults.cutExecAfterMs = faults.cutExecAfterMs;
        api.resetThrottleCounter();
      },
      setUnreachable: (on) => api.setUnreachable(on),
      advanceClock(ms) {
        clockOffset += ms;
      },
      async restartContainer(namespace, pod, container) {
        if (!runtime || !withProcesses.has(keyOf(namespace, pod))) throw new HttpError(400, 'BadRequest', `pod ${namespace}/${pod} has no processes (metadata-only)`);
        await runtime.restartContainer(namespace, pod, container);
      },
      async deletePod(namespace, pod) {
        const obj = store.get('pods', namespace, pod);
        if (!obj) throw new HttpError(404, 'NotFound', `pods "${pod}" not found`);
        api.removeCascading('pods', obj);
        await pendingDeletes.get(keyOf(namespace, pod));
      },
      get: (resource, namespace, name) => store.get(resource, namespace, name),
      async stop() {
        if (stopped) return;
        stopped = true;
        for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e) => log(`cleanup: ${(e as Error).message}`));
        if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (e) {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
    throw e;
  }
}
