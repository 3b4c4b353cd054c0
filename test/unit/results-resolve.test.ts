import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseGeneratedId, parseReport, resolveSourceLocation, suffixOf, type Control, type Report, type SourceLookup } from '../../src/core/results';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const load = (name: string): Report => parseReport(readFileSync(join(fixtures, 'reports', name), 'utf8'));
const control = (r: Report, id: string): Control => r.controls.find((c) => c.id === id)!;

/** An in-memory file system: path → text. Records what was asked. */
function fakeFs(files: Record<string, string>): SourceLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    exists: (p) => {
      asked.push(`exists ${p}`);
      return p in files;
    },
    findFiles: async (suffix) => {
      asked.push(`find ${suffix}`);
      return Object.keys(files).filter((f) => f.endsWith(`/${suffix}`));
    },
    readFile: async (p) => files[p],
  };
}

/** A file whose line `line` is `control '<id>' do`. */
const withControlAt = (id: string, line: number): string => `${'# filler\n'.repeat(line - 1)}control '${id}' do\n  impact 0.5\nend\n`;

const cb = load('container-baseline-local.json');

test('1. an absolute ref that exists (nginx, InSpec 1.37)', async () => {
  const r = load('nginx-baseline-failures.json');
  const c = control(r, 'V-13613');
  const ref = '/Users/rxman/Documents/MITRE/INSPEC/nginx-baseline/controls/V-13613.rb';
  assert.equal(c.sourceLocation!.ref, ref);
  const res = await resolveSourceLocation(r, c, fakeFs({ [ref]: withControlAt('V-13613', 29) }));
  assert.deepEqual(res, { found: true, path: ref, line: 29, via: 'absolute' });
});

test('2a. relative to the scan cwd (container-baseline, fs-04 at line 37)', async () => {
  const fs = fakeFs({ '/scan/container-baseline/controls/filesystem.rb': withControlAt('fs-04', 37) });
  const res = await resolveSourceLocation(cb, control(cb, 'fs-04'), fs, { cwd: '/scan', profileRoots: ['/elsewhere/container-baseline'] });
  assert.deepEqual(res, { found: true, path: '/scan/container-baseline/controls/filesystem.rb', line: 37, via: 'cwd' });
});

test('2b. relative to the profile root\'s parent, then the profile root', async () => {
  const root = '/ws/profiles/container-baseline';
  const fs = fakeFs({ [`${root}/controls/accounts.rb`]: withControlAt('acct-03', 21), [`${root}/inspec.yml`]: 'name: container-baseline\n' });
  const res = await resolveSourceLocation(cb, control(cb, 'acct-03'), fs, { cwd: '/nowhere', profileRoots: [root] });
  assert.deepEqual(res, { found: true, path: `${root}/controls/accounts.rb`, line: 21, via: 'profile-parent' });

  // a ref written relative to the profile itself
  const r = parseReport({ profiles: [{ name: 'container-baseline', controls: [{ id: 'acct-03', impact: 0.5, tags: {}, source_location: { ref: 'controls/accounts.rb', line: 21 }, results: [] }] }] });
  const res2 = await resolveSourceLocation(r, r.controls[0], fs, { profileRoots: [root] });
  assert.deepEqual(res2, { found: true, path: `${root}/controls/accounts.rb`, line: 21, via: 'profile-root' });
});

test('2c. relative with ".." (inspec-json-reporter)', async () => {
  const r = load('inspec-json-reporter.json');
  const c = control(r, 'tmp-1.0');
  assert.equal(c.sourceLocation!.ref, '../inspec-demo/_test/long_commands/controls/example.rb');
  const file = '/home/me/inspec-demo/_test/long_commands/controls/example.rb';
  const res = await resolveSourceLocation(r, c, fakeFs({ [file]: withControlAt('tmp-1.0', 12) }), { cwd: '/home/me/inspec' });
  assert.deepEqual(res, { found: true, path: file, line: 12, via: 'cwd' });
});

test('2d. Windows separators in a ref', async () => {
  const r = parseReport({ profiles: [{ name: 'p', controls: [{ id: 'x', impact: 0.5, tags: {}, source_location: { ref: 'p\\controls\\a.rb', line: 2 }, results: [] }] }] });
  const res = await resolveSourceLocation(r, r.controls[0], fakeFs({ '/w/p/controls/a.rb': "\ncontrol 'x' do\nend\n" }), { cwd: '/w' });
  assert.deepEqual(res, { found: true, path: '/w/p/controls/a.rb', line: 2, via: 'cwd' });
});

