import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dedupeKey, dedupeRatio, planFleet, podsToChange, scannedAs } from '../../src/core/fleet/dedupe';
import { EMPTY_INPUTS_HASH, ProfileHashError, hashInputs, hashProfile } from '../../src/core/fleet/hash';
import type { FleetTarget } from '../../src/core/fleet/targets';

const tmp = mkdtempSync(join(tmpdir(), 'kc-fleet-hash-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (...parts: Array<string | Buffer>) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return `sha256:${h.digest('hex')}`;
};
function profile(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

test('profile folder hash: sorted relative paths with sizes and contents; .git and node_modules ignored', async () => {
  const files = { 'inspec.yml': 'name: base\n', 'controls/b.rb': "control 'b'\n", 'controls/a.rb': "control 'a'\n" };
  const p = await hashProfile(profile('p1', files), tmp);
  // the documented format, recomputed by hand: path NUL size NUL bytes, in byte order of the paths
  const expected = sha('controls/a.rb\x0012\x00', "control 'a'\n", 'controls/b.rb\x0012\x00', "control 'b'\n", 'inspec.yml\x0011\x00', 'name: base\n');
  assert.deepEqual(p, { kind: 'folder', location: join(tmp, 'p1'), hash: expected, files: 3 });
  const same = profile('p2', { 'controls/a.rb': "control 'a'\n", 'inspec.yml': 'name: base\n', 'controls/b.rb': "control 'b'\n", '.git/HEAD': 'ref', 'node_modules/x/y.js': '1', 'controls/.git/z': 'q' });
  assert.equal((await hashProfile(same, tmp)).hash, expected, 'creation order and ignored folders do not matter');
  assert.equal((await hashProfile('p2', tmp)).hash, expected, 'relative to cwd');
  const edited = profile('p3', { ...files, 'controls/a.rb': "control 'A'\n" });
  assert.notEqual((await hashProfile(edited, tmp)).hash, expected);
  const renamed = profile('p4', { 'inspec.yml': 'name: base\n', 'controls/b.rb': "control 'b'\n", 'controls/c.rb': "control 'a'\n" });
  assert.notEqual((await hashProfile(renamed, tmp)).hash, expected, 'a renamed file changes the hash');
  const linked = profile('p5', files);
  symlinkSync('controls/a.rb', join(linked, 'alias.rb'));
  assert.notEqual((await hashProfile(linked, tmp)).hash, expected, 'a symbolic link is part of the content (as its target path)');
});

test('archives hash their bytes, URLs their text; inputs hash the file or nothing', async () => {
  const tgz = join(tmp, 'profile.tar.gz');
  writeFileSync(tgz, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
  assert.deepEqual(await hashProfile(tgz, tmp), { kind: 'archive', location: tgz, hash: sha(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3])) });
  const url = 'https://github.com/dev-sec/linux-baseline/archive/refs/tags/2.9.0.tar.gz';
  assert.deepEqual(await hashProfile(url, tmp), { kind: 'url', location: url, hash: sha(url) });
  assert.equal(EMPTY_INPUTS_HASH, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(await hashInputs(undefined, tmp), EMPTY_INPUTS_HASH);
  writeFileSync(join(tmp, 'inputs.yml'), 'min_password_length: 14\n');
  assert.equal(await hashInputs('inputs.yml', tmp), sha('min_password_length: 14\n'));
  await assert.rejects(hashProfile(join(tmp, 'nope'), tmp), (e: unknown) => e instanceof ProfileHashError && /The profile .*nope cannot be read: no such file or folder/.test(e.message));
  await assert.rejects(hashInputs(tmp, tmp), /is not a file/);
});

const P = 'sha256:profile';
const I = EMPTY_INPUTS_HASH;
let n = 0;
function t(pod: string, digest: string | undefined, how: FleetTarget['approach'] | 'none' = 'kubernetes-api', container = 'app'): FleetTarget {
  n++;
  const approach = how === 'none' ? undefined : how;
  return { context: 'c', namespace: 'demo', pod, container, workload: { kind: 'Deployment', name: pod.split('-')[0] }, role: 'app', image: `img${n}`, imageDigest: digest, approach, reason: approach ? 'ok' : 'Not running' };
}

test('mode image: one scan per (digest, profile, inputs); the others follow; shell-less pods are changed only when no sibling has a shell', () => {
  const targets = [
    t('web-a', 'sha256:1'),
    t('web-b', 'sha256:1'),
    t('web-c', 'sha256:1'),
    t('dl-a', 'sha256:2', 'debug-container'),
    t('dl-b', 'sha256:2', 'debug-container'),
    t('mixed-a', 'sha256:3', 'debug-container'),
    t('mixed-b', 'sha256:3', 'kubernetes-api'),
    t('nodigest-a', undefined),
    t('nodigest-b', undefined),
    t('down', 'sha256:1', 'none'),
  ];
  const plan = planFleet(targets, { mode: 'image', profileHash: P, inputsHash: I });
  assert.deepEqual(plan.units.map((u) => [u.primary.pod, u.followers.map((f) => f.pod)]), [
    ['web-a', ['web-b', 'web-c']],
    ['dl-a', ['dl-b']],
    ['mixed-b', ['mixed-a']],
    ['nodigest-a', []],
    ['nodigest-b', []],
  ]);
  assert.deepEqual([plan.containers, plan.scans, plan.digests, plan.ratio], [9, 5, 5, 1.8]);
  assert.deepEqual(plan.unscannable.map((x) => x.pod), ['down']);
  assert.equal(plan.units[0].key, `sha256:1|${P}|${I}`);
  assert.equal(dedupeKey(targets[0], P, I), plan.units[0].key);
  assert.deepEqual(podsToChange(plan), [{ namespace: 'demo', pod: 'dl-a', approach: 'debug-container', containers: ['app'] }]);
  assert.equal(scannedAs(plan.units[0].primary), 'demo/web-a/app');
});

test('mode none: every container is its own scan; a different profile or inputs hash is a different key', () => {
  const targets = [t('web-a', 'sha256:1'), t('web-b', 'sha256:1'), t('dl-a', 'sha256:2', 'debug-container')];
  const plan = planFleet(targets, { mode: 'none', profileHash: P, inputsHash: I });
  assert.deepEqual(plan.units.map((u) => [u.primary.pod, u.followers.length]), [['web-a', 0], ['web-b', 0], ['dl-a', 0]]);
  assert.deepEqual([plan.containers, plan.scans, plan.digests, plan.ratio], [3, 3, 2, 1]);
  assert.notEqual(dedupeKey(targets[0], P, I), dedupeKey(targets[0], 'sha256:other', I));
  assert.notEqual(dedupeKey(targets[0], P, I), dedupeKey(targets[0], P, 'sha256:inputs'));
  assert.throws(() => planFleet(targets, { mode: 'pods' as never, profileHash: P, inputsHash: I }), /Unknown dedupe mode "pods": use image or none/);
  assert.deepEqual([dedupeRatio(200, 40), dedupeRatio(0, 0), dedupeRatio(10, 3)], [5, 1, 3.33]);
  const empty = planFleet([], { mode: 'image', profileHash: P, inputsHash: I });
  assert.deepEqual([empty.scans, empty.ratio, empty.unscannable.length], [0, 1, 0]);
});
