import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCheckOutput } from '../../src/core/profiles/check';

const ROOT = '/ws/profile';

test('check --format json: errors and warnings with file, line, column and control id', () => {
  const stdout = JSON.stringify({
    summary: { location: ROOT, profile: 'p', controls: 2, timestamp: '2026-01-01T00:00:00+00:00', valid: false },
    errors: [{ file: 'controls/a.rb', line: 12, column: 3, control_id: 'a-01', msg: 'Control a-01 has impact > 1.0' }],
    warnings: [
      { file: 'controls/b.rb', line: 4, column: 1, control_id: 'b-01', msg: 'Control b-01 has no title' },
      { file: 'inspec.yml', line: null, column: null, control_id: null, msg: 'License is missing' },
    ],
  });
  const r = parseCheckOutput(`some log line\n${stdout}\n`, '', ROOT);
  assert.equal(r.valid, false);
  assert.deepEqual(r.problems, [
    { file: '/ws/profile/controls/a.rb', line: 12, column: 2, message: 'Control a-01 has impact > 1.0', severity: 'error', controlId: 'a-01' },
    { file: '/ws/profile/controls/b.rb', line: 4, column: 0, message: 'Control b-01 has no title', severity: 'warning', controlId: 'b-01' },
    { file: '/ws/profile/inspec.yml', line: 1, column: 0, message: 'License is missing', severity: 'warning', controlId: undefined },
  ]);
});

test('check text output: ✖ errors and ! warnings with colour codes, and the Valid line', () => {
  const stdout = [
    'Location:    /ws/profile',
    'Profile:     p',
    'Controls:    2',
    'Valid:       \u001b[31mfalse\u001b[0m',
    '',
    '\u001b[31m  ✖  controls/a.rb:7:1: Control a-02 has no matching end\u001b[0m',
    '\u001b[33m  !  controls/a.rb:3:1: Control a-01 has no tests defined\u001b[0m',
    '\u001b[33m  !  Profile uses deprecated `attributes`\u001b[0m',
    '',
    'Summary:     1 errors, 2 warnings',
  ].join('\n');
  const r = parseCheckOutput(stdout, '', ROOT);
  assert.equal(r.valid, false);
  assert.deepEqual(
    r.problems.map((p) => [p.file, p.line, p.column, p.severity, p.message]),
    [
      ['/ws/profile/controls/a.rb', 7, 0, 'error', 'Control a-02 has no matching end'],
      ['/ws/profile/controls/a.rb', 3, 0, 'warning', 'Control a-01 has no tests defined'],
      [undefined, 1, 0, 'warning', 'Profile uses deprecated `attributes`'],
    ],
  );
});

test('Ruby syntax errors (classic parser) on stderr land on their file and line', () => {
  const stderr = "/ws/profile/controls/fs.rb:14: syntax error, unexpected `end', expecting end-of-input\n";
  const r = parseCheckOutput('Valid: false\n', stderr, ROOT);
  assert.equal(r.valid, false);
  assert.deepEqual(r.problems, [
    { file: '/ws/profile/controls/fs.rb', line: 14, column: 0, message: "syntax error, unexpected `end', expecting end-of-input", severity: 'error' },
  ]);
});

test('Ruby syntax errors (Prism, Ruby 3.4) point at the marked lines', () => {
  const msg = [
    'controls/fs.rb:9: syntax errors found',
    '   7 |   describe file("/x") do',
    '   8 |     it { should exist }',
    '>  9 |   end end',
    '      |       ^~~ unexpected `end`, ignoring it',
    '  10 | ',
  ].join('\n');
  const stdout = JSON.stringify({ summary: { valid: false }, errors: [{ file: 'controls/fs.rb', line: null, column: null, msg }], warnings: [] });
  const r = parseCheckOutput(stdout, '', ROOT);
  assert.deepEqual(r.problems.map((p) => [p.file, p.line, p.severity]), [['/ws/profile/controls/fs.rb', 9, 'error']]);
  assert.match(r.problems[0].message, /unexpected `end`/);
});

test('a valid profile yields no problems', () => {
  const r = parseCheckOutput(JSON.stringify({ summary: { valid: true }, errors: [], warnings: [] }), '', ROOT);
  assert.deepEqual(r, { valid: true, problems: [] });
});