test('3a. vendored <profile>-<sha>/ prefix: suffix match, the same-named profile preferred, line 1 corrected to the control line', async () => {
  const r = load('k8s-ubuntu-stig-train-v1.json');
  const c = control(r, 'SV-260468');
  assert.match(c.sourceLocation!.ref, /^canonical-ubuntu-22\.04-lts-stig-baseline-[0-9a-f]{40}\/controls\/SV-260468\.rb$/);
  assert.equal(c.sourceLocation!.line, 1);
  const fs = fakeFs({
    '/ws/a-fork/controls/SV-260468.rb': withControlAt('SV-260468', 2),
    '/ws/a-fork/inspec.yml': 'name: my-fork\n',
    '/ws/stig/controls/SV-260468.rb': withControlAt('SV-260468', 5),
    '/ws/stig/inspec.yml': "name: 'canonical-ubuntu-22.04-lts-stig-baseline'\ntitle: x\n",
  });
  const res = await resolveSourceLocation(r, c, fs, { cwd: '/tmp/scan', profileRoots: ['/ws/a-fork', '/ws/stig'] });
  assert.deepEqual(res, { found: true, path: '/ws/stig/controls/SV-260468.rb', line: 5, via: 'suffix' });
});

test('3b. branch-named archive dir (rhel8 "-main/")', async () => {
  const r = load('rhel8-one-of-each-status.json');
  const c = control(r, 'SV-230221');
  assert.equal(c.sourceLocation!.ref, 'redhat-enterprise-linux-8-stig-baseline-main/controls/SV-230221.rb');
  const res = await resolveSourceLocation(r, c, fakeFs({ '/ws/rhel8/controls/SV-230221.rb': withControlAt('SV-230221', 1) }));
  assert.deepEqual(res, { found: true, path: '/ws/rhel8/controls/SV-230221.rb', line: 1, via: 'suffix' });
});

test('3c. InSpec cache path, all overlay layers at the same path: the top-most profile\'s folder wins', async () => {
  const r = load('triple-overlay.json');
  const c = control(r, 'V-61409');
  assert.match(c.sourceLocation!.ref, /^\/home\/vagrant\/\.inspec\/cache\/[0-9a-f]+\/controls\/V-61409\.rb$/);
  const fs = fakeFs({
    '/ws/oracle/controls/V-61409.rb': withControlAt('V-61409', 3),
    '/ws/oracle/inspec.yml': 'name: Oracle Database 12c Security Technical Implementation Guide\n',
    '/ws/aws/controls/V-61409.rb': withControlAt('V-61409', 3),
    '/ws/aws/inspec.yml': 'name: aws-rds-oracle-database-12c-stig-baseline\n',
    '/ws/overlay/controls/V-61409.rb': withControlAt('V-61409', 4),
    '/ws/overlay/inspec.yml': 'name: cms-ars-3.1-moderate-aws-rds-oracle-database-12c-stig-overlay # the wrapper\n',
  });
  const res = await resolveSourceLocation(r, c, fs, {});
  assert.deepEqual(res, { found: true, path: '/ws/overlay/controls/V-61409.rb', line: 4, via: 'suffix' });
  // without the wrapper in the workspace, the next layer down
  const fs2 = fakeFs(Object.fromEntries(Object.entries({
    '/ws/oracle/controls/V-61409.rb': withControlAt('V-61409', 3),
    '/ws/oracle/inspec.yml': 'name: Oracle Database 12c Security Technical Implementation Guide\n',
    '/ws/aws/controls/V-61409.rb': withControlAt('V-61409', 6),
    '/ws/aws/inspec.yml': 'name: aws-rds-oracle-database-12c-stig-baseline\n',
  })));
  assert.deepEqual(await resolveSourceLocation(r, c, fs2, {}), { found: true, path: '/ws/aws/controls/V-61409.rb', line: 6, via: 'suffix' });
});

test('4. generated ids: file and line from the id, not InSpec\'s own control_eval_context.rb', async () => {
  const r = load('inspec-json-reporter.json');
  const c = r.controls.find((x) => x.id.startsWith('(generated from example.rb:7 '))!;
  assert.deepEqual(parseGeneratedId(c.id), { file: 'example.rb', line: 7 });
  const fs = fakeFs({
    [c.sourceLocation!.ref]: '# inspec internals\n', // even if InSpec's lib exists here, it is not the control's source
    '/ws/long_commands/controls/example.rb': 'describe file("/tmp") do\nend\n',
  });
  const res = await resolveSourceLocation(r, c, fs, {});
  assert.deepEqual(res, { found: true, path: '/ws/long_commands/controls/example.rb', line: 7, via: 'generated' });
  const rc = r.controls.find((x) => x.id.startsWith('(generated from run_command.rb:5'))!;
  assert.deepEqual(await resolveSourceLocation(r, rc, fakeFs({ '/ws/long_commands/controls/run_command.rb': '' }), {}), {
    found: true, path: '/ws/long_commands/controls/run_command.rb', line: 5, via: 'generated',
  });
});

