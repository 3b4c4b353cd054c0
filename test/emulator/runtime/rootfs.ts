// Root filesystem templates ("images") of the Kubernetes API emulator's container runtime. Test/demo infrastructure:
// nothing here ships in the VSIX.
//
// The templates are built once into a cache folder outside the repository
// (`${KUBE_COMPLIANCE_HOST_CACHE:-~/.cache/kube-compliance-host}/rootfs/<layout version>/`) from Debian packages
// (`apt-get download` + `dpkg-deb -x`: no dpkg lock, no maintainer scripts, nothing installed on the host): the
// standard image from Debian 12's own coreutils, findutils, grep, sed, dash, bash, libc (STANDARD_PACKAGES), the
// alpine and helper images from `busybox-static`; plus the host's `dash` (for the minimal image) and a tiny static C
// program (`keepalive.c`, built with `cc -static`). Each container then gets its own writable copy of its template
// (see containers.ts).
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Bump when the layout or the recipe of the templates changes (images, package lists): a new folder is built next to
 * the old one. v7: the standard image is Debian 12 packages instead of busybox.
 */
const LAYOUT = 'v7';

/**
 * The Debian packages the standard image (`demo.local/standard:*`, "Debian 12") is unpacked from, in this order: the
 * part of a Debian 12 image that the auditor's transport and typical profiles use. GNU coreutils (`stat --printf`,
 * `cat`, `ls`, `readlink`, `sha256sum`, `id`…), GNU findutils (`find -perm`), grep, sed, mawk (`awk`), hostname,
 * `getent` (libc-bin), dash (`/bin/sh`, as on Debian) and bash; base-files (os-release, debian_version, the directory
 * tree), base-passwd (passwd/group) and debianutils (`which`, the shells list). Then the shared libraries those
 * binaries link (their packages' Pre-Depends, checked with ldd): libc6 and its libgcc-s1, libacl1, libattr1, libgmp10,
 * libselinux1, libpcre2-8-0, libtinfo6. Not the packages' other dependencies (dpkg, tar, install-info…): those serve
 * the maintainer scripts, which are not run (debianSetup writes their effects), and not the rest of Debian's
 * essential set (util-linux, tar, gzip, diffutils, perl-base, login…).
 */
export const STANDARD_PACKAGES = [
  'base-files', 'base-passwd', 'libc6', 'libgcc-s1', 'libc-bin',
  'libacl1', 'libattr1', 'libgmp10', 'libpcre2-8-0', 'libselinux1', 'libtinfo6',
  'coreutils', 'findutils', 'grep', 'sed', 'mawk', 'hostname', 'debianutils', 'dash', 'bash',
] as const;

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
    const debs = await fetchDebs(cache, ['busybox-static', ...STANDARD_PACKAGES]);
    const busybox = await unpackBusybox(debs['busybox-static'], tmp);
    const applets = (await run(busybox, ['--list'])).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    const keepalive = await compile('keepalive.c', join(tmp, 'work', 'keepalive'));
    await compile('enter.c', join(tmp, 'tools', 'kc-enter'));
    const standardDebs = STANDARD_PACKAGES.map((p) => debs[p]);
    await makeImages(tmp, busybox, applets, keepalive, standardDebs);
    // The recipe, for whoever looks at a cache folder: which .deb files the images came from.
    await fs.writeFile(
      join(tmp, '.complete'),
      `built ${new Date().toISOString()} keepalive=${keepalive ? 'c' : 'busybox'}\nbusybox=${basename(debs['busybox-static'])}\nstandard=${standardDebs.map((d) => basename(d)).join(' ')}\n`,
    );
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

