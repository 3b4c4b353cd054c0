import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffControls, findProfiles, ProfileIndex, scanControls } from '../../src/core/profiles/index';

const FIXTURE = join(__dirname, '..', 'fixtures', 'profiles', 'container-baseline');
const read = (rel: string) => readFileSync(join(FIXTURE, rel), 'utf8');
const spans = (text: string) => scanControls(text).controls.map((c) => [c.id, c.startLine, c.endLine]);

// Expected ranges counted by hand from the fixture files: the line of `control '…' do` and of its closing `end`.
test('container-baseline: every control with its file and line range', () => {
  assert.deepEqual(spans(read('controls/accounts.rb')), [
    ['acct-01', 3, 10],
    ['acct-02', 12, 19],
    ['acct-03', 21, 30],
  ]);
  assert.deepEqual(spans(read('controls/filesystem.rb')), [
    ['fs-01', 3, 12],
    ['fs-02', 14, 24],
    ['fs-03', 26, 35],
    ['fs-04', 37, 45],
  ]);
  assert.deepEqual(spans(read('controls/runtime.rb')), [
    ['rt-01', 3, 10],
    ['rt-02', 12, 19],
    ['rt-03', 21, 29],
  ]);
  for (const f of ['accounts', 'filesystem', 'runtime']) assert.deepEqual(scanControls(read(`controls/${f}.rb`)).problems, [], f);
});

test('container-baseline: the block text runs from `control` to its `end`, columns included', () => {
  const [fs04] = scanControls(read('controls/filesystem.rb')).controls.filter((c) => c.id === 'fs-04');
  assert.equal(fs04.startColumn, 0);
  assert.equal(fs04.endColumn, 3);
  assert.ok(fs04.text.startsWith("control 'fs-04' do\n"));
  assert.ok(fs04.text.endsWith("    it { should exist }\n  end\nend"));
});

test('ProfileIndex over the fixture: profile, manifest, 10 controls, no duplicates', () => {
  const files = ['inspec.yml', 'controls/accounts.rb', 'controls/filesystem.rb', 'controls/runtime.rb'].map((f) => join(FIXTURE, f));
  const [loc] = findProfiles(files);
  assert.equal(loc.root, FIXTURE);
  const index = new ProfileIndex();
  index.setManifest(loc.manifestPath, read('inspec.yml'));
  for (const f of loc.controlFiles) index.setControlFile(f, readFileSync(f, 'utf8'));
  const [p] = index.profiles;
  assert.equal(p.manifest?.name, 'container-baseline');
  assert.equal(p.manifest?.version, '0.3.0');
  const ids = [...p.files.values()].flatMap((f) => f.controls.map((c) => c.id)).sort();
  assert.deepEqual(ids, ['acct-01', 'acct-02', 'acct-03', 'fs-01', 'fs-02', 'fs-03', 'fs-04', 'rt-01', 'rt-02', 'rt-03']);
  assert.deepEqual(index.duplicates(), []);
  const found = index.findControl(FIXTURE, 'fs-04');
  assert.equal(found?.file.path, join(FIXTURE, 'controls/filesystem.rb'));
  assert.equal(found?.control.startLine, 37);
});

test('findProfiles: nested profiles own their own controls; vendored and node_modules copies are ignored', () => {
  const files = [
    '/ws/a/inspec.yml',
    '/ws/a/controls/x.rb',
    '/ws/a/controls/sub/y.rb',
    '/ws/a/libraries/helper.rb',
    '/ws/a/inner/inspec.yml',
    '/ws/a/inner/controls/z.rb',
    '/ws/a/vendor/abc123/inspec.yml',
    '/ws/a/vendor/abc123/controls/v.rb',
    '/ws/node_modules/p/inspec.yml',
    '/ws/loose/controls/l.rb',
  ];
  assert.deepEqual(findProfiles(files), [
    { root: '/ws/a', manifestPath: '/ws/a/inspec.yml', controlFiles: ['/ws/a/controls/sub/y.rb', '/ws/a/controls/x.rb'] },
    { root: '/ws/a/inner', manifestPath: '/ws/a/inner/inspec.yml', controlFiles: ['/ws/a/inner/controls/z.rb'] },
  ]);
});

test('edge: nested control blocks inside loops and include_controls', () => {
  const src = [
    "include_controls 'base' do", // 1
    "  skip_control 'b-1'", // 2
    "  control 'b-2' do", // 3
    '    impact 1.0', // 4
    '  end', // 5
    'end', // 6
    "%w[a b].each do |n|", // 7
    '  control "loop-#{n}" do', // 8
    '    describe file("/etc/#{n}") do', // 9
    '      it { should exist }', // 10
    '    end', // 11
    '  end', // 12
    'end', // 13
    "control 'after' do", // 14
    'end', // 15
  ].join('\n');
  const r = scanControls(src);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.controls.map((c) => [c.id, c.startLine, c.endLine, c.dynamic]), [
    ['b-2', 3, 5, false],
    ['loop-#{n}', 8, 12, true],
    ['after', 14, 15, false],
  ]);
});

