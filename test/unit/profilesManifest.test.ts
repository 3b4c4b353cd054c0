import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseInspecYml } from '../../src/core/profiles/index';

const FIXTURE = join(__dirname, '..', 'fixtures', 'profiles', 'container-baseline');

test('inspec.yml: the fixture parses with name, title, version, inputs and supports', () => {
  const r = parseInspecYml(readFileSync(join(FIXTURE, 'inspec.yml'), 'utf8'));
  assert.deepEqual(r.problems, []);
  assert.equal(r.manifest?.name, 'container-baseline');
  assert.equal(r.manifest?.title, 'Container Baseline (fixture)');
  assert.equal(r.manifest?.version, '0.3.0');
  assert.deepEqual(r.manifest?.supports, [{ platform: 'unix' }]);
  assert.deepEqual(
    r.manifest?.inputs.map((i) => [i.name, i.type, i.value]),
    [
      ['allowed_shells', 'Array', ['/bin/sh', '/bin/ash', '/bin/bash']],
      ['max_world_writable', 'Numeric', 0],
    ],
  );
  assert.deepEqual(r.manifest?.depends, []);
});

test('inspec.yml: depends entries keep their source', () => {
  const r = parseInspecYml('name: wrapper\ndepends:\n  - name: base\n    git: https://example.invalid/base.git\n    branch: main\n  - name: local\n    path: ../local\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.manifest?.depends, [
    { name: 'base', git: 'https://example.invalid/base.git', branch: 'main' },
    { name: 'local', path: '../local' },
  ]);
});

test('inspec.yml: invalid YAML is an error at its line, with no manifest', () => {
  const r = parseInspecYml('name: p\ntitle: ok\ninputs:\n  - name: [unclosed\n');
  assert.equal(r.manifest, undefined);
  assert.equal(r.problems.length >= 1, true);
  assert.equal(r.problems[0].severity, 'error');
  assert.match(r.problems[0].message, /not valid YAML/);
  assert.ok(r.problems[0].line >= 4, `line ${r.problems[0].line} should be at or after the unclosed flow sequence on line 4`);
});

test('inspec.yml: a missing name is an error that says what to add', () => {
  const r = parseInspecYml('title: no name here\nversion: 1.0.0\n');
  assert.equal(r.manifest, undefined);
  assert.deepEqual(r.problems.map((p) => [p.line, p.severity]), [[1, 'error']]);
  assert.match(r.problems[0].message, /no `name`.*name: my-profile/);
});

test('inspec.yml: wrong shapes are reported at their lines', () => {
  const r = parseInspecYml('name: p\nversion: 1.0\ninputs:\n  - value: 1\nsupports: unix\n');
  assert.equal(r.manifest?.name, 'p');
  const byLine = r.problems.map((p) => [p.line, p.severity]);
  assert.deepEqual(byLine, [
    [2, 'warning'], // 1.0 is a YAML number
    [2, 'warning'], // and not a semantic version
    [4, 'error'], // input without a name
    [5, 'error'], // supports is not a list
  ]);
});

test('inspec.yml: not a mapping, and duplicate keys', () => {
  assert.match(parseInspecYml('- a\n- b\n').problems[0].message, /must be a mapping/);
  const dup = parseInspecYml('name: a\nname: b\n');
  assert.equal(dup.manifest, undefined);
  assert.equal(dup.problems[0].line, 2);
});
