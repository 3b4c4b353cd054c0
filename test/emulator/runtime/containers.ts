// Process layer of the emulator's container runtime: starts container processes in Linux namespaces and runs exec
// processes inside them. Test/demo infrastructure (root only); nothing here ships in the VSIX.
//
// A container is   unshare --pid --mount --uts (new PID namespace)
//               or nsenter --target <pid> --pid --uts --no-fork + unshare --mount (join a PID namespace: ephemeral
//                  containers with targetContainerName, shareProcessNamespace pods)
//   → setpriv --pdeathsig SIGKILL (the launcher dies with the emulator process)
//   → outer.sh (host shell; stays in the parent PID namespace and reports the exit status, 128+signal when killed)
//   → kc-enter --init (enter.c; first child = PID 1 of a new PID namespace, or a member of the joined one): mounts
//     the overlay (image template + the container's upper layer) and /proc inside the container's private mount
//     namespace, sets the hostname, reports its host PID on fd 3, then
//     chroots, drops the capability bounding set to the container's, switches uid/gid and execs the command
//     (without a C compiler: inner.sh with setpriv + chroot --userspec). /dev comes with the image template.
// Every mount lives in a private mount namespace, so nothing is ever mounted in the host's namespace and the kernel
// drops the mounts when the container's last process ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, promises as fs } from 'node:fs';
import { join, posix } from 'node:path';

/** containerd's default capability set (the 14 capabilities every container gets unless told otherwise). */
export const DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];

/** Effective capability list for a container's securityContext, or 'privileged' (keep everything). */
export function capabilitySet(sc: { privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] } } | undefined): string[] | 'privileged' {
  if (sc?.privileged) return 'privileged';
  const norm = (c: string) => c.toUpperCase().replace(/^CAP_/, '');
  const drop = (sc?.capabilities?.drop ?? []).map(norm);
  let caps = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.includes(c));
  for (const a of (sc?.capabilities?.add ?? []).map(norm)) {
    if (a === 'ALL') return 'privileged';
    if (!caps.includes(a)) caps = [...caps, a];
  }
  return caps;
}

const CAP_NUMBERS: Record<string, number> = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8, LINUX_IMMUTABLE: 9,
  NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13, IPC_LOCK: 14, IPC_OWNER: 15, SYS_MODULE: 16, SYS_RAWIO: 17,
  SYS_CHROOT: 18, SYS_PTRACE: 19, SYS_PACCT: 20, SYS_ADMIN: 21, SYS_BOOT: 22, SYS_NICE: 23, SYS_RESOURCE: 24, SYS_TIME: 25,
  SYS_TTY_CONFIG: 26, MKNOD: 27, LEASE: 28, AUDIT_WRITE: 29, AUDIT_CONTROL: 30, SETFCAP: 31, MAC_OVERRIDE: 32, MAC_ADMIN: 33,
  SYSLOG: 34, WAKE_ALARM: 35, BLOCK_SUSPEND: 36, AUDIT_READ: 37, PERFMON: 38, BPF: 39, CHECKPOINT_RESTORE: 40,
};

/** The capability argument of the launch scripts: a hex bit mask for kc-enter, or 'privileged'. */
export function capsArgument(caps: string[] | 'privileged'): string {
  if (caps === 'privileged') return 'privileged';
  let mask = 0n;
  for (const c of caps) if (CAP_NUMBERS[c] !== undefined) mask |= 1n << BigInt(CAP_NUMBERS[c]);
  return mask.toString(16);
}

/** setpriv's form of a hex capability mask (fallback without kc-enter; chroot and the uid switch need three more). */
function setprivFallback(t: Tools): string {
  const names = Object.entries(CAP_NUMBERS).map(([n, b]) => `${b}) c="$c,+${n.toLowerCase()}";;`).join(' ');
  return `caps_for_setpriv() { c=-all; m=$((0x$1)); b=0; while [ $b -le 40 ]; do if [ $(( (m >> b) & 1 )) = 1 ]; then case $b in ${names} esac; fi; b=$((b+1)); done; echo "$c,+sys_chroot,+setuid,+setgid"; }
enter() { R=$1; U=$2; G=$3; C=$4; shift 4; if [ "$C" = privileged ]; then exec ${t.chroot} --userspec="$U:$G" "$R" "$@"; fi; exec ${t.setpriv} --bounding-set "$(caps_for_setpriv "$C")" -- ${t.chroot} --userspec="$U:$G" "$R" "$@"; }`;
}

