import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('snippets for ruby cover control, describe, only_if and the common resources', () => {
  const entry = pkg.contributes.snippets.find((s: { language: string }) => s.language === 'ruby');
  assert.ok(entry, 'a ruby snippets contribution');
  const snippets = JSON.parse(readFileSync(join(ROOT, entry.path), 'utf8')) as Record<string, { prefix: string | string[]; body: string[] }>;
  const prefixes = new Set(Object.values(snippets).flatMap((s) => (Array.isArray(s.prefix) ? s.prefix : [s.prefix])));
  for (const p of ['control', 'describe', 'only_if', 'file', 'command', 'package', 'service', 'user', 'os']) assert.ok(prefixes.has(p), `snippet prefix ${p}`);
  const control = Object.values(snippets).find((s) => [s.prefix].flat().includes('control'))!;
  assert.match(control.body[0], /^control '\$\{1:[^}]+\}' do$/);
  assert.equal(control.body.filter((l) => /^end$/.test(l)).length, 1, 'the control snippet closes its block');
});

test('inspec.yml: a yamlValidation schema that requires name and knows inputs/depends/supports', () => {
  const entry = pkg.contributes.yamlValidation.find((v: { fileMatch: string | string[] }) => [v.fileMatch].flat().includes('inspec.yml'));
  assert.ok(entry, 'yamlValidation for inspec.yml');
  const file = join(ROOT, entry.url);
  assert.ok(existsSync(file));
  const schema = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(schema.required, ['name']);
  for (const k of ['name', 'title', 'version', 'inputs', 'depends', 'supports']) assert.ok(schema.properties[k], k);
  // every top-level key of the fixture profile is known to the schema
  const fixture = parse(readFileSync(join(ROOT, 'test', 'fixtures', 'profiles', 'container-baseline', 'inspec.yml'), 'utf8'));
  for (const k of Object.keys(fixture)) assert.ok(schema.properties[k], `schema knows ${k}`);
});

test('authoring settings and commands are declared', () => {
  const props = pkg.contributes.configuration.properties;
  assert.equal(props['kubeCompliance.authoring.runOnSave'].default, true);
  assert.equal(props['kubeCompliance.authoring.checkOnSave'].type, 'boolean');
  const pin = pkg.contributes.menus['view/item/context'].find((m: { command: string }) => m.command === 'kubeCompliance.pinTarget');
  assert.equal(pin.when, 'view == kubeCompliance.clusters && viewItem =~ /^container\\.(un)?scannable$/');
});
