// `npm run cluster -- --kubeconfig FILE [--port N] [--scenario demo|scale|fleet] [--namespaces N --pods M] [--containers N --digests M] [--fault key=value …] [--no-runtime]`
// Runs the Kubernetes API emulator in the foreground: writes FILE (mode 0600) once serving, prints
// `READY https://127.0.0.1:PORT`, and on SIGINT/SIGTERM stops every process it started and unmounts everything.
import { checkFleetSizes, FLEET_DEFAULTS } from './fleet';
import { parseFaultFlag, type Faults } from './faults';
import { runtimeAvailable, startCluster, type StartOptions } from './index';

function usage(msg?: string): never {
  if (msg) console.error(`error: ${msg}`);
  console.error('usage: npm run cluster -- --kubeconfig FILE [--port N] [--scenario demo|scale|fleet] [--namespaces N] [--pods M] [--containers N] [--digests N] [--fault key=value]… [--no-runtime] [--token-min-seconds N]');
  console.error(`scale: --namespaces (200) --pods (10000 in total); fleet: --namespaces (${FLEET_DEFAULTS.namespaces}) --containers (${FLEET_DEFAULTS.containers} running) --digests (${FLEET_DEFAULTS.digests})`);
  console.error('faults: throttle-every=N throttle-burst=N retry-after=S delay-ms=N cut-exec-after-ms=N delete-pod-during-exec-ms=N unreachable-after-ms=N unreachable-for-ms=N');
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  const opts: StartOptions = { log: (m) => console.error(`[emulator] ${m}`) };
  const faults: Faults & { unreachableAfterMs?: number; unreachableForMs?: number } = {};
  const num = (v: string | undefined, flag: string) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) usage(`${flag} expects a number`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--kubeconfig') opts.kubeconfigPath = args[++i];
    else if (a === '--port') opts.port = num(args[++i], a);
    else if (a === '--scenario') {
      const s = args[++i];
      if (s !== 'demo' && s !== 'scale' && s !== 'fleet') usage('--scenario is demo, scale or fleet');
      opts.scenario = s;
    } else if (a === '--namespaces') opts.namespaces = num(args[++i], a);
    else if (a === '--pods') opts.pods = num(args[++i], a);
    else if (a === '--containers') opts.containers = num(args[++i], a);
    else if (a === '--digests') opts.digests = num(args[++i], a);
    else if (a === '--fault') {
      try {
        parseFaultFlag(args[++i] ?? '', faults);
      } catch (e) {
        usage((e as Error).message);
      }
    } else if (a === '--no-runtime') opts.runtime = false;
    else if (a === '--token-min-seconds') opts.tokenMinExpirationSeconds = num(args[++i], a);
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!opts.kubeconfigPath) usage('--kubeconfig FILE is required');
  opts.faults = faults;
  if (opts.scenario === 'fleet') {
    try {
      checkFleetSizes({ namespaces: opts.namespaces ?? FLEET_DEFAULTS.namespaces, containers: opts.containers ?? FLEET_DEFAULTS.containers, digests: opts.digests ?? FLEET_DEFAULTS.digests });
    } catch (e) {
      usage((e as Error).message);
    }
  }
  const needsRoot = (opts.scenario ?? 'demo') !== 'scale' && opts.runtime !== false && runtimeAvailable();
  if (needsRoot && process.getuid?.() !== 0) {
    console.error(`error: the emulator runs the ${opts.scenario ?? 'demo'} containers in Linux PID and mount namespaces with chroot, which needs root. Run it as root (e.g. sudo), or use --no-runtime for metadata-only pods, or --scenario scale.`);
    process.exit(1);
  }
  // Signal handlers come first: a SIGINT/SIGTERM while the cluster starts (root filesystems, container processes)
  // lets the start finish, then stops everything it started, instead of leaving them behind.
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined = undefined;
  let signalled: string | undefined;
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`[emulator] ${sig}: stopping`);
    const t = setTimeout(() => {
      console.error('[emulator] stop timed out after 20 s');
      process.exit(1);
    }, 20000);
    try {
      await cluster!.stop();
    } finally {
      clearTimeout(t);
    }
    process.exit(0);
  };
  const onSignal = (sig: string) => {
    if (cluster) void stop(sig);
    else if (signalled) process.exit(130); // a second signal while starting: give up at once
    else signalled = sig;
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  cluster = await startCluster(opts);
  if (signalled) return stop(`${signalled} during start`);
  console.error(`[emulator] scenario ${cluster.scenario}, ${cluster.hasRuntime ? 'real container processes' : 'metadata-only pods'}; kubeconfig ${cluster.kubeconfigPath} (contexts demo-admin, demo-readonly, demo-expired); work dir ${cluster.workDir}`);
  console.log(`READY ${cluster.url}`);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
