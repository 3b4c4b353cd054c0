import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { containsSecret, redact } from '../../src/core/redact';

test('bearer tokens are redacted', () => {
  const out = redact('GET /api/v1/pods Authorization: Bearer abcdef0123456789');
  assert.ok(!out.includes('abcdef0123456789'));
  assert.match(out, /Bearer «redacted»/);
});

test('kubeconfig secrets are redacted in YAML and JSON', () => {
  const yaml = `users:\n- name: u\n  user:\n    token: s3cr3t-token-value\n    client-key-data: LS0tLS1CRUdJTg==\n`;
  const out = redact(yaml);
  assert.ok(!out.includes('s3cr3t-token-value'));
  assert.ok(!out.includes('LS0tLS1CRUdJTg=='));
  assert.ok(out.includes('name: u'), 'non-secret fields stay');
  const json = JSON.stringify({ user: { token: 'tok-123456', password: 'hunter22' } });
  const j = redact(json);
  assert.ok(!j.includes('tok-123456') && !j.includes('hunter22'));
});

test('PEM blocks and JWTs are redacted', () => {
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----';
  assert.ok(!redact(`key: ${pem}`).includes('MIIEabc'));
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXZhbHVl';
  assert.ok(!redact(`token is ${jwt}`).includes(jwt));
});

test('ordinary text is left alone', () => {
  const s = 'cinc-auditor exec ./profile -t k8s-container://demo/standard-app/app --reporter cli json:/tmp/r.json';
  assert.equal(redact(s), s);
  assert.equal(containsSecret(s), false);
  assert.equal(containsSecret('token: abcdefgh'), true);
});
