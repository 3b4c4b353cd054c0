import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { PROBE_SCRIPT, PROBE_TOOLS, interpretExecFailure, parseOsRelease, parseProbeOutput, probeCommand } from '../../src/core/cluster/probe';

test('the probe is one /bin/sh -c command', () => {
  const cmd = probeCommand();
  assert.equal(cmd.length, 3);
  assert.deepEqual(cmd.slice(0, 2), ['/bin/sh', '-c']);
});

test('the probe script runs in a real POSIX shell and its output parses (this machine: dash/bash)', () => {
  const r = spawnSync('/bin/sh', ['-c', PROBE_SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const p = parseProbeOutput(r.stdout);
  assert.ok(p, 'a report');
  assert.equal(p.shell, '/bin/sh');
  assert.equal(p.tools.cat, true, 'cat exists on the build machine');
  assert.equal(p.tools.sh ?? undefined, undefined, 'only the asked tools are reported');
  assert.deepEqual(Object.keys(p.tools).sort(), [...PROBE_TOOLS].sort());
  const osRelease = parseOsRelease(spawnSync('cat', ['/etc/os-release'], { encoding: 'utf8' }).stdout);
  assert.equal(p.osId, osRelease.ID);
});

test('the probe script reports a tool as missing when PATH has none (built-ins only)', () => {
  const r = spawnSync('/bin/sh', ['-c', PROBE_SCRIPT], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
  assert.equal(r.status, 0, r.stderr);
  const p = parseProbeOutput(r.stdout)!;
  assert.equal(p.tools.cat, false);
  assert.equal(p.tools.stat, false);
});

test('parses quoted, unquoted and escaped os-release values', () => {
  const rel = parseOsRelease('ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nNAME=\'Single\'\nHOME_URL="https://x/\\"q\\""\n# comment\n');
  assert.deepEqual(rel, { ID: 'alpine', VERSION_ID: '3.20.3', PRETTY_NAME: 'Alpine Linux v3.20', NAME: 'Single', HOME_URL: 'https://x/"q"' });
});

test('parses a report surrounded by noise, CRLF line ends and ANSI colour codes', () => {
  const out = 'motd banner\r\n\x1b[32mKCPROBE-BEGIN v1\x1b[0m\r\nshell=/bin/bash\r\nbash=5.2.15\r\nos:ID=debian\r\nos:PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\r\ntool:cat=/usr/bin/cat\r\ntool:stat=\r\nKCPROBE-END\r\ntrailing';
  const p = parseProbeOutput(out)!;
  assert.equal(p.shell, '/bin/bash');
  assert.equal(p.osId, 'debian');
  assert.equal(p.prettyName, 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(p.tools.cat, true);
  assert.equal(p.tools.stat, false);
  assert.equal(p.tools.find, false, 'tools absent from a complete report are missing');
});

test('a busybox applet reported by name (command -v prints "cat") counts as present', () => {
  const p = parseProbeOutput('KCPROBE-BEGIN v1\nshell=sh\ntool:cat=cat\nKCPROBE-END\n')!;
  assert.equal(p.tools.cat, true);
  assert.equal(p.shell, '/bin/sh', 'a relative $0 falls back to the shell that was executed');
});

test('no os-release: the report still parses, OS unknown', () => {
  const p = parseProbeOutput('KCPROBE-BEGIN v1\nshell=/bin/sh\ntool:cat=/bin/cat\nKCPROBE-END')!;
  assert.equal(p.osId, undefined);
  assert.equal(p.prettyName, undefined);
});

test('garbage, empty and truncated outputs', () => {
  assert.equal(parseProbeOutput(''), undefined);
  assert.equal(parseProbeOutput('\u0000\u0001\u00ff binary junk \n KCPROBE'), undefined);
  assert.equal(parseProbeOutput('sh: 1: Syntax error: "(" unexpected'), undefined);
  const cut = parseProbeOutput('KCPROBE-BEGIN v1\nshell=/bin/sh\nos:ID=debian\ntool:cat=/bin/cat\ntool:st')!;
  assert.equal(cut.osId, 'debian');
  assert.equal(cut.tools.cat, true);
  assert.equal(cut.tools.stat, undefined, 'a cut report does not claim tools are missing');
});

test('interpretExecFailure tells no shell, blocked, not running and forbidden apart', () => {
  assert.equal(interpretExecFailure('OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown'), 'no-shell');
  assert.equal(interpretExecFailure('exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown'), 'no-shell');
  assert.equal(interpretExecFailure('exec /bin/sh: permission denied'), 'blocked');
  assert.equal(interpretExecFailure('apparmor="DENIED" operation="exec"'), 'blocked');
  assert.equal(interpretExecFailure('write /proc/self/attr/exec: operation not permitted'), 'blocked');
  assert.equal(interpretExecFailure('seccomp: blocked syscall execve'), 'blocked');
  assert.equal(interpretExecFailure('container not running (app)'), 'not-running');
  assert.equal(interpretExecFailure('container app is not valid for pod x'), 'not-running');
  assert.equal(interpretExecFailure('pods "x" is forbidden: User "u" cannot create resource "pods/exec"'), 'forbidden');
  assert.equal(interpretExecFailure('something else entirely'), 'other');
});
