// The standard demo image behaves like Debian 12 for what the auditor's transport runs, and the alpine one like
// busybox, as the real images they stand for do: real `kubectl exec` into standard-app and alpine-app. Needs root.
//
// Where each behaviour comes from:
// - InSpec's `file` resource goes through Train, whose linux_stat (train/lib/train/extras/stat.rb) runs
//   `stat -L PATH 2>/dev/null --printf '%s\n%f\n%U\n%u\n%G\n%g\n%X\n%Y\n%C'` in the container: GNU stat options.
// - demo.local/standard:12 is unpacked from Debian 12 (bookworm) packages with `dpkg-deb -x` (runtime/rootfs.ts,
//   STANDARD_PACKAGES). The versions extracted when this test was written: coreutils 9.1-1 (`stat --printf`, `ls`,
//   `cat`, `id`), findutils 4.9.0-4 (`find -perm`), libc-bin and libc6 2.36-9+deb12u14 (`getent`, nsswitch.conf),
//   base-passwd 3.6.1 (passwd.master → /etc/passwd, mode 644, root:root), base-files 12.4+deb12u15 (os-release),
//   dash 0.5.12-2 (`/bin/sh -> dash`, as the package ships it), bash 5.2.15-2+b13.
// - demo.local/alpine:3.20 is Debian's busybox-static 1:1.35.0-4+deb12u1+b1 (like Alpine's busybox): its `stat` has
//   `-c` but no `--printf`, so Train's command prints nothing there (as on a real Alpine image without coreutils).
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from './index';
import { kubectl } from './kubectl-util';

let cluster: Cluster;
const exec = (pod: string, argv: string[]) => kubectl(cluster.kubeconfigPath, ['exec', pod, '-n', 'demo', '-c', 'app', '--', ...argv], { minor: 33, timeoutMs: 90_000 });

/** Train's linux_stat command line (train/lib/train/extras/stat.rb), as the transport runs it: `/bin/sh -c CMD`. */
const trainStat = (path: string) => ['/bin/sh', '-c', `stat -L ${path} 2>/dev/null --printf '%s\\n%f\\n%U\\n%u\\n%G\\n%g\\n%X\\n%Y\\n%C'`];

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

test('standard-app: GNU stat --printf, GNU find -perm and getent answer as on Debian 12', async () => {
  const st = await exec('standard-app', ['stat', '-L', '--printf', '%a %U', '/etc/passwd']);
  assert.equal(st.code, 0, st.stderr);
  assert.equal(st.stdout, '644 root');
  const find = await exec('standard-app', ['find', '/etc', '-maxdepth', '1', '-name', 'passwd', '-perm', '-644']);
  assert.equal(find.code, 0, find.stderr);
  assert.equal(find.stdout, '/etc/passwd\n');
  const getent = await exec('standard-app', ['getent', 'passwd', 'root']);
  assert.equal(getent.code, 0, getent.stderr);
  assert.equal(getent.stdout, 'root:x:0:0:root:/root:/bin/bash\n');
});

test("standard-app: Train's stat command gets size, mode, owner and group of /etc/passwd", async () => {
  const r = await exec('standard-app', trainStat('/etc/passwd'));
  const [size, mode, user, uid, group, gid, atime, mtime] = r.stdout.split('\n');
  assert.ok(Number(size) > 0, r.stdout);
  assert.equal(mode, '81a4', 'regular file, 0644 (raw mode in hex)');
  assert.deepEqual([user, uid, group, gid], ['root', '0', 'root', '0']);
  assert.match(atime, /^\d+$/);
  assert.match(mtime, /^\d+$/);
});

test('standard-app: /bin/sh is dash and /bin/bash is GNU bash, with Debian 12 os-release', async () => {
  const r = await exec('standard-app', ['sh', '-c', 'readlink -f /bin/sh; bash -c \'echo "bash $BASH_VERSION"\'; . /etc/os-release; echo "$ID $VERSION_ID"']);
  assert.equal(r.code, 0, r.stderr);
  const [sh, bash, os] = r.stdout.split('\n');
  assert.equal(sh, '/usr/bin/dash', 'merged /usr: /bin/sh -> dash resolves under /usr/bin');
  assert.match(bash, /^bash 5\.2\.\d+/);
  assert.equal(os, 'debian 12');
});

test('alpine-app: the same stat --printf does not answer (busybox), so the two images differ like the real ones', async () => {
  const st = await exec('alpine-app', ['stat', '-L', '--printf', '%a %U', '/etc/passwd']);
  assert.notEqual(st.code, 0, 'busybox stat refuses --printf');
  assert.notEqual(st.stdout, '644 root');
  assert.equal(st.stdout.trim(), '');
  const train = await exec('alpine-app', trainStat('/etc/passwd'));
  assert.equal(train.stdout, '', "Train's stat gets nothing from busybox");
  const busybox = await exec('alpine-app', ['stat', '-L', '-c', '%a %U', '/etc/passwd']);
  assert.equal(busybox.stdout, '644 root\n', 'the file itself is the same: only the tool differs');
});