async function makeImages(tmp: string, busybox: string, applets: string[], keepalive: string | undefined, standardDebs: string[]): Promise<void> {
  const images = join(tmp, 'images');
  const server: Entry[] = keepalive
    ? [{ path: 'app/server', copy: keepalive, mode: 0o755 }]
    : [{ path: 'app/sleep', copy: busybox, mode: 0o755 }];

  // Debian 12: Debian's own packages (see debianImage).
  await debianImage(join(images, 'standard'), standardDebs);

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

/**
 * The standard image, a Debian 12 root filesystem made of Debian's packages: each unpacked with `dpkg-deb -x` (no
 * maintainer scripts), /usr merged as on Debian 12 (`/bin`, `/sbin`, `/lib`, `/lib64` → `usr/…`), trimmed like
 * `debian:12-slim` (no documentation but the copyright files, no man or info pages, no translations), then what the
 * maintainer scripts would have set up (debianSetup), the runtime's /dev, and ld.so.cache (libc-bin's trigger).
 * Finally a smoke test in the image itself, so a broken recipe fails here, not in some test much later.
 */
async function debianImage(root: string, debs: string[]): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  for (const deb of debs) await run('dpkg-deb', ['-x', deb, root]);
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) {
    const top = join(root, d);
    if (existsSync(top)) await moveInto(top, join(root, 'usr', d));
    else await fs.mkdir(join(root, 'usr', d), { recursive: true });
    await fs.symlink(`usr/${d}`, top);
  }
  const share = join(root, 'usr', 'share');
  for (const d of ['man', 'info', 'locale', 'lintian/overrides', 'linda', 'groff']) {
    for (const e of await fs.readdir(join(share, d)).catch(() => [] as string[])) await fs.rm(join(share, d, e), { recursive: true, force: true });
  }
  for (const pkg of await fs.readdir(join(share, 'doc')).catch(() => [] as string[])) {
    const dir = join(share, 'doc', pkg);
    if (!(await fs.lstat(dir)).isDirectory()) await fs.rm(dir, { force: true });
    else for (const f of await fs.readdir(dir)) if (f !== 'copyright') await fs.rm(join(dir, f), { recursive: true, force: true });
  }
  await materialize(root, [...skeleton(), ...(await debianSetup(root))]);
  await run(join(root, 'usr', 'sbin', 'ldconfig'), ['-r', root]);
  const check = [
    'stat -L --printf "%a %U\\n" /etc/passwd',
    'find /etc -maxdepth 1 -name passwd -perm -644',
    'getent passwd root',
    "bash -c 'echo $BASH_VERSION'",
    "awk 'BEGIN { print 1 }'",
    'sed --version',
    'grep --version',
    'hostname --version',
  ].join(' && ');
  try {
    await run('chroot', [root, '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', '/bin/sh', '-c', check], { timeout: 30_000 });
  } catch (e) {
    throw new Error(`the Debian standard image built in ${root} does not work: ${(e as Error).message}`);
  }
}

/** Moves `src` into `dst` (merging directories; a file on both sides is an error, as usrmerge treats it). */
async function moveInto(src: string, dst: string): Promise<void> {
  const d = await fs.lstat(dst).catch(() => undefined);
  if (!d) {
    await fs.mkdir(dirname(dst), { recursive: true });
    await fs.rename(src, dst);
    return;
  }
  if (!d.isDirectory() || !(await fs.lstat(src)).isDirectory()) throw new Error(`merging /usr: both ${src} and ${dst} exist`);
  for (const name of await fs.readdir(src)) await moveInto(join(src, name), join(dst, name));
  await fs.rmdir(src);
}

/**
 * What the maintainer scripts of the standard image's packages do on a first install, written out here because they
 * are not run: base-passwd (`/etc/passwd`, `/etc/group` from its master files) with the shadow files `passwd`'s
 * shadowconfig makes in every Debian image; libc-bin (`/etc/nsswitch.conf`); debianutils (`/etc/shells` with the
 * /usr aliases of a merged /usr, `which`); mawk (`awk`, `nawk`); base-files (`/etc/profile`, root's dot files, the
 * directories and links it makes).
 */
