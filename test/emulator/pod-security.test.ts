// Pod Security admission in the emulator: the pure rules (pod-security.ts) with the API server's wording, and the
// enforcement seen through the real kubectl — pod creation and `kubectl debug` (pods/ephemeralcontainers) in
// namespaces labelled baseline / restricted / not at all. Needs root (the demo scenario runs processes).
import { strict as assert } from 'node:assert';
import * as https from 'node:https';
import { after, before, test } from 'node:test';
import { DEFAULT_HELPER_IMAGE, HELPER_NAME, ephemeralContainerPatch, helperContainer } from '../../src/core/scan/debugContainer';
import { podTargetSelector, preflightDebug } from '../../src/core/scan/shelllessPreflight';
import type { KObject } from './contract';
import { startCluster, type Cluster } from './index';
import { kubectl } from './kubectl-util';
import { ENFORCE_LABEL, enforcePolicy, forbiddenMessage, podSecurityViolations } from './pod-security';

// ---------------------------------------------------------------- the rules

const pod = (spec: KObject): KObject => ({ metadata: { name: 'p', namespace: 'ns' }, spec });
/** A container that passes restricted. */
const compliant = (name: string, extra: KObject = {}): KObject => ({
  name,
  image: 'x',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...extra },
});

test('rules: privileged admits anything; baseline and restricted admit a restricted-compliant pod', () => {
  const wild = pod({ hostPID: true, containers: [{ name: 'a', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } }] });
  assert.deepEqual(podSecurityViolations(wild, 'privileged'), []);
  const good = pod({ containers: [compliant('a', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })] });
  assert.deepEqual(podSecurityViolations(good, 'baseline'), []);
  assert.deepEqual(podSecurityViolations(good, 'restricted'), []);
});

