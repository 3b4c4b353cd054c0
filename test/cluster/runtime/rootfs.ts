// Root filesystem templates ("images") of the Kubernetes API emulator's container runtime. Test/demo infrastructure:
// nothing here ships in the VSIX.
//
// The templates are built once into a cache folder outside the repository
// (`${KUBE_COMPLIANCE_HOST_CACHE:-~/.cache/kube-compliance-host}/rootfs/<layout version>/`) from Debian's
// `busybox-static` package (`apt-get download` + `dpkg -x`: no dpkg lock, nothing installed on the host), the host's
// `dash` (for the minimal image) and a tiny static C program (`keepalive.c`, built with `cc -static`). Each container
// then gets its own writable copy of its template (see containers.ts).
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bump when the layout of the templates changes: a new folder is built next to the old one. */
const LAYOUT = 'v6';

export type ImageKind = 'standard' | 'alpine' | 'minimal' | 'distroless' | 'busybox';

export interface ImageConfig {
  kind: ImageKind;
  /** Template folder (read-only by convention: containers get copies). */
  template: string;
  /** Entrypoint + Cmd of the image, used when the container spec has neither `command` nor `args`. */
  entrypoint: string[];
  cmd: string[];
  uid: number;
  gid: number;
  env: Record<string, string>;
}

