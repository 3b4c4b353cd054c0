// The in-cluster runner's pure parts: the result envelope (sealed, opened, and refused when cut or changed), the
// scan script run for real by /bin/sh with stand-in tools, the unit's objects (RBAC by resourceNames only, Job
// settings, labels, ConfigMap size check) and the profile archive (read back with tar(1)).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { archiveFolder, ProfileArchiveError } from '../../src/core/incluster/archive';
import { BEGIN_MARKER, END_MARKER, EnvelopeError, openEnvelope, parseSeal, sealReport } from '../../src/core/incluster/envelope';
import { parseScanArgs, ScanUsageError } from '../../src/core/fleet/headless';
import { buildScanObjects, CONFIGMAP_MAX_BYTES, configMapBytes, ManifestError, SCAN_SCRIPT, unitName, type ScanUnitSpec } from '../../src/core/incluster/manifests';

const REPORT = JSON.stringify({ platform: { name: 'debian', release: '12' }, profiles: [{ name: 'p', controls: [{ id: 'c-1', results: [{ status: 'passed' }] }] }], version: '6.8.1' });

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof EnvelopeError, String(e));
    return e.reason;
  }
  assert.fail('expected an EnvelopeError');
}

test('a sealed report opens to the same bytes; the seal carries sha256, byte count and exit code', () => {
  const { log, message } = sealReport(REPORT, 100);
  assert.match(message, /^kube-compliance-hdf\/v1 sha256=[0-9a-f]{64} bytes=\d+ exit=100$/);
  const seal = parseSeal(`some earlier text the kubelet kept\n${message}`);
  assert.equal(seal.bytes, Buffer.byteLength(REPORT));
  assert.equal(seal.exit, 100);
  const out = openEnvelope(`auditor chatter\n${log}trailing line\n`, seal);
  assert.equal(out.toString(), REPORT);
  assert.ok(log.split('\n').every((l) => l.length <= 76 || l.startsWith('-----')), 'base64 wrapped at 76');
});

test('a cut log, a changed report, a wrong seal and a missing seal are refused, never returned in part', () => {
  const big = JSON.stringify({ profiles: Array.from({ length: 400 }, (_, i) => ({ id: `c-${i}`, desc: `control ${i} ${'x'.repeat(i % 37)}` })) });
  const { log, message } = sealReport(big);
  const seal = parseSeal(message);
  // cut before the end marker (log rotation, a dropped stream)
  assert.equal(reasonOf(() => openEnvelope(log.slice(0, Math.floor(log.length / 2)), seal)), 'cut');
  // cut inside the base64 but the marker line glued on: gzip's trailer is missing
  const lines = log.split('\n');
  const truncated = [...lines.slice(0, 3), END_MARKER, ''].join('\n');
  assert.ok(['corrupt', 'size-mismatch'].includes(reasonOf(() => openEnvelope(truncated, seal))));
  // a different, complete report under the same seal
  const other = sealReport(big.replace('control 7', 'control 8'));
  assert.equal(reasonOf(() => openEnvelope(other.log, seal)), 'hash-mismatch');
  // the same bytes with a seal of another size
  assert.equal(reasonOf(() => openEnvelope(log, { ...seal, bytes: seal.bytes + 1 })), 'size-mismatch');
  // not base64
  assert.equal(reasonOf(() => openEnvelope(`${BEGIN_MARKER}\n@@@@\n${END_MARKER}\n`, seal)), 'corrupt');
  assert.equal(reasonOf(() => openEnvelope('no report at all\n', seal)), 'no-report');
  assert.equal(reasonOf(() => parseSeal('')), 'no-seal');
  assert.equal(reasonOf(() => parseSeal('the auditor exited with code 1:\nboom')), 'no-seal');
});

