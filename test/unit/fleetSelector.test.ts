import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SelectorError, formatSelector, matchesSelector, parseSelector } from '../../src/core/fleet/selector';

// Semantics and syntax from k8s.io/apimachinery pkg/labels/selector.go (Parse, Requirement.Matches) and the
// "Labels and Selectors" concept page (equality- and set-based requirements, `!key`, empty values allowed).

test('equality, inequality, existence and set requirements parse to the canonical text', () => {
  const r = parseSelector(' app = web , tier!=cache,env in (prod, stage),track notin (canary),!legacy,team,app.kubernetes.io/name==api');
  assert.deepEqual(
    r.map((x) => [x.key, x.operator, x.values]),
    [
      ['app', '=', ['web']],
      ['tier', '!=', ['cache']],
      ['env', 'in', ['prod', 'stage']],
      ['track', 'notin', ['canary']],
      ['legacy', '!exists', []],
      ['team', 'exists', []],
      ['app.kubernetes.io/name', '=', ['api']],
    ],
  );
  assert.equal(formatSelector(r), 'app=web,tier!=cache,env in (prod,stage),track notin (canary),!legacy,team,app.kubernetes.io/name=api');
  assert.deepEqual(parseSelector('  '), []);
  assert.deepEqual(parseSelector('tier='), [{ key: 'tier', operator: '=', values: [''] }]);
  assert.deepEqual(parseSelector('replicas>2'), [{ key: 'replicas', operator: '>', values: ['2'] }]);
});

test('matching follows the API server: != and notin match a missing label, = and in do not', () => {
  const labels = { app: 'web', env: 'prod', replicas: '3' };
  const m = (s: string, l: Record<string, string> | undefined = labels) => matchesSelector(parseSelector(s), l);
  assert.ok(m('app=web'));
  assert.ok(!m('app=api'));
  assert.ok(m('app=web,env!=stage'));
  assert.ok(m('tier!=cache'), 'absent label satisfies !=');
  assert.ok(m('tier notin (cache)'), 'absent label satisfies notin');
  assert.ok(!m('tier in (cache)'));
  assert.ok(!m('tier=cache'));
  assert.ok(m('env in (prod,stage)'));
  assert.ok(m('app'));
  assert.ok(!m('!app'));
  assert.ok(m('!tier'));
  assert.ok(m('replicas>2') && !m('replicas<3') && !m('app>1'));
  assert.ok(m(''), 'an empty selector matches everything');
  assert.ok(!matchesSelector(parseSelector('app'), undefined), 'no labels at all');
});

test('bad selectors are refused before anything is sent, saying what is wrong', () => {
  const bad: Array<[string, RegExp]> = [
    ['app=web,', /a "," is not followed by a requirement/],
    ['=web', /expected a label key, found "="/],
    ['app web', /expected "=", "!=", "in", "notin" or "," after "app", found "web"/],
    ['env in prod', /expected "\(" after "env in"/],
    ['env in (prod', /expected "," or "\)" in "env in \(…\)" before the end/],
    ['env in ()', /needs at least one value/],
    ['app=we b', /expected "," between requirements, found "b"/],
    ['-app=web', /"-app" is not a valid label key/],
    ['app=web!', /expected a label key after "!" at the end|expected "," between requirements/],
    ['app=' + 'x'.repeat(64), /is not a valid label value/],
    ['Bad_Prefix/app=web', /not a valid label key prefix/],
    ['replicas>two', /needs an integer value/],
    ['!', /expected a label key after "!" at the end/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseSelector(text), (e: unknown) => e instanceof SelectorError && re.test(e.message), text);
  }
});