export interface RootfsSet {
  dir: string;
  images: Record<ImageKind, ImageConfig>;
  /** Folder holding the pause program (PID 1 of shared PID namespaces) and its command line. */
  pauseRoot: string;
  pauseCmd: string[];
  /** Static `kc-enter` (enter.c): chroot + capability bounding set + uid/gid + exec. Absent when no C compiler was found. */
  enterTool?: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function rootfsCacheDir(): string {
  const base = process.env.KUBE_COMPLIANCE_HOST_CACHE || join(homedir(), '.cache', 'kube-compliance-host');
  return join(base, 'rootfs');
}

/** Maps an image reference of a pod spec to a template. Unknown images run on the standard template. */
export function imageKind(image: string | undefined): ImageKind {
  const ref = (image ?? '').toLowerCase();
  const name = ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const last = name.split('/').pop() ?? '';
  if (last === 'busybox') return 'busybox';
  if (last === 'alpine' || last.startsWith('alpine')) return 'alpine';
  if (last === 'minimal' || last.startsWith('minimal')) return 'minimal';
  if (last.includes('distroless') || name.includes('distroless')) return 'distroless';
  return 'standard';
}

let pending: Promise<RootfsSet> | undefined;

/** Builds the templates when missing (once per machine; concurrent builders race safely via rename). */
export function ensureRootfs(log: (line: string) => void = () => {}): Promise<RootfsSet> {
  pending ??= build(log).catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

function describe(dir: string, keepaliveIsBusybox: boolean): RootfsSet {
  const enter = join(dir, 'tools', 'kc-enter');
  const img = (kind: ImageKind, c: Omit<ImageConfig, 'kind' | 'template'>): ImageConfig => ({ kind, template: join(dir, 'images', kind), ...c });
  const env = { PATH: DEFAULT_PATH };
  const shellKeepAlive = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];
  const server = keepaliveIsBusybox ? ['/app/sleep', '2147483647'] : ['/app/server'];
  return {
    dir,
    pauseRoot: join(dir, 'images', 'pause'),
    pauseCmd: keepaliveIsBusybox ? ['/sleep', '2147483647'] : ['/pause'],
    enterTool: existsSync(enter) ? enter : undefined,
    images: {
      standard: img('standard', { entrypoint: [], cmd: shellKeepAlive, uid: 0, gid: 0, env: { ...env, HOME: '/root' } }),
      alpine: img('alpine', { entrypoint: [], cmd: shellKeepAlive, uid: 0, gid: 0, env: { ...env, HOME: '/root' } }),
      minimal: img('minimal', { entrypoint: server, cmd: [], uid: 0, gid: 0, env: { ...env, HOME: '/' } }),
      distroless: img('distroless', { entrypoint: server, cmd: [], uid: 65532, gid: 65532, env: { ...env, HOME: '/home/nonroot' } }),
      // Like the real busybox image: CMD ["sh"] (it stays up only while its stdin is open).
      busybox: img('busybox', { entrypoint: [], cmd: ['sh'], uid: 0, gid: 0, env: { ...env, HOME: '/root' } }),
    },
  };
}

async function build(log: (line: string) => void): Promise<RootfsSet> {
  const cache = rootfsCacheDir();
  const dir = join(cache, LAYOUT);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return describe(dir, (await fs.readFile(marker, 'utf8')).includes('keepalive=busybox'));
  if (process.getuid?.() !== 0) throw new Error('the emulator runtime needs root to build root filesystems and run containers in Linux namespaces');
  await fs.mkdir(cache, { recursive: true });
  log(`building container root filesystems in ${dir} (once)`);
  const tmp = await fs.mkdtemp(join(cache, `${LAYOUT}.tmp-`));
  await fs.chmod(tmp, 0o755);
  try {
    const debs = await fetchDebs(cache, ['busybox-static']);
    const busybox = await unpackBusybox(debs['busybox-static'], tmp);
    const applets = (await run(busybox, ['--list'])).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    const keepalive = await compile('keepalive.c', join(tmp, 'work', 'keepalive'));
    await compile('enter.c', join(tmp, 'tools', 'kc-enter'));
    await makeImages(tmp, busybox, applets, keepalive);
    await fs.writeFile(join(tmp, '.complete'), `built ${new Date().toISOString()} keepalive=${keepalive ? 'c' : 'busybox'}\n`);
    await fs.rm(join(tmp, 'work'), { recursive: true, force: true });
    try {
      await fs.rename(tmp, dir);
    } catch (e) {
      // Another process finished first: use its tree.
      if (!existsSync(marker)) throw e;
      await fs.rm(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return describe(dir, (await fs.readFile(marker, 'utf8')).includes('keepalive=busybox'));
}

/**
 * The .deb file of each package, from the cache's `debs/` folder (kept across layouts: downloaded once per machine).
 * Missing ones are fetched with one `apt-get download` into a private folder first (a concurrent builder never sees
 * half a file); when that fails (no package lists yet on a fresh machine, or lists naming versions the mirror no
 * longer has) `apt-get update` runs once and the download is retried.
 */
async function fetchDebs(cache: string, packages: readonly string[]): Promise<Record<string, string>> {
  const debs = join(cache, 'debs');
  await fs.mkdir(debs, { recursive: true });
  // Package names cannot contain "_", so "<name>_" starts exactly that package's files (<name>_<version>_<arch>.deb).
  const found = async () => {
    const files = (await fs.readdir(debs)).filter((f) => f.endsWith('.deb')).sort();
    const out: Record<string, string> = {};
    for (const p of packages) {
      const f = files.find((x) => x.startsWith(`${p}_`));
      if (f) out[p] = join(debs, f);
    }
    return out;
  };
  let have = await found();
  const missing = packages.filter((p) => !have[p]);
  if (!missing.length) return have;
  const into = await fs.mkdtemp(join(debs, '.download-'));
  try {
    const download = () => run('apt-get', ['download', ...missing], { cwd: into, timeout: 300_000 });
    try {
      await download();
    } catch {
      await run('apt-get', ['update'], { timeout: 300_000 });
      try {
        await download();
      } catch (e) {
        throw new Error(`could not download Debian packages with "apt-get download ${missing.join(' ')}" (needed for the emulator's root filesystems): ${(e as Error).message}`);
      }
    }
    for (const f of await fs.readdir(into)) if (f.endsWith('.deb')) await fs.rename(join(into, f), join(debs, f));
  } finally {
    await fs.rm(into, { recursive: true, force: true });
  }
  have = await found();
  const still = packages.filter((p) => !have[p]);
  if (still.length) throw new Error(`apt-get download left no .deb of ${still.join(', ')} in ${debs}`);
  return have;
}

async function unpackBusybox(deb: string, tmp: string): Promise<string> {
  const x = join(tmp, 'work', 'busybox-static');
  await fs.mkdir(x, { recursive: true });
  await run('dpkg-deb', ['-x', deb, x]);
  const bin = join(x, 'bin', 'busybox');
  if (!existsSync(bin)) throw new Error(`${basename(deb)} has no bin/busybox`);
  return bin;
}

async function compile(source: string, out: string): Promise<string | undefined> {
  const src = join(dirname(fileURLToPath(import.meta.url)), source);
  await fs.mkdir(dirname(out), { recursive: true });
  // KC_EMULATOR_CC: the C compiler to use, or "none" to build without one (busybox/setpriv fallbacks; for testing them).
  const ccs = process.env.KC_EMULATOR_CC ? (process.env.KC_EMULATOR_CC === 'none' ? [] : [process.env.KC_EMULATOR_CC]) : ['cc', 'gcc'];
  for (const cc of ccs) {
    try {
      await run(cc, ['-static', '-Os', '-s', '-o', out, src], { timeout: 60_000 });
      return out;
    } catch {}
  }
  return undefined;
}

interface Entry { path: string; content?: string | Buffer; mode?: number; uid?: number; gid?: number; dir?: boolean; link?: string; copy?: string; device?: keyof typeof DEVICES }

const DEVICES = { null: [1, 3], zero: [1, 5], full: [1, 7], random: [1, 8], urandom: [1, 9], tty: [5, 0] } as const;

async function materialize(root: string, entries: Entry[]): Promise<void> {
  for (const e of entries) {
    const p = join(root, e.path);
    await fs.mkdir(e.dir ? p : dirname(p), { recursive: true });
    if (e.device) {
      const [major, minor] = DEVICES[e.device];
      await fs.rm(p, { force: true });
      await run('mknod', ['-m', '666', p, 'c', String(major), String(minor)]);
      continue;
    }
    if (e.link !== undefined) {
      await fs.rm(p, { force: true });
      await fs.symlink(e.link, p);
      continue;
    }
    if (e.copy) await fs.copyFile(e.copy, p);
    else if (e.content !== undefined) await fs.writeFile(p, e.content);
    if (e.mode !== undefined) await fs.chmod(p, e.mode);
    if (e.uid !== undefined) await fs.chown(p, e.uid, e.gid ?? e.uid);
  }
}

const skeleton = (): Entry[] => [
  { path: 'proc', dir: true, mode: 0o555 },
  // A runtime-like /dev (containers get copies; no mount needed): the usual character devices and fd links.
  { path: 'dev', dir: true, mode: 0o755 },
  ...(['null', 'zero', 'full', 'random', 'urandom', 'tty'] as const).map((n) => ({ path: `dev/${n}`, device: n })),
  { path: 'dev/fd', link: '/proc/self/fd' },
  { path: 'dev/stdin', link: '/proc/self/fd/0' },
  { path: 'dev/stdout', link: '/proc/self/fd/1' },
  { path: 'dev/stderr', link: '/proc/self/fd/2' },
  { path: 'dev/core', link: '/proc/kcore' },
  { path: 'dev/ptmx', link: 'pts/ptmx' },
  { path: 'dev/pts', dir: true, mode: 0o755 },
  { path: 'dev/shm', dir: true, mode: 0o1777 },
  { path: 'dev/mqueue', dir: true, mode: 0o755 },
  { path: 'sys', dir: true, mode: 0o555 },
  { path: 'tmp', dir: true, mode: 0o1777 },
  { path: 'etc', dir: true, mode: 0o755 },
];

function appletLinks(applets: string[], dir: string, exclude: string[] = []): Entry[] {
  return applets.filter((a) => a !== 'busybox' && !exclude.includes(a) && !a.includes('/')).map((a) => ({ path: `${dir}/${a}`, link: 'busybox' }));
}

async function makeImages(tmp: string, busybox: string, applets: string[], keepalive: string | undefined): Promise<void> {
  const images = join(tmp, 'images');
  const server: Entry[] = keepalive
    ? [{ path: 'app/server', copy: keepalive, mode: 0o755 }]
    : [{ path: 'app/sleep', copy: busybox, mode: 0o755 }];

  // Debian-like: busybox as /bin/sh, a bash entry point, the usual applets, Debian os-release.
  await materialize(join(images, 'standard'), [
    ...skeleton(),
    { path: 'root', dir: true, mode: 0o700 },
    { path: 'home', dir: true, mode: 0o755 },
    { path: 'var/log', dir: true, mode: 0o755 },
    { path: 'run', dir: true, mode: 0o755 },
    { path: 'bin/busybox', copy: busybox, mode: 0o755 },
    ...appletLinks(applets, 'bin'),
    // busybox has no "bash" applet; Debian images have /bin/bash, so it is a tiny script running busybox's shell.
    { path: 'bin/bash', content: '#!/bin/busybox sh\nexec /bin/busybox sh "$@"\n', mode: 0o755 },
    { path: 'usr/bin/env', link: '../../bin/busybox' },
    { path: 'usr/sbin', dir: true },
    {
      path: 'etc/os-release',
      content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
      mode: 0o644,
    },
    { path: 'etc/debian_version', content: '12.8\n', mode: 0o644 },
    {
      path: 'etc/passwd',
      content: 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
      mode: 0o644,
    },
    { path: 'etc/group', content: 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\nwww-data:x:33:\nnogroup:x:65534:\n', mode: 0o644 },
    { path: 'etc/shadow', content: 'root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nbin:*:19700:0:99999:7:::\nsys:*:19700:0:99999:7:::\nwww-data:*:19700:0:99999:7:::\nnobody:*:19700:0:99999:7:::\n', mode: 0o640 },
    { path: 'etc/hostname', content: 'standard\n', mode: 0o644 },
  ]);

  // Alpine-like: busybox as /bin/sh and /bin/ash.
  await materialize(join(images, 'alpine'), [
    ...skeleton(),
    { path: 'root', dir: true, mode: 0o700 },
    { path: 'home', dir: true, mode: 0o755 },
    { path: 'var/log', dir: true, mode: 0o755 },
    { path: 'bin/busybox', copy: busybox, mode: 0o755 },
    ...appletLinks(applets, 'bin'),
    { path: 'usr/bin/env', link: '../../bin/busybox' },
    { path: 'etc/os-release', content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n', mode: 0o644 },
    { path: 'etc/alpine-release', content: '3.20.3\n', mode: 0o644 },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/ash\nbin:x:1:1:bin:/bin:/sbin/nologin\ndaemon:x:2:2:daemon:/sbin:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n', mode: 0o644 },
    { path: 'etc/group', content: 'root:x:0:root\nbin:x:1:root,bin,daemon\ndaemon:x:2:root,bin,daemon\nnobody:x:65534:\n', mode: 0o644 },
    { path: 'etc/shadow', content: 'root:*::0:::::\nbin:!::0:::::\ndaemon:!::0:::::\nnobody:!::0:::::\n', mode: 0o640 },
  ]);

  // Minimal: a shell and almost nothing else. The host's dash (not busybox: busybox's shell would still run "stat"
  // and other no-fork applets), with the two libraries it needs, and the static demo server as entry point.
  const dash = '/bin/dash';
  const libs = existsSync(dash) ? await sharedLibs(dash) : [];
  await materialize(join(images, 'minimal'), [
    ...skeleton(),
    existsSync(dash) ? { path: 'bin/sh', copy: dash, mode: 0o755 } : { path: 'bin/sh', copy: busybox, mode: 0o755 },
    ...libs.map((l) => ({ path: l.slice(1), copy: l, mode: 0o755 })),
    ...server,
    { path: 'etc/os-release', content: 'NAME="Minimal demo image"\nID=minimal-demo\nVERSION_ID=1\nPRETTY_NAME="Minimal demo image (a shell and nothing else)"\n', mode: 0o644 },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/:/bin/sh\n', mode: 0o644 },
    { path: 'etc/group', content: 'root:x:0:\n', mode: 0o644 },
  ]);

  // Distroless-style: no shell, one static binary, Debian-based os-release, runs as nonroot (65532).
  await materialize(join(images, 'distroless'), [
    ...skeleton(),
    ...server,
    { path: 'app/TARGET-ONLY-marker.txt', content: 'This file exists only in the distroless demo target.\n', mode: 0o600, uid: 65532, gid: 65532 },
    { path: 'home/nonroot', dir: true, mode: 0o700, uid: 65532, gid: 65532 },
    { path: 'root', dir: true, mode: 0o700 },
    {
      path: 'etc/os-release',
      content: 'PRETTY_NAME="Distroless demo target (demo)"\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\nVARIANT_ID=distroless-demo\nHOME_URL="https://github.com/GoogleContainerTools/distroless"\n',
      mode: 0o644,
    },
    { path: 'etc/debian_version', content: '12.99-distroless-demo\n', mode: 0o644 },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n', mode: 0o644 },
    { path: 'etc/group', content: 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n', mode: 0o644 },
  ]);

  // The helper image: static busybox with every applet (no bash), a recognisable os-release.
  await materialize(join(images, 'busybox'), [
    ...skeleton(),
    { path: 'root', dir: true, mode: 0o700 },
    { path: 'bin/busybox', copy: busybox, mode: 0o755 },
    ...appletLinks(applets, 'bin'),
    { path: 'etc/os-release', content: 'NAME="Demo Busybox"\nID=busybox\nVERSION_ID=1.35.0\nPRETTY_NAME="Demo Busybox (static, from Debian busybox-static)"\n', mode: 0o644 },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n', mode: 0o644 },
    { path: 'etc/group', content: 'root:x:0:\nnogroup:x:65534:\n', mode: 0o644 },
  ]);

  await materialize(join(images, 'pause'), [...skeleton(), keepalive ? { path: 'pause', copy: keepalive, mode: 0o755 } : { path: 'sleep', copy: busybox, mode: 0o755 }]);
}

/** The absolute paths of the shared libraries (and loader) a dynamically linked host binary needs. */
async function sharedLibs(bin: string): Promise<string[]> {
  const out = (await run('ldd', [bin])).stdout;
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.add(m[1]);
  }
  // Keep the path the binary asks for (e.g. /lib64/ld-linux-x86-64.so.2) as a real file.
  return [...libs].filter((l) => basename(l) !== '');
}