test('edge: heredocs whose bodies contain `end`, `control` and `do`', () => {
  const src = [
    "control 'h-1' do", // 1
    '  script = <<~EOS', // 2
    '    if true then', // 3
    "    control 'fake' do", // 4
    '    end', // 5
    '  EOS', // 6
    "  describe command(<<-'SH') do", // 7
    '  for x in a; do end', // 8
    '  SH', // 9
    '    its(:exit_status) { should eq 0 }', // 10
    '  end', // 11
    '  raw = <<RAW', // 12
    'end', // 13
    'RAW', // 14
    'end', // 15
    "control 'h-2' do", // 16
    'end', // 17
  ].join('\n');
  const r = scanControls(src);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.controls.map((c) => [c.id, c.startLine, c.endLine]), [
    ['h-1', 1, 15],
    ['h-2', 16, 17],
  ]);
});

test('edge: double-quoted ids, parenthesised ids and escaped quotes', () => {
  const src = [
    'control "dq-1" do', // 1
    'end', // 2
    "control('paren-1') do", // 3
    'end', // 4
    "control 'it\\'s' do", // 5
    'end', // 6
    'control("brace-1") { impact 0.1 }', // 7
  ].join('\n');
  assert.deepEqual(spans(src), [
    ['dq-1', 1, 2],
    ['paren-1', 3, 4],
    ["it's", 5, 6],
    ['brace-1', 7, 7],
  ]);
});

test('edge: comments with do/end, =begin/=end blocks, and `#` inside strings', () => {
  const src = [
    '# control \'commented\' do', // 1
    "control 'c-1' do # this do opens nothing", // 2
    '  # end', // 3
    '=begin', // 4
    "control 'in-doc' do", // 5
    'end', // 6
    '=end', // 7
    "  describe 'a # not a comment end' do", // 8
    '    it { should eq "#not interpolation do" }', // 9
    '  end', // 10
    'end # closes c-1', // 11
  ].join('\n');
  const r = scanControls(src);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.controls.map((c) => [c.id, c.startLine, c.endLine]), [['c-1', 2, 11]]);
});

test('edge: percent literals, interpolation with nested braces and quotes, regexes, symbols', () => {
  const src = [
    "control 'p-1' do", // 1
    '  users = %w[end do if]', // 2
    '  cmd = %q(echo (nested) end)', // 3: nested parentheses inside %q( … )
  ];
  src.push(
    '  msg = "value: #{ {a: "}"}[:a] } end"', // 4
    '  describe command(cmd) do', // 5
    "    its('stdout') { should match /end\\s+do/ }", // 6
    '    its(:stdout) { should_not match(%r{if\\}}) }', // 7
    '  end', // 8
    '  x = :end', // 9
    '  y = { if: 1, unless: 2, do: 3 }', // 10
    '  z = 10 % 3', // 11
    '  w = a.end', // 12
    'end', // 13
  );
  const r = scanControls(src.join('\n'));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.controls.map((c) => [c.id, c.startLine, c.endLine]), [['p-1', 1, 13]]);
});

test('edge: one-line { } blocks and modifier if/unless/while vs statement if/unless/while/case/begin/def', () => {
  const src = [
    "control 'm-1' do", // 1
    "  only_if('needs x') { file('/x').exist? }", // 2
    "  describe file('/etc') do it { should be_directory } end", // 3
    '  skip_this = true if ENV["A"]', // 4
    '  return unless defined?(foo)', // 5
    '  if skip_this', // 6
    "    describe 'x' do", // 7
    '      it { should eq "x" }', // 8
    '    end', // 9
    '  end', // 10
    '  n = 0', // 11
    '  n += 1 while n < 3', // 12
    '  kind = case n when 3 then :three else :other end', // 13
    '  begin', // 14
    '    foo', // 15
    '  rescue StandardError', // 16
    '    bar', // 17
    '  end', // 18
    '  def helper(a = 1) = a * 2', // 19
    '  def helper2', // 20
    '    x = if n > 1 then 1 else 2 end', // 21
    '  end', // 22
    '  while n < 5 do n += 1 end', // 23
    'end', // 24
    "control 'm-2' do", // 25
    'end', // 26
  ].join('\n');
  const r = scanControls(src);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.controls.map((c) => [c.id, c.startLine, c.endLine]), [
    ['m-1', 1, 24],
    ['m-2', 25, 26],
  ]);
});

