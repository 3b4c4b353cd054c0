// A single-container scan with the in-cluster runner (src/core/incluster/single.ts): where it runs, the refusals and
// what they tell the user to change, and the unit's result read like a local auditor run (interpretRun).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { sealReport } from '../../src/core/incluster/envelope';
import { decideSingleScan, interpretUnit, NO_AUDITOR_IMAGE, phaseText } from '../../src/core/incluster/single';

const target = { namespace: 'demo', pod: 'standard-app', container: 'app' };
const IMAGE = 'registry.example/cinc-auditor-k8s:6';

test('runner local, a fleet unit, or a run narrowed to controls: local; in-cluster with an image: one Job', () => {
  assert.deepEqual(decideSingleScan({ runner: 'local', target }), { runner: 'local' });
  assert.deepEqual(decideSingleScan({ runner: 'local', auditorImage: '', target, approach: 'debug-container' }), { runner: 'local' }, 'local never refuses for the in-cluster settings');
  assert.deepEqual(decideSingleScan({ runner: 'in-cluster', auditorImage: IMAGE, target, fleet: true }), { runner: 'local' }, 'the fleet chose its own runner');
  assert.deepEqual(decideSingleScan({ runner: 'in-cluster', auditorImage: IMAGE, target, controls: ['c-1'] }), { runner: 'local' }, 'authoring re-runs stay local');
  assert.deepEqual(decideSingleScan({ runner: 'in-cluster', auditorImage: IMAGE, target, controls: [] }), { runner: 'in-cluster', auditorImage: IMAGE });
  assert.deepEqual(decideSingleScan({ runner: 'in-cluster', auditorImage: ` ${IMAGE} `, target, approach: 'kubernetes-api' }), { runner: 'in-cluster', auditorImage: IMAGE });
});

test('in-cluster refusals name the setting or the runner to use', () => {
  const noImage = decideSingleScan({ runner: 'in-cluster', auditorImage: '  ', target });
  assert.deepEqual(noImage, { runner: 'refused', message: NO_AUDITOR_IMAGE });
  assert.match(NO_AUDITOR_IMAGE, /kubeCompliance\.inCluster\.auditorImage is empty/);

  for (const approach of ['debug-container', 'sidecar'] as const) {
    const d = decideSingleScan({ runner: 'in-cluster', auditorImage: IMAGE, target: { ...target, pod: 'distroless-app' }, approach });
    assert.equal(d.runner, 'refused');
    assert.match((d as { message: string }).message, /^demo\/distroless-app\/app has no shell .*the in-cluster runner does not scan shell-less containers: set kubeCompliance\.scan\.runner to "local"/);
  }
  const windows = decideSingleScan({ runner: 'in-cluster', auditorImage: IMAGE, target, unscannable: 'it runs on a Windows node' });
  assert.deepEqual(windows, { runner: 'refused', message: 'demo/standard-app/app cannot be scanned: it runs on a Windows node' });
  // MITRE's name check (src/core/scan/auditorFailure.ts), before any Job
  const dotted = decideSingleScan({ runner: 'in-cluster', auditorImage: IMAGE, target: { ...target, pod: 'a.b.c' } });
  assert.equal(dotted.runner, 'refused');
  assert.match((dotted as { message: string }).message, /refuses the pod name "a\.b\.c"/);
});

test('a verified report is interpreted like a local run (exit code from the seal); failures and Cancel have no report', () => {
  const report = JSON.stringify({
    platform: { name: 'debian', release: '12' },
    profiles: [{ name: 'p', controls: [{ id: 'c-1', impact: 0.7, results: [{ status: 'passed' }] }, { id: 'c-2', impact: 0.7, results: [{ status: 'failed' }] }] }],
    statistics: { duration: 0.1 },
    version: '6.8.1',
  });
  const facts = { resultFile: '/r/x.json', target: { context: 'c', ...target }, transportTarget: target };
  const sealed = sealReport(report, 100);
  assert.ok(sealed.message.endsWith('exit=100'));
  const done = interpretUnit({ outcome: 'done', report: Buffer.from(report), exitCode: 100, message: 'Scanned in the cluster by Job demo/kc-scan-x-0 (sha256 verified).', leftBehind: [] }, facts);
  assert.equal(done.outcome, 'failed', 'exit 100: some controls failed');
  assert.equal(done.reportPath, '/r/x.json');
  assert.equal(done.counts?.passed, 1);
  assert.equal(done.counts?.failed, 1);
  assert.match(done.message, /sha256 verified/);

  const bad = interpretUnit({ outcome: 'done', report: Buffer.from('not json'), exitCode: 0, leftBehind: [] }, facts);
  assert.equal(bad.outcome, 'error');
  assert.equal(bad.reportPath, undefined, 'a report that is not JSON is never shown');

  const failed = interpretUnit({ outcome: 'failed', message: 'The auditor image x cannot be pulled (ErrImagePull)', leftBehind: [] }, facts);
  assert.deepEqual(failed, { outcome: 'error', message: 'The auditor image x cannot be pulled (ErrImagePull)' });
  const cancelled = interpretUnit({ outcome: 'cancelled', message: 'Cancelled: the scan Job was stopped and deleted.', leftBehind: [] }, facts);
  assert.equal(cancelled.outcome, 'cancelled');
  assert.equal(cancelled.reportPath, undefined);
  assert.match(cancelled.message, /stopped and deleted\. Earlier results are kept\./);
});

test('progress lines name the Job in each phase', () => {
  assert.match(phaseText('creating', 'demo/kc-scan-x-0'), /creating Job demo\/kc-scan-x-0/);
  assert.match(phaseText('running', 'demo/kc-scan-x-0'), /auditor is scanning/);
  assert.match(phaseText('cleaning', 'demo/kc-scan-x-0'), /deleting Job/);
});