interface Tools { sh: string; unshare: string; nsenter: string; setpriv: string; chroot: string; mount: string; hostname: string; script?: string; stty?: string }

function findTool(name: string): string {
  for (const d of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`the emulator's container runtime needs "${name}" (util-linux/coreutils) on the host; install it and retry`);
}

function optionalTool(name: string): string | undefined {
  try { return findTool(name); } catch { return undefined; }
}

export interface Scripts {
  outer: string;
  exec: string;
  tools: Tools;
  /** `setpriv --pdeathsig SIGKILL --` when supported: launchers die with the emulator process (and take their containers along). */
  deathsig: string[];
}


/** Writes the launch scripts into `dir` (once per runtime). */
export async function writeScripts(dir: string, enterTool: string | undefined): Promise<Scripts> {
  const t: Tools = {
    sh: findTool('sh'), unshare: findTool('unshare'), nsenter: findTool('nsenter'), setpriv: findTool('setpriv'),
    chroot: findTool('chroot'), mount: findTool('mount'), hostname: findTool('hostname'),
    script: optionalTool('script'), stty: optionalTool('stty'),
  };
  await fs.mkdir(dir, { recursive: true });
  const outer = join(dir, 'outer.sh');
  const inner = join(dir, 'inner.sh');
  const exec = join(dir, 'exec.sh');
  const enterFn = enterTool ? `enter() { exec ${enterTool} "$@"; }` : setprivFallback(t);
  // outer.sh ROOTFS HOSTNAME CAPS UID GID LOWER UPPER WORK CMD… (LOWER "-": ROOTFS is a plain copy, no overlay) — its
  // first fork becomes the container's first process, which mounts the overlay and /proc, sets the hostname, reports
  // its host PID on fd 3 and enters the root (kc-enter --init, or inner.sh without a C compiler).
  const first = enterTool
    ? `R=$1; H=$2; CAPS=$3; U=$4; G=$5; L=$6; UP=$7; W=$8; shift 8
exec 4<&0
if [ "$L" = - ]; then
  ${enterTool} --init "$H" "$R" "$U" "$G" "$CAPS" "$@" <&4 4<&- &
else
  ${enterTool} --init "$H" --overlay "$L" "$UP" "$W" "$R" "$U" "$G" "$CAPS" "$@" <&4 4<&- &
fi`
    : `exec 4<&0\n${t.sh} ${inner} "$@" <&4 4<&- &`;
  await fs.writeFile(outer, `# emulator container launcher (outer): stays outside the container's PID namespace and returns its exit status.
${first}
exec 3>&- 4<&-
wait $!
exit $?
`);
  if (!enterTool) {
    await fs.writeFile(inner, `# emulator container launcher (inner, used when kc-enter could not be compiled): the container's first process.
R=$1; H=$2; CAPS=$3; U=$4; G=$5; L=$6; UP=$7; W=$8; shift 8
${enterFn}
fail() { echo "error $1" >&3; exit 128; }
read -r hostpid _ < /proc/self/stat
[ "$L" = - ] || ${t.mount} -t overlay overlay -o "lowerdir=$L,upperdir=$UP,workdir=$W" "$R" || fail "mount overlay"
${t.mount} -t proc -o nosuid,nodev,noexec proc "$R/proc" || fail "mount /proc"
${t.mount} --bind /dev/pts "$R/dev/pts" 2>/dev/null
[ "$H" = - ] || ${t.hostname} "$H" || fail "hostname"
echo "pid $hostpid" >&3
exec 3>&-
enter "$R" "$U" "$G" "$CAPS" "$@"
`);
  }
  // exec.sh ROOTFS CAPS UID GID CMD… — run after nsenter into the container's namespaces.
  await fs.writeFile(exec, `# emulator exec launcher: runs one exec process inside an entered container.
R=$1; CAPS=$2; U=$3; G=$4; shift 4
${enterFn}
exec 4<&0
(enter "$R" "$U" "$G" "$CAPS" "$@") <&4 4<&- &
exec 4<&-
wait $!
exit $?
`);
  const deathsig = spawnSync(t.setpriv, ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') ? [t.setpriv, '--pdeathsig', 'SIGKILL', '--'] : [];
  return { outer, exec, tools: t, deathsig };
}

export interface LaunchOptions {
  scripts: Scripts;
  rootfs: string;
  hostname: string;
  caps: string[] | 'privileged';
  uid: number;
  gid: number;
  argv: string[];
  env: Record<string, string>;
  /** Host PID whose PID (and UTS) namespace to join; a new PID namespace when absent. */
  joinPid?: number;
  /** Mount an overlay on `rootfs` inside the container's mount namespace (else `rootfs` is a ready copy). */
  overlay?: { lower: string; upper: string; work: string };
  stdin: boolean;
}

export interface Launched {
  child: ChildProcess;
  hostPid: number;
  /** Resolves with the container's exit status (128+signal when killed) once its launcher is gone. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a container process; resolves once it is the container's first process (host PID known). */
export function launch(o: LaunchOptions): Promise<Launched> {
  const t = o.scripts.tools;
  const ov = o.overlay ? [o.overlay.lower, o.overlay.upper, o.overlay.work] : ['-', '-', '-'];
  const tail = [...o.scripts.deathsig, t.sh, o.scripts.outer, o.rootfs, o.joinPid ? '-' : o.hostname, capsArgument(o.caps), String(o.uid), String(o.gid), ...ov, ...o.argv];
  const [cmd, ...args] = o.joinPid
    ? [t.nsenter, `--target=${o.joinPid}`, '--pid', '--uts', '--no-fork', '--', t.unshare, '--mount', '--propagation', 'private', '--', ...tail]
    : [t.unshare, '--pid', '--mount', '--uts', '--propagation', 'private', '--', ...tail];
  const child = spawn(cmd, args, { env: o.env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 128, signal: null }));
  });
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  let report = '';
  const fd3Done = new Promise<void>((resolve) => {
    fd3.on('data', (d: Buffer) => (report += d.toString()));
    fd3.on('end', () => resolve());
    fd3.on('error', () => resolve());
  });
  // stdout/stderr are not read here: they stay buffered for the caller (container logs and attach), except for the
  // error message when the launch fails.
  const stderrText = () => new Promise<string>((resolve) => {
    let early = '';
    if (!child.stderr) return resolve('');
    child.stderr.on('data', (d: Buffer) => { early = (early + d.toString()).slice(-2000); });
    child.stderr.on('end', () => resolve(early));
    child.stderr.on('error', () => resolve(early));
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    // The pid line arrives on fd 3 before the command runs; fd 3 closes when the command starts (or the launcher dies).
    void fd3Done.then(async () => {
      const m = /pid (\d+)/.exec(report);
      if (m) {
        settled = true;
        resolve({ child, hostPid: Number(m[1]), exit });
        return;
      }
      const { code, signal } = await exit;
      if (settled) return;
      settled = true;
      const early = await Promise.race([stderrText(), new Promise<string>((r) => setTimeout(() => r(''), 1000))]);
      const why = /error (.*)/.exec(report)?.[1];
      reject(new Error(`container process did not start${why ? ` (${why})` : ''}: exit ${code ?? signal}${early ? `: ${early.trim()}` : ''}`));
    });
  });
}

