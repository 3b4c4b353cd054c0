import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectFlavor, discoverAuditor, parsePluginList, supportsEnhancedOutcomes } from '../../src/core/scan/auditor';

const MITRE_TABLE = `┌────────────────────────────┬─────────┬────────────┬─────────┬──────────────────────────────┐
│        Plugin Name         │ Version │    Via     │ ApiVer  │         Description          │
├────────────────────────────┼─────────┼────────────┼─────────┼──────────────────────────────┤
│ inspec-compliance          │ 5.22.3  │ core       │ 2       │ Compliance server            │
│ train-k8s-container        │ 1.3.1   │ path       │ train-1 │ old                          │
│ train-k8s-container-mitre  │ 2.2.0   │ gem (user) │ train-1 │ Kubernetes container transport │
└────────────────────────────┴─────────┴────────────┴─────────┴──────────────────────────────┘
 3 plugin(s) total`;

/** A folder that will be the whole PATH: fake auditors and a fake kubectl, as shell scripts. */
function fakePath(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kc-auditor-'));
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

function auditorScript(version: string, pluginList: string, opts: { needsLicense?: boolean } = {}): string {
  const lic = opts.needsLicense ? `[ "$CHEF_LICENSE" = accept-no-persist ] || [ "$CHEF_LICENSE" = accept ] || { echo "Chef License not accepted" >&2; exit 172; }\n` : '';
  return `${lic}case "$1" in
version) echo "${version}";;
plugin) /bin/cat <<'EOF'
${pluginList}
EOF
;;
*) exit 1;;
esac`;
}

const env = (dir: string, extra: NodeJS.ProcessEnv = {}) => ({ PATH: dir, ...extra });

test('parsePluginList finds both transports in a box table and plain text', () => {
  assert.deepEqual(parsePluginList(MITRE_TABLE), [
    { name: 'train-k8s-container', version: '1.3.1' },
    { name: 'train-k8s-container-mitre', version: '2.2.0' },
  ]);
  assert.deepEqual(parsePluginList('| train-k8s-container-mitre | 2.1.0 | gem |'), [{ name: 'train-k8s-container-mitre', version: '2.1.0' }]);
  assert.deepEqual(parsePluginList('inspec-compliance 5.22.3 core'), []);
});

// The vertical layout tty-table falls back to when the table is wider than the screen — always without a terminal
// (tty-screen takes 80 columns), i.e. whenever the extension runs `plugin list`. One `│ Header │ value │` line per
// column (InSpec's own reader: lib/plugins/inspec-plugin-manager-cli/test/functional/helper.rb
// `parse_plugin_list_lines`; the stderr notice: "The table size exceeds the currently set width.Defaulting to vertical
// orientation.").
const VERTICAL = `┌─────────────┬────────────────────────────────────────────────────────────────┐
│ Plugin Name │ inspec-compliance                                              │
│ Version     │ 5.24.24                                                        │
│ Via         │ core                                                           │
│ ApiVer      │ 2                                                              │
│ Description │ Plugin to perform operations with Chef Automate                │
│ Plugin Name │ train-k8s-container                                            │
│ Version     │ 1.3.1                                                          │
│ Via         │ path                                                           │
│ ApiVer      │ train-1                                                        │
│ Description │ Train Kubernetes Container Transport                           │
│ Plugin Name │ train-k8s-container-mitre                                      │
│ Version     │ 2.2.0                                                          │
│ Via         │ gem (user)                                                     │
│ ApiVer      │ train-1                                                        │
│ Description │ Train transport for Kubernetes containers via kubectl exec     │
└─────────────┴────────────────────────────────────────────────────────────────┘
 3 plugin(s) total`;

test('parsePluginList keeps the versions in the vertical layout (one line per column)', () => {
  assert.deepEqual(parsePluginList(VERTICAL), [
    { name: 'train-k8s-container', version: '1.3.1' },
    { name: 'train-k8s-container-mitre', version: '2.2.0' },
  ]);
  // a plugin whose Version line is missing keeps no version rather than borrowing the next plugin's
  const cut = VERTICAL.split('\n').filter((l) => !l.includes('1.3.1')).join('\n');
  assert.deepEqual(parsePluginList(cut), [{ name: 'train-k8s-container' }, { name: 'train-k8s-container-mitre', version: '2.2.0' }]);
});

test('enhanced outcomes from 5.21; flavour from the name or the version text', () => {
  assert.equal(supportsEnhancedOutcomes('5.20.9'), false);
  assert.equal(supportsEnhancedOutcomes('5.21.0'), true);
  assert.equal(supportsEnhancedOutcomes('6.8.1'), true);
  assert.equal(supportsEnhancedOutcomes(undefined), false);
  assert.equal(detectFlavor('/opt/cinc-auditor/bin/cinc-auditor', '6.6.0'), 'cinc');
  assert.equal(detectFlavor('/usr/bin/inspec', '5.22.3'), 'inspec');
  assert.equal(detectFlavor('/x/auditor', 'Chef InSpec 5.22.3'), 'inspec');
  assert.equal(detectFlavor('/x/auditor', '5.22.3'), 'unknown');
});

test('cinc-auditor on PATH is preferred over inspec, and MITRE\'s transport over inspec\'s', async () => {
  const dir = fakePath({ 'cinc-auditor': auditorScript('6.8.24', MITRE_TABLE), inspec: auditorScript('5.22.3', ''), kubectl: 'exit 0' });
  try {
    const d = await discoverAuditor({ env: env(dir) });
    assert.equal(d.ready, true, JSON.stringify(d.problems));
    assert.equal(d.auditor?.path, join(dir, 'cinc-auditor'));
    assert.equal(d.auditor?.flavor, 'cinc');
    assert.equal(d.auditor?.version, '6.8.24');
    assert.equal(d.auditor?.supportsEnhancedOutcomes, true);
    assert.equal(d.auditor?.needsLicense, false);
    assert.deepEqual(d.auditor?.transport, { name: 'train-k8s-container-mitre', version: '2.2.0' });
    assert.deepEqual(d.problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inspec without the transport: a blocking problem with the plugin install step; it needs the licence', async () => {
  const dir = fakePath({ inspec: auditorScript('5.20.1', 'inspec-compliance 5.20.1 core'), kubectl: 'exit 0' });
  try {
    const d = await discoverAuditor({ env: env(dir) });
    assert.equal(d.ready, false);
    assert.equal(d.auditor?.flavor, 'inspec');
    assert.equal(d.auditor?.needsLicense, true);
    assert.equal(d.auditor?.supportsEnhancedOutcomes, false);
    const p = d.problems.find((x) => x.kind === 'transport-missing');
    assert.ok(p?.blocking);
    assert.deepEqual(p.steps.map((s) => s.command), [`${join(dir, 'inspec')} plugin install train-k8s-container-mitre`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only inspec\'s old transport: scanning works, with advice to switch', async () => {
  const dir = fakePath({ 'cinc-auditor': auditorScript('6.8.24', '│ train-k8s-container │ 1.3.1 │ path │'), kubectl: 'exit 0' });
  try {
    const d = await discoverAuditor({ env: env(dir) });
    assert.equal(d.ready, true);
    assert.equal(d.auditor?.transport?.name, 'train-k8s-container');
    assert.equal(d.problems[0].kind, 'transport-unmaintained');
    assert.equal(d.problems[0].blocking, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing on PATH: the auditor and kubectl are reported missing, with the CINC install steps', async () => {
  const dir = fakePath({});
  try {
    const d = await discoverAuditor({ env: env(dir) });
    assert.equal(d.ready, false);
    assert.equal(d.auditor, undefined);
    assert.deepEqual(d.problems.map((p) => p.kind), ['kubectl-missing', 'auditor-missing']);
    const steps = d.problems[1].steps.map((s) => s.command);
    assert.match(steps[0], /omnitruck\.cinc\.sh.*-P cinc-auditor/);
    assert.equal(steps[1], 'cinc-auditor plugin install train-k8s-container-mitre');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured path wins over PATH; a wrong one is reported and not silently replaced', async () => {
  const dir = fakePath({ 'cinc-auditor': auditorScript('6.8.24', MITRE_TABLE), 'my auditor': auditorScript('5.24.24 (Chef InSpec)', MITRE_TABLE), kubectl: 'exit 0' });
  try {
    const d = await discoverAuditor({ env: env(dir), configuredPath: join(dir, 'my auditor') });
    assert.equal(d.auditor?.path, join(dir, 'my auditor'));
    assert.equal(d.auditor?.flavor, 'inspec');
    const bad = await discoverAuditor({ env: env(dir), configuredPath: join(dir, 'missing') });
    assert.equal(bad.auditor, undefined);
    assert.equal(bad.problems[0].kind, 'configured-path-missing');
    assert.match(bad.problems[0].message, /kubeCompliance\.auditor\.path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Chef InSpec that refuses with 172 is reported as a licence problem; with CHEF_LICENSE it is ready', async () => {
  const dir = fakePath({ inspec: auditorScript('5.22.3', MITRE_TABLE, { needsLicense: true }), kubectl: 'exit 0' });
  try {
    const d = await discoverAuditor({ env: env(dir) });
    assert.equal(d.ready, false);
    assert.equal(d.problems[0].kind, 'license');
    const ok = await discoverAuditor({ env: env(dir, { CHEF_LICENSE: 'accept-no-persist' }) });
    assert.equal(ok.ready, true, JSON.stringify(ok.problems));
    assert.equal(ok.auditor?.version, '5.22.3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an auditor whose "version" fails is reported with its error output', async () => {
  const dir = fakePath({ 'cinc-auditor': 'echo "ruby: cannot load such file" >&2; exit 3', kubectl: 'exit 0' });
  try {
    const d = await discoverAuditor({ env: env(dir) });
    assert.equal(d.ready, false);
    assert.equal(d.problems[0].kind, 'auditor-broken');
    assert.match(d.problems[0].message, /exit 3.*cannot load such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
