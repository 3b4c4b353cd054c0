import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SETTING_DEFAULTS } from '../../src/platform/settings';

// The typed settings table must be the manifest's: same keys, same defaults, enum values allowed by the type.
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default?: unknown; enum?: unknown[] }> = manifest.contributes.configuration.properties ?? Object.assign({}, ...manifest.contributes.configuration.map((c: { properties: object }) => c.properties));

test('every kubeCompliance.* setting in package.json is in the typed table with the same default, and no other', () => {
  const declared = Object.keys(properties).map((k) => k.replace(/^kubeCompliance\./, '')).sort();
  assert.deepEqual(Object.keys(SETTING_DEFAULTS).sort(), declared);
  for (const [k, v] of Object.entries(SETTING_DEFAULTS)) {
    const p = properties[`kubeCompliance.${k}`];
    assert.deepEqual(v, p.default, `default of ${k}`);
    if (p.enum) assert.ok(p.enum.includes(v), `${k}'s default is one of its enum values`);
  }
});