/**
 * Stops a launched container: SIGKILL to its first process (as PID 1 of its own namespace the kernel then kills and
 * reaps the rest, and the launcher reaps it), then, once the launcher is gone or after 2 s, SIGKILL to whatever is
 * left in the launcher's process group.
 */
export async function stopLaunched(hostPid: number | undefined, launcherPid: number | undefined, exit: Promise<unknown> | undefined): Promise<void> {
  killTree(hostPid, 'SIGKILL');
  if (exit) await Promise.race([exit, new Promise((r) => setTimeout(r, 2000))]);
  killGroup(launcherPid);
  if (exit) await Promise.race([exit, new Promise((r) => setTimeout(r, 3000))]);
}

export interface ExecSpawnOptions { scripts: Scripts; pid: number; rootfs: string; caps: string[] | 'privileged'; uid: number; gid: number; argv: string[]; env: Record<string, string>; stdin: boolean; tty?: boolean }

/** Starts an exec process in the namespaces of the container whose (first) process is `pid`. */
export function spawnExec(o: ExecSpawnOptions): ChildProcess {
  const t = o.scripts.tools;
  const inner = [t.sh, o.scripts.exec, o.rootfs, capsArgument(o.caps), String(o.uid), String(o.gid), ...o.argv];
  // tty: util-linux `script` allocates a pseudo-terminal (from the host's devpts, before the chroot) and relays it.
  const run = o.tty && t.script ? [t.script, '-q', '-e', '-f', '-c', inner.map(shellQuote).join(' '), '/dev/null'] : inner;
  const args = [`--target=${o.pid}`, '--pid', '--mount', '--uts', '--no-fork', '--', ...o.scripts.deathsig, ...run];
  return spawn(t.nsenter, args, { env: o.env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The pseudo-terminal a `script` process allocated (its master's tty-index in /proc/PID/fdinfo). */
function ptyOf(pid: number): string | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link !== '/dev/ptmx' && link !== '/dev/pts/ptmx') continue;
      const idx = /tty-index:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
      if (idx) return `/dev/pts/${idx}`;
    }
  } catch {}
  return undefined;
}