test('5. fallback to the groups[] file, searched for control \'<id>\'', async () => {
  const r = parseReport({
    profiles: [{
      name: 'container-baseline',
      groups: [{ id: 'controls/filesystem.rb', controls: ['fs-04'] }],
      controls: [{ id: 'fs-04', impact: 0.9, tags: {}, source_location: { ref: '/opt/somewhere/else.rb', line: 99 }, results: [] }],
    }],
  });
  const fs = fakeFs({ '/ws/container-baseline/controls/filesystem.rb': `# x\n\ncontrol "fs-04" do\nend\n` });
  const res = await resolveSourceLocation(r, r.controls[0], fs, { profileRoots: ['/ws/container-baseline'] });
  assert.deepEqual(res, { found: true, path: '/ws/container-baseline/controls/filesystem.rb', line: 3, via: 'group' });
});

test('6. nothing matches: not found, with a reason naming the ref', async () => {
  const res = await resolveSourceLocation(cb, control(cb, 'fs-04'), fakeFs({}), { cwd: '/scan' });
  assert.equal(res.found, false);
  assert.ok(!res.found && /source of control fs-04 not found: the report says "container-baseline\/controls\/filesystem\.rb"/.test(res.reason));
});

test('a stated line that no longer holds the control (file edited since the scan) is corrected', async () => {
  const fs = fakeFs({ '/scan/container-baseline/controls/filesystem.rb': withControlAt('fs-04', 40) });
  const res = await resolveSourceLocation(cb, control(cb, 'fs-04'), fs, { cwd: '/scan' });
  assert.deepEqual(res, { found: true, path: '/scan/container-baseline/controls/filesystem.rb', line: 40, via: 'cwd' });
  // and when the id cannot be found, the stated line stays
  const fs2 = fakeFs({ '/scan/container-baseline/controls/filesystem.rb': 'nothing here\n' });
  assert.equal(((await resolveSourceLocation(cb, control(cb, 'fs-04'), fs2, { cwd: '/scan' })) as { line: number }).line, 37);
});

test('a lookup that throws is treated as "no file", not as a crash', async () => {
  const broken: SourceLookup = { exists: () => { throw new Error('EACCES'); }, findFiles: async () => { throw new Error('cancelled'); }, readFile: async () => { throw new Error('x'); } };
  const res = await resolveSourceLocation(cb, control(cb, 'fs-04'), broken, { cwd: '/scan' });
  assert.equal(res.found, false);
});

test('suffixOf strips any prefix before the last controls/ folder', () => {
  assert.equal(suffixOf('/home/vagrant/.inspec/cache/03cb/controls/V-61409.rb'), 'controls/V-61409.rb');
  assert.equal(suffixOf('name-3051a24/controls/sub/x.rb'), 'controls/sub/x.rb');
  assert.equal(suffixOf('libraries/helper.rb'), undefined);
});

test('against the real fixture profile on disk: every container-baseline control resolves to its control line', async () => {
  const { existsSync, readdirSync, statSync } = await import('node:fs');
  const profiles = join(fixtures, 'profiles');
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  const all = walk(profiles).map((f) => f.replace(/\\/g, '/'));
  const disk: SourceLookup = {
    exists: (p) => existsSync(p) && statSync(p).isFile(),
    findFiles: (suffix) => all.filter((f) => f.endsWith(`/${suffix}`)),
    readFile: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
  };
  const root = join(profiles, 'container-baseline').replace(/\\/g, '/');
  for (const c of cb.controls) {
    const res = await resolveSourceLocation(cb, c, disk, { profileRoots: [root] });
    assert.ok(res.found, `${c.id}: ${!res.found ? res.reason : ''}`);
    assert.equal(res.path, `${root}/${c.groupFile}`);
    assert.equal(res.line, c.sourceLocation!.line, c.id);
    assert.match(readFileSync(res.path, 'utf8').split('\n')[res.line - 1], new RegExp(`^control '${c.id}' do`));
  }
});