test('the scan script run by /bin/sh: the auditor\'s argv passed through, report enveloped on stdout, seal in the termination log', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-runsh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The script writes /dev/termination-log (the kubelet's file); here the path is redirected to a file of the test.
  const script = join(dir, 'run.sh');
  const termLog = join(dir, 'termination-log');
  writeFileSync(script, SCAN_SCRIPT.replaceAll('/dev/termination-log', termLog));
  const auditor = join(dir, 'fake-auditor');
  // A stand-in auditor: records its argv and writes the report where the last reporter says
  writeFileSync(auditor, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/argv\nfor a; do last=$a; done\nprintf '%s' '${REPORT}' > "\${last#json:}"\necho "some cli output"\nexit \${FAKE_EXIT:-0}\n`);
  chmodSync(auditor, 0o755);
  const run = (exit: string) => spawnSync('/bin/sh', [script, auditor, 'exec', '/kube-compliance/p.tar.gz', '-t', 'k8s-container://ns/pod/c', '--reporter'], { encoding: 'utf8', env: { PATH: process.env.PATH, FAKE_EXIT: exit, TMPDIR: dir } });
  for (const exit of ['0', '100', '101']) {
    const r = run(exit);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'argv'), 'utf8').split('\n')[5].startsWith('json:'), true);
    assert.doesNotMatch(r.stdout, /some cli output/);
    const seal = parseSeal(readFileSync(termLog, 'utf8'));
    assert.equal(seal.exit, Number(exit));
    assert.equal(openEnvelope(r.stdout, seal).toString(), REPORT);
  }
  const bad = run('1');
  assert.equal(bad.status, 1);
  assert.match(readFileSync(termLog, 'utf8'), /^the auditor exited with code 1:/);
  assert.throws(() => parseSeal(readFileSync(termLog, 'utf8')), EnvelopeError);
});

const unit = (over: Partial<ScanUnitSpec> = {}): ScanUnitSpec => ({
  runId: 'r7x2k',
  index: 3,
  target: { namespace: 'payments', pod: 'ledger-5d9f-abcde', container: 'app' },
  auditorImage: 'registry.example/cinc-auditor:6',
  profile: { kind: 'archive', fileName: 'profile.tar.gz', data: Buffer.from('tgz') },
  ...over,
});

test('the unit\'s objects: Role by resourceNames on the one pod only, Job with backoffLimit 0, deadline, TTL, labels everywhere', () => {
  const o = buildScanObjects(unit({ activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 120, inputFile: { text: 'a: 1\n' } }));
  assert.equal(o.name, 'kc-scan-r7x2k-3');
  assert.deepEqual(o.role.rules, [
    { apiGroups: [''], resources: ['pods'], resourceNames: ['ledger-5d9f-abcde'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/exec'], resourceNames: ['ledger-5d9f-abcde'], verbs: ['get', 'create'] },
  ]);
  for (const r of o.role.rules) assert.deepEqual(Object.keys(r).sort(), ['apiGroups', 'resourceNames', 'resources', 'verbs'], 'no selector or other field RBAC does not have');
  assert.equal(o.role.metadata.namespace, 'payments');
  assert.deepEqual(o.roleBinding.subjects, [{ kind: 'ServiceAccount', name: o.name, namespace: 'payments' }]);
  const spec = o.job.spec;
  assert.equal(spec.backoffLimit, 0);
  assert.equal(spec.activeDeadlineSeconds, 600);
  assert.equal(spec.ttlSecondsAfterFinished, 120);
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  assert.equal(spec.template.spec.serviceAccountName, o.name);
  const c = spec.template.spec.containers[0];
  assert.deepEqual(c.command, ['/bin/sh', '/kube-compliance/run.sh']);
  assert.deepEqual(c.args, ['cinc-auditor', 'exec', '/kube-compliance/profile.tar.gz', '-t', 'k8s-container://payments/ledger-5d9f-abcde/app?namespace=payments', '--input-file', '/kube-compliance/inputs.yml', '--reporter']);
  assert.ok(c.env.some((e: { name: string; value: string }) => e.name === 'TRAIN_K8S_SESSION_MODE' && e.value === 'false'));
  for (const obj of [o.serviceAccount, o.role, o.roleBinding, o.configMap, o.job, { metadata: spec.template.metadata }]) {
    assert.equal(obj.metadata.labels['kube-compliance.io/run'], 'r7x2k');
    assert.equal(obj.metadata.labels['app.kubernetes.io/managed-by'], 'kube-compliance');
  }
  assert.equal(o.configMap.binaryData['profile.tar.gz'], Buffer.from('tgz').toString('base64'));
  assert.equal(o.configMap.data['inputs.yml'], 'a: 1\n');
  // a scanner namespace: Job, SA and ConfigMap there; Role and RoleBinding stay with the target
  const s = buildScanObjects(unit({ scannerNamespace: 'kube-compliance' }));
  assert.equal(s.job.metadata.namespace, 'kube-compliance');
  assert.equal(s.role.metadata.namespace, 'payments');
  assert.equal(s.roleBinding.subjects[0].namespace, 'kube-compliance');
  // a URL profile: no archive, the URL passed to the auditor
  const u = buildScanObjects(unit({ profile: { kind: 'url', url: 'https://example.test/p.tar.gz' } }));
  assert.equal(u.configMap.binaryData, undefined);
  assert.equal(u.job.spec.template.spec.containers[0].args[2], 'https://example.test/p.tar.gz');
});

test('over 1 MiB of ConfigMap is refused with what to do; bad names and settings are refused', () => {
  const near = Buffer.alloc(CONFIGMAP_MAX_BYTES - Buffer.byteLength(SCAN_SCRIPT) - 10);
  assert.ok(configMapBytes(buildScanObjects(unit({ profile: { kind: 'archive', fileName: 'p.tar.gz', data: near } })).configMap) <= CONFIGMAP_MAX_BYTES);
  assert.throws(
    () => buildScanObjects(unit({ profile: { kind: 'archive', fileName: 'p.tar.gz', data: Buffer.alloc(CONFIGMAP_MAX_BYTES) } })),
    (e: Error) => e instanceof ManifestError && /over the 1 MiB/.test(e.message) && /--profile https:/.test(e.message),
  );
  assert.throws(() => unitName('Bad_Run', 0), ManifestError);
  assert.throws(() => buildScanObjects(unit({ activeDeadlineSeconds: 0 })), ManifestError);
  assert.throws(() => buildScanObjects(unit({ auditorImage: ' ' })), /kubeCompliance.inCluster.auditorImage/);
  assert.throws(() => buildScanObjects(unit({ target: { namespace: 'ns', pod: 'p; rm -rf /', container: 'c' } })), /not a valid pod name/);
});

test('a profile folder archives to a .tar.gz that tar(1) reads back; caches left out, symlinks refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-archive-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'profile');
  mkdirSync(join(p, 'controls'), { recursive: true });
  mkdirSync(join(p, '.git'));
  writeFileSync(join(p, 'inspec.yml'), 'name: p\n');
  writeFileSync(join(p, 'controls', 'a.rb'), "control 'c-1' do\nend\n");
  writeFileSync(join(p, '.git', 'HEAD'), 'x');
  const deep = join(p, 'files', 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'data.txt'), 'long path');
  const tgz = archiveFolder(p);
  assert.deepEqual(archiveFolder(p), tgz, 'the same folder gives the same bytes');
  writeFileSync(join(dir, 'p.tar.gz'), tgz);
  const list = spawnSync('tar', ['-tzf', join(dir, 'p.tar.gz')], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const names = list.stdout.trim().split('\n');
  assert.ok(names.includes('inspec.yml') && names.includes('controls/a.rb'), names.join(','));
  assert.ok(names.some((n) => n.endsWith('/data.txt') && n.length > 100));
  assert.ok(!names.some((n) => n.startsWith('.git')));
  const out = join(dir, 'out');
  mkdirSync(out);
  assert.equal(spawnSync('tar', ['-xzf', join(dir, 'p.tar.gz'), '-C', out]).status, 0);
  assert.equal(readFileSync(join(out, 'controls', 'a.rb'), 'utf8'), "control 'c-1' do\nend\n");
  symlinkSync('/etc/passwd', join(p, 'controls', 'link.rb'));
  assert.throws(() => archiveFolder(p), ProfileArchiveError);
});

test('kube-compliance scan --runner in-cluster: its options parsed, and refused without the runner or without an image', () => {
  const o = parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster', '--auditor-image', 'reg/aud:6', '--scanner-namespace', 'scans', '--deadline', '900', '--ttl', '0', '--export-manifests', '-']);
  assert.equal(o.runner, 'in-cluster');
  assert.equal(o.auditorImage, 'reg/aud:6');
  assert.equal(o.scannerNamespace, 'scans');
  assert.equal(o.deadlineSeconds, 900);
  assert.equal(o.ttlSeconds, 0, '--ttl 0: the cluster deletes a finished Job at once');
  assert.equal(parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster', '--auditor-image', 'x']).ttlSeconds, undefined, 'default: the manifests\' 600');
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--ttl', '5']), /--ttl needs --runner in-cluster/);
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster', '--auditor-image', 'x', '--ttl', '-1']), /--ttl must be a whole number of seconds ≥ 0/);
  assert.equal(o.exportManifests, '-');
  assert.equal(parseScanArgs(['-n', 'demo', '--profile', 'p']).runner, undefined, 'local by default');
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster']), /needs --auditor-image IMAGE/);
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--deadline', '5']), /--deadline needs --runner in-cluster/);
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster', '--auditor-image', 'x', '--deadline', '0']), /whole number of seconds/);
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster', '--auditor-image', 'x', '--auditor', '/bin/cinc-auditor']), /with --runner in-cluster give --auditor-image/);
  assert.throws(() => parseScanArgs(['-n', 'demo', '--profile', 'p', '--runner', 'in-cluster', '--auditor-image', 'x', '--scanner-namespace', 'Bad_NS']), ScanUsageError);
});