async function debianSetup(root: string): Promise<Entry[]> {
  const read = async (p: string) => (await fs.readFile(join(root, p), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
  const users = (await read('usr/share/base-passwd/passwd.master')).map((l) => l.split(':'));
  const groups = (await read('usr/share/base-passwd/group.master')).map((l) => l.split(':'));
  const gidOf = (name: string) => Number(groups.find((g) => g[0] === name)?.[2] ?? 0);
  const shadowGid = gidOf('shadow');
  const lines = (rows: string[][]) => rows.map((r) => `${r.join(':')}\n`).join('');
  const shells = await read('usr/share/debianutils/shells');
  for (const f of (await fs.readdir(join(root, 'usr/share/debianutils/shells.d'))).sort()) shells.push(...(await read(`usr/share/debianutils/shells.d/${f}`)));
  const shellList = shells.flatMap((sh) => (/^\/s?bin\//.test(sh) ? [sh, `/usr${sh}`] : [sh]));
  for (const d of ['var/run', 'var/lock']) await fs.rm(join(root, d), { recursive: true, force: true });
  const share = (p: string) => join(root, 'usr/share', p);
  const dirs = (paths: string[], mode: number): Entry[] => paths.map((path) => ({ path, dir: true, mode }));
  return [
    { path: 'etc/passwd', content: lines(users.map(([n, , ...rest]) => [n, 'x', ...rest])), mode: 0o644 },
    { path: 'etc/group', content: lines(groups.map(([n, , ...rest]) => [n, 'x', ...rest])), mode: 0o644 },
    { path: 'etc/shadow', content: lines(users.map(([n]) => [n, '*', '19700', '0', '99999', '7', '', '', ''])), mode: 0o640, uid: 0, gid: shadowGid },
    { path: 'etc/gshadow', content: lines(groups.map(([n]) => [n, '*', '', ''])), mode: 0o640, uid: 0, gid: shadowGid },
    { path: 'etc/nsswitch.conf', copy: share('libc-bin/nsswitch.conf'), mode: 0o644 },
    { path: 'etc/shells', content: `# /etc/shells: valid login shells\n${shellList.map((l) => `${l}\n`).join('')}`, mode: 0o644 },
    { path: 'etc/alternatives/which', link: '/usr/bin/which.debianutils' },
    { path: 'usr/bin/which', link: '/etc/alternatives/which' },
    { path: 'etc/alternatives/awk', link: '/usr/bin/mawk' },
    { path: 'usr/bin/awk', link: '/etc/alternatives/awk' },
    { path: 'etc/alternatives/nawk', link: '/usr/bin/mawk' },
    { path: 'usr/bin/nawk', link: '/etc/alternatives/nawk' },
    { path: 'etc/profile', copy: share('base-files/profile'), mode: 0o644 },
    { path: 'etc/motd', copy: share('base-files/motd'), mode: 0o644 },
    { path: 'root/.profile', copy: share('base-files/dot.profile'), mode: 0o644 },
    { path: 'root/.bashrc', copy: share('base-files/dot.bashrc'), mode: 0o644 },
    { path: 'etc/dpkg/origins/default', link: 'debian' },
    ...dirs(['mnt', 'srv', 'opt', 'etc/opt', 'var/opt', 'media'], 0o755),
    ...dirs(['usr/local', 'usr/local/share', 'usr/local/share/man', 'usr/local/bin', 'usr/local/games', 'usr/local/lib', 'usr/local/include', 'usr/local/sbin', 'usr/local/src', 'usr/local/etc'], 0o755),
    { path: 'usr/local/man', link: 'share/man' },
    { path: 'var/mail', dir: true, mode: 0o2775, uid: 0, gid: gidOf('mail') },
    { path: 'var/spool/mail', link: '../mail' },
    { path: 'run/lock', dir: true, mode: 0o1777 },
    { path: 'var/run', link: '/run' },
    { path: 'var/lock', link: '/run/lock' },
    { path: 'var/log/wtmp', content: '', mode: 0o664, uid: 0, gid: gidOf('utmp') },
    { path: 'var/log/btmp', content: '', mode: 0o660, uid: 0, gid: gidOf('utmp') },
    { path: 'var/log/lastlog', content: '', mode: 0o664, uid: 0, gid: gidOf('utmp') },
    // The runtime's (a container runtime bind-mounts the pod's /etc/hostname; the UTS name is set at start).
    { path: 'etc/hostname', content: 'standard\n', mode: 0o644 },
  ];
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
