// The Scan runs view's welcome content (issue 6 §1 install guidance; Workspace Trust): which text VS Code shows for each
// state, read from the manifest. The `when` clauses here use only context keys, `!` and `&&`, which this evaluates.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

interface Welcome {
  view: string;
  contents: string;
  when?: string;
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const welcomes: Welcome[] = pkg.contributes.viewsWelcome;
const declared = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

function holds(when: string | undefined, keys: Record<string, boolean>): boolean {
  if (!when) return true;
  return when.split('&&').every((term) => {
    const t = term.trim();
    const negated = t.startsWith('!');
    const key = negated ? t.slice(1).trim() : t;
    assert.match(key, /^[A-Za-z][\w.]*$/, `a when clause this test can read: ${when}`);
    return negated ? !keys[key] : !!keys[key];
  });
}

const shown = (keys: Record<string, boolean>) => welcomes.filter((w) => w.view === 'kubeCompliance.runs' && holds(w.when, keys));
const links = (w: Welcome) => [...w.contents.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]);

test('an untrusted workspace explains that scans are disabled and links to Workspace Trust, whatever the auditor state', () => {
  for (const auditorMissing of [false, true]) {
    const list = shown({ isWorkspaceTrusted: false, 'kubeCompliance.auditorMissing': auditorMissing });
    assert.equal(list.length, 1, `one welcome text (auditorMissing=${auditorMissing}): ${list.map((w) => w.contents.slice(0, 40)).join(' | ')}`);
    assert.match(list[0].contents, /restricted workspace/);
    assert.match(list[0].contents, /trust/i);
    assert.deepEqual(links(list[0]), ['workbench.trust.manage']);
    assert.doesNotMatch(list[0].contents, /Choose Scan/, 'no invitation to scan where the Scan command is disabled');
  }
});

test('a trusted workspace without a working auditor shows what to install, with declared commands', () => {
  const list = shown({ isWorkspaceTrusted: true, 'kubeCompliance.auditorMissing': true });
  assert.equal(list.length, 1);
  assert.match(list[0].contents, /cinc-auditor/);
  assert.match(list[0].contents, /train-k8s-container-mitre/);
  const cmds = links(list[0]);
  assert.ok(cmds.includes('kubeCompliance.installAuditor'), cmds.join(', '));
  for (const c of cmds) assert.ok(declared.has(c), `the welcome view links a declared command: ${c}`);
});

test('a trusted workspace with an auditor invites the first scan', () => {
  const list = shown({ isWorkspaceTrusted: true, 'kubeCompliance.auditorMissing': false });
  assert.equal(list.length, 1);
  assert.match(list[0].contents, /Choose Scan on a container/);
});

test('the Scan command itself is disabled in an untrusted workspace', () => {
  const scan = pkg.contributes.commands.find((c: { command: string }) => c.command === 'kubeCompliance.scan');
  assert.ok(holds(scan.enablement, { isWorkspaceTrusted: true }));
  assert.ok(!holds(scan.enablement, { isWorkspaceTrusted: false }));
});