test('edge: an unclosed control is reported at its line, and an extra end too', () => {
  const unclosed = scanControls("control 'u-1' do\n  describe x do\n  end\n");
  assert.deepEqual(unclosed.controls, []);
  assert.equal(unclosed.problems.length, 1);
  assert.equal(unclosed.problems[0].line, 1);
  assert.match(unclosed.problems[0].message, /u-1.*no matching `end`/);
  const extra = scanControls("control 'e-1' do\nend\nend\n");
  assert.deepEqual(extra.controls.map((c) => c.id), ['e-1']);
  assert.equal(extra.problems[0].line, 3);
});

test('change detection: added, removed, changed by block text; moving a block is not a change', () => {
  const v1 = ["control 'a' do", '  impact 0.5', 'end', '', "control 'b' do", '  impact 0.5', 'end', '', "control 'c' do", 'end'].join('\n');
  const v2 = [
    '# a new comment line above shifts everything',
    "control 'a' do",
    '  impact 0.5',
    'end',
    '',
    "control 'b' do",
    '  impact 0.7',
    'end',
    '',
    "control 'd' do",
    'end',
  ].join('\n');
  assert.deepEqual(diffControls(v1, v2), { added: ['d'], removed: ['c'], changed: ['b'], unchanged: ['a'] });
  assert.deepEqual(diffControls(v1, v1.replace(/\n/g, '\r\n')), { added: [], removed: [], changed: [], unchanged: ['a', 'b', 'c'] });
});

test('ProfileIndex.setControlFile returns the change against the previously indexed version', () => {
  const index = new ProfileIndex();
  index.setManifest('/ws/p/inspec.yml', 'name: p\n');
  const first = index.setControlFile('/ws/p/controls/a.rb', "control 'x' do\nend\ncontrol 'y' do\nend\n");
  assert.deepEqual([first.added, first.changed], [['x', 'y'], []]);
  const second = index.setControlFile('/ws/p/controls/a.rb', "control 'x' do\n  impact 1.0\nend\ncontrol 'y' do\nend\n");
  assert.deepEqual([second.added, second.removed, second.changed, second.unchanged], [[], [], ['x'], ['y']]);
});

test('ProfileIndex: duplicate ids across files of one profile; files seen before inspec.yml attach later', () => {
  const index = new ProfileIndex();
  index.setControlFile('/ws/p/controls/b.rb', "control 'dup' do\nend\n");
  assert.equal(index.profiles.length, 0);
  index.setManifest('/ws/p/inspec.yml', 'name: p\n');
  index.setControlFile('/ws/p/controls/a.rb', "\ncontrol 'dup' do\nend\n");
  assert.deepEqual(index.duplicates(), [
    {
      profileRoot: '/ws/p',
      id: 'dup',
      locations: [
        { file: '/ws/p/controls/a.rb', line: 2, column: 0 },
        { file: '/ws/p/controls/b.rb', line: 1, column: 0 },
      ],
    },
  ]);
  index.removeFile('/ws/p/controls/b.rb');
  assert.deepEqual(index.duplicates(), []);
});

test('edge: a STIG-style control with multi-line descriptions, describe.one, case/when, each with block parameters', () => {
  const src = [
    "control 'SV-1000' do", // 1
    "  title 'The system must end sessions after 15 minutes'", // 2
    '  desc "Sessions that do not end are a risk. If you end them,', // 3
    '  attackers cannot reuse them. #{1 + 1} end do"', // 4
    "  desc 'check', <<~CHECK", // 5
    '    Verify with: grep TMOUT /etc/profile', // 6
    '    If it does not end with 900, this is a finding.', // 7
    '  CHECK', // 8
    "  desc 'fix', %q{Set TMOUT=900 {in /etc/profile} and end}", // 9
    "  tag severity: 'medium', cci: %w(CCI-000057", // 10
    '                                 CCI-000060)', // 11
    "  only_if('not in a container') { !virtualization.system.eql?('docker') }", // 12
    '  case os.family', // 13
    "  when 'debian' then profile = '/etc/profile'", // 14
    '  else profile = "/etc/#{os.family}/profile"', // 15
    '  end', // 16
    "  users = input('users').select { |u| u != 'root' }", // 17
    '  users.each do |u|', // 18
    '    describe.one do', // 19
    "      describe user(u) do it { should exist } end", // 20
    "      describe file(\"/home/#{u}\") do", // 21
    '        it { should_not exist }', // 22
    '      end', // 23
    '    end', // 24
    '  end unless users.empty?', // 25
    '  lines = command("grep -c x #{profile}").stdout.split("\\n").map(&:strip)', // 26
    '  describe lines do', // 27
    '    its(:length) { should be >= 1 }', // 28
    '  end', // 29
    'end', // 30
  ].join('\n');
  const r = scanControls(src);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.controls.map((c) => [c.id, c.startLine, c.endLine]), [['SV-1000', 1, 30]]);
});
