import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { kubeconfigFiles } from '../../src/core/kubeconfigFiles';

test('kubeconfig lookup follows kubectl: override, then KUBECONFIG list, then ~/.kube/config', () => {
  const d = mkdtempSync(join(tmpdir(), 'kc-'));
  try {
    const a = join(d, 'a'), b = join(d, 'b'), home = join(d, 'home');
    writeFileSync(a, ''); writeFileSync(b, '');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), '');
    assert.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: [a, join(d, 'missing'), b, a].join(delimiter) }, home), [a, b]);
    assert.deepEqual(kubeconfigFiles(b, { KUBECONFIG: a }, home), [b]);
    assert.deepEqual(kubeconfigFiles('', {}, home), [join(home, '.kube', 'config')]);
    assert.deepEqual(kubeconfigFiles(undefined, {}, join(d, 'nohome')), []);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