/**
 * Returns a function that sets the window size of an exec's pseudo-terminal. The terminal appears a moment after the
 * exec starts (kubectl sends the first size at once), so sizes are retried for up to 3 s, latest size wins.
 */
export function ttyResizer(scripts: Scripts, execPid: number | undefined): (width: number, height: number) => void {
  let wanted: [number, number] | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tries = 0;
  const apply = () => {
    timer = undefined;
    if (!wanted || !execPid || !scripts.tools.stty) return;
    const tty = ptyOf(execPid);
    if (!tty) {
      if (++tries < 300) timer = setTimeout(apply, 10);
      return;
    }
    const [w, h] = wanted;
    wanted = undefined;
    spawn(scripts.tools.stty, ['-F', tty, 'rows', String(Math.max(1, h | 0)), 'cols', String(Math.max(1, w | 0))], { stdio: 'ignore' }).on('error', () => {});
  };
  return (width, height) => {
    wanted = [width, height];
    if (!timer) apply();
  };
}

/** Resolves `path` inside `root` (symlinks resolved against `root`, as the kernel does after chroot). */
export function resolveInRoot(root: string, path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  let cur: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') { cur.pop(); continue; }
    const host = join(root, ...cur, part);
    let st;
    try { st = lstatSync(host); } catch { return undefined; }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined;
      const target = readlinkSync(host);
      if (target.startsWith('/')) cur = [];
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    cur.push(part);
  }
  return posix.join('/', ...cur);
}

export type Resolution = { ok: true; path: string } | { ok: false; kind: 'not-in-path' | 'no-such-file' | 'permission'; path: string };

/** Looks `cmd` up like runc: a name with a slash directly, otherwise on the container's PATH. */
export function resolveExecutable(root: string, cmd: string, pathVar: string | undefined): Resolution {
  const check = (p: string): 'ok' | 'missing' | 'perm' => {
    const r = resolveInRoot(root, p);
    if (!r) return 'missing';
    try {
      const st = statSync(join(root, r));
      if (st.isDirectory()) return 'perm';
      return st.mode & 0o111 ? 'ok' : 'perm';
    } catch { return 'missing'; }
  };
  if (cmd.includes('/')) {
    const p = cmd.startsWith('/') ? cmd : `/${cmd}`;
    const c = check(p);
    return c === 'ok' ? { ok: true, path: cmd } : { ok: false, kind: c === 'perm' ? 'permission' : 'no-such-file', path: cmd };
  }
  for (const dir of (pathVar ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (!dir) continue;
    const p = posix.join(dir, cmd);
    if (check(p) === 'ok') return { ok: true, path: p };
  }
  return { ok: false, kind: 'not-in-path', path: cmd };
}

/** Can overlayfs be mounted with its upper layer under `dir` (not on an overlayfs root, for example)? */
export async function overlayWorks(dir: string, lower: string): Promise<boolean> {
  const base = join(dir, 'overlay-probe');
  const [m, u, w] = ['merged', 'upper', 'work'].map((d) => join(base, d));
  try {
    for (const d of [m, u, w]) await fs.mkdir(d, { recursive: true });
    const ok = await new Promise<boolean>((resolve) => {
      const p = spawn(findTool('unshare'), ['--mount', '--propagation', 'private', '--', findTool('sh'), '-c', 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && test -d "$4/etc"', 'probe', lower, u, w, m], { stdio: 'ignore' });
      p.on('error', () => resolve(false));
      p.on('exit', (code) => resolve(code === 0));
    });
    return ok;
  } finally {
    await fs.rm(base, { recursive: true, force: true }).catch(() => {});
  }
}

/** Copies an image template into a container's own writable root (ownership, modes and links preserved). */
export async function copyRootfs(template: string, dest: string): Promise<void> {
  await fs.mkdir(join(dest, '..'), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const p = spawn('cp', ['-a', template, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cp -a ${template} ${dest} failed: ${err.trim()}`))));
  });
}

export function killTree(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try { process.kill(pid, signal); } catch {}
}

export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try { process.kill(-pid, 'SIGKILL'); } catch {}
  try { process.kill(pid, 'SIGKILL'); } catch {}
}