test('rules: baseline — host namespaces, hostPath, hostPort, privileged, non-default capabilities, in the API server\'s order', () => {
  const p = pod({
    hostPID: true,
    hostNetwork: true,
    volumes: [{ name: 'root', hostPath: { path: '/' } }, { name: 'tmp', emptyDir: {} }],
    initContainers: [{ name: 'init', securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN'] } } }],
    containers: [
      { name: 'a', ports: [{ containerPort: 80, hostPort: 8080 }], securityContext: { privileged: true, capabilities: { add: ['SYS_PTRACE', 'SYS_CHROOT'] } } },
      { name: 'b', ports: [{ containerPort: 443, hostPort: 443 }], securityContext: { privileged: false, runAsUser: 0 } },
    ],
    ephemeralContainers: [{ name: 'dbg', securityContext: { privileged: true, capabilities: { add: ['SYS_PTRACE'] } } }],
  });
  // the registry's order: check IDs sorted (capabilities_baseline, hostNamespaces, hostPathVolumes, hostPorts, privileged)
  assert.deepEqual(podSecurityViolations(p, 'baseline'), [
    'non-default capabilities (containers "init", "a", "dbg" must not include "NET_ADMIN", "SYS_PTRACE" in securityContext.capabilities.add)',
    'host namespaces (hostNetwork=true, hostPID=true)',
    'hostPath volumes (volume "root")',
    'hostPort (containers "a", "b" use hostPorts 443, 8080)',
    'privileged (containers "a", "dbg" must not set securityContext.privileged=true)',
  ]);
});

test('rules: baseline admits the allow-listed capabilities and root; forbids SYS_PTRACE (the product\'s two helper shapes)', () => {
  const target = { name: 'app', image: 'x', securityContext: { runAsUser: 65532 } };
  const rootHelper = { name: 'kc-scan-helper', image: 'busybox', securityContext: { capabilities: { add: ['SYS_CHROOT'] }, runAsUser: 0, runAsNonRoot: false } };
  assert.deepEqual(podSecurityViolations(pod({ containers: [target], ephemeralContainers: [rootHelper] }), 'baseline'), []);
  const allowList = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
  assert.deepEqual(podSecurityViolations(pod({ containers: [{ name: 'c', securityContext: { capabilities: { add: allowList } } }] }), 'baseline'), []);
  const ptrace = { name: 'kc-scan-helper', image: 'busybox', securityContext: { capabilities: { add: ['SYS_CHROOT', 'SYS_PTRACE'] } } };
  assert.deepEqual(podSecurityViolations(pod({ containers: [target], ephemeralContainers: [ptrace] }), 'baseline'), [
    'non-default capabilities (container "kc-scan-helper" must not include "SYS_PTRACE" in securityContext.capabilities.add)',
  ]);
});

test('rules: restricted — a plain container gets the four familiar violations', () => {
  assert.deepEqual(podSecurityViolations(pod({ containers: [{ name: 'test', image: 'nginx' }] }), 'restricted'), [
    'allowPrivilegeEscalation != false (container "test" must set securityContext.allowPrivilegeEscalation=false)',
    'unrestricted capabilities (container "test" must set securityContext.capabilities.drop=["ALL"])',
    'runAsNonRoot != true (pod or container "test" must set securityContext.runAsNonRoot=true)',
    'seccompProfile (pod or container "test" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  ]);
});

test('rules: restricted — explicit bad values, pod-level settings, and baseline violations first', () => {
  const p = pod({
    hostIPC: true,
    securityContext: { runAsUser: 0, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      compliant('a'),
      compliant('b', { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'Unconfined' }, capabilities: { drop: ['ALL'], add: ['SYS_CHROOT', 'NET_BIND_SERVICE'] } }),
      { name: 'c', securityContext: { allowPrivilegeEscalation: true, capabilities: { add: ['SYS_PTRACE'] } } },
    ],
  });
  assert.deepEqual(podSecurityViolations(p, 'restricted'), [
    'host namespaces (hostIPC=true)',
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
    'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; containers "b", "c" must not include "SYS_CHROOT", "SYS_PTRACE" in securityContext.capabilities.add)',
    'runAsNonRoot != true (container "b" must not set securityContext.runAsNonRoot=false)',
    'runAsUser=0 (pod and container "b" must not set runAsUser=0)',
    'seccompProfile (container "b" must not set securityContext.seccompProfile.type to "Unconfined")',
  ]);
  // the pod-level runAsNonRoot/seccompProfile cover containers that do not set them; a pod-level bad value is named
  const podLevel = pod({ securityContext: { runAsNonRoot: false, seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] });
  assert.deepEqual(podSecurityViolations(podLevel, 'restricted'), [
    'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)',
    'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
  ]);
});

test('rules: the namespace policy and the Status message', () => {
  assert.deepEqual(enforcePolicy({ metadata: { labels: {} } }), { level: 'privileged', version: 'latest' });
  assert.deepEqual(enforcePolicy({ metadata: { labels: { [ENFORCE_LABEL]: 'baseline' } } }), { level: 'baseline', version: 'latest' });
  assert.deepEqual(enforcePolicy({ metadata: { labels: { [ENFORCE_LABEL]: 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30' } } }), { level: 'restricted', version: 'v1.30' });
  assert.equal(enforcePolicy({ metadata: { labels: { [ENFORCE_LABEL]: 'bogus' } } }).level, 'restricted', 'fails closed');
  assert.equal(
    forbiddenMessage('distroless-app', { level: 'baseline', version: 'latest' }, ['host namespaces (hostPID=true)', 'privileged (container "a" must not set securityContext.privileged=true)']),
    'pods "distroless-app" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true), privileged (container "a" must not set securityContext.privileged=true)',
  );
});

// ---------------------------------------------------------------- the emulator, with kubectl as the oracle

let cluster: Cluster;
const k = (args: string[], minor = 33, input?: string) => kubectl(cluster.kubeconfigPath, args, { minor, input, timeoutMs: 90_000 });

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

async function label(ns: string, level: string | null): Promise<void> {
  const r = await k(['label', 'namespace', ns, level === null ? `${ENFORCE_LABEL}-` : `${ENFORCE_LABEL}=${level}`, '--overwrite']);
  assert.equal(r.code, 0, r.stderr);
}
const ephemeral = (p: string): string[] => (cluster.get('pods', 'demo', p)?.spec?.ephemeralContainers ?? []).map((c: KObject) => c.name);
const debugArgs = (p: string, profile: string) => ['debug', p, '-n', 'demo', `--image=${DEFAULT_HELPER_IMAGE}`, '--target=app', '--attach=false', `--profile=${profile}`, '--', 'sleep', '2147483647'];
const debuggerName = (r: { stdout: string; stderr: string }) => /Defaulting debug container name to (debugger-\w+)/.exec(r.stdout + r.stderr)?.[1];

test('kubectl debug under baseline: --profile=general (SYS_PTRACE) is refused with the PodSecurity message, nothing added; baseline and legacy are admitted', async () => {
  try {
    await label('demo', 'baseline');
    for (const minor of [27, 33]) {
      const r = await k(debugArgs('distroless-app', 'general'), minor);
      assert.equal(r.code, 1, `kubectl 1.${minor}: ${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        /^Error from server \(Forbidden\): pods "distroless-app" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities \(container "debugger-\w+" must not include "SYS_PTRACE" in securityContext\.capabilities\.add\)$/m,
        `kubectl 1.${minor}`,
      );
      assert.deepEqual(ephemeral('distroless-app'), [], 'nothing was added');
    }
    const base = await k(debugArgs('distroless-app', 'baseline'), 33);
    assert.equal(base.code, 0, base.stderr);
    const legacy = await k(debugArgs('distroless-app', 'legacy'), 27);
    assert.equal(legacy.code, 0, legacy.stderr);
    assert.deepEqual(ephemeral('distroless-app'), [debuggerName(base), debuggerName(legacy)]);
  } finally {
    await label('demo', null);
  }
});

test('unlabelled namespace: --profile=general is admitted as before; labelled baseline again, the pod\'s existing SYS_PTRACE debugger makes every later addition a violation (the whole pod is evaluated)', async () => {
  const general = await k(debugArgs('distroless-app', 'general'));
  assert.equal(general.code, 0, general.stderr);
  const name = debuggerName(general)!;
  assert.ok(ephemeral('distroless-app').includes(name));
  const before = ephemeral('distroless-app');
  try {
    await label('demo', 'baseline');
    const r = await k(debugArgs('distroless-app', 'baseline'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`violates PodSecurity "baseline:latest": non-default capabilities \\(container "${name}" must not include "SYS_PTRACE" in securityContext\\.capabilities\\.add\\)`));
    assert.deepEqual(ephemeral('distroless-app'), before);
  } finally {
    await label('demo', null);
  }
});

test('restricted: creating a non-compliant pod is refused, a compliant one admitted; on it kubectl debug --profile=restricted is admitted and the product\'s helper spec is refused', async () => {
  const manifest = (name: string, securityContext?: KObject) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'demo' }, spec: { containers: [{ name: 'app', image: 'demo.local/distroless:nonroot', ...(securityContext ? { securityContext } : {}) }] } });
  try {
    await label('demo', 'restricted');
    const bad = await k(['apply', '-f', '-'], 33, manifest('plain-app'));
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /Error from server \(Forbidden\): error when creating "STDIN": pods "plain-app" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "app" must set securityContext\.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "app" must set securityContext\.capabilities\.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "app" must set securityContext\.runAsNonRoot=true\), seccompProfile \(pod or container "app" must set securityContext\.seccompProfile\.type to "RuntimeDefault" or "Localhost"\)/,
    );
    assert.equal(cluster.get('pods', 'demo', 'plain-app'), undefined, 'not created');

    const good = await k(['apply', '-f', '-'], 33, manifest('restricted-app', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } }));
    assert.equal(good.code, 0, good.stderr);
    const dbg = await k(['debug', 'restricted-app', '-n', 'demo', `--image=${DEFAULT_HELPER_IMAGE}`, '--target=app', '--attach=false', '--profile=restricted', '--', 'sleep', '2147483647']);
    assert.equal(dbg.code, 0, dbg.stderr);
    assert.deepEqual(ephemeral('restricted-app'), [debuggerName(dbg)]);

    // the helper the product adds when nothing stops it (capabilities and user from its own preflight, unlabelled)
    const target = cluster.get('pods', 'demo', 'restricted-app')!;
    const pre = preflightDebug({ pod: target, namespace: { metadata: { name: 'demo', labels: {} } }, target: 'app', access: {} });
    assert.deepEqual(pre.addCapabilities, ['SYS_CHROOT', 'SYS_PTRACE']);
    const helper = helperContainer({ name: HELPER_NAME, target: 'app', image: DEFAULT_HELPER_IMAGE, selector: podTargetSelector(target, 'app', false), capabilities: pre.addCapabilities, runAsRoot: pre.helperRunsAsRoot });
    const r = await k(['patch', 'pod', 'restricted-app', '-n', 'demo', '--subresource=ephemeralcontainers', '--type=strategic', '-p', JSON.stringify(ephemeralContainerPatch(helper))]);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): pods "restricted-app" is forbidden: violates PodSecurity "restricted:latest": ' +
        'allowPrivilegeEscalation != false (container "kc-scan-helper" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "kc-scan-helper" must set securityContext.capabilities.drop=["ALL"]; container "kc-scan-helper" must not include "SYS_CHROOT", "SYS_PTRACE" in securityContext.capabilities.add), ' +
        'runAsNonRoot != true (pod or container "kc-scan-helper" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "kc-scan-helper" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    assert.deepEqual(ephemeral('restricted-app'), [debuggerName(dbg)], 'the helper was not added');
  } finally {
    await label('demo', null);
  }
});

function post(path: string, body: KObject): Promise<{ status: number; body: KObject }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${cluster.url}${path}`, { method: 'POST', ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.tokens.admin}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('the PodSecurity refusal is a real Status: 403, reason Forbidden, details name/kind; nothing is created', async () => {
  try {
    await label('demo', 'baseline');
    const r = await post('/api/v1/namespaces/demo/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostpid-app' }, spec: { hostPID: true, containers: [{ name: 'app', image: 'demo.local/standard:12' }] } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "hostpid-app" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)',
      reason: 'Forbidden',
      details: { name: 'hostpid-app', kind: 'pods' },
      code: 403,
    });
    assert.equal(cluster.get('pods', 'demo', 'hostpid-app'), undefined);
  } finally {
    await label('demo', null);
  }
});
