import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { explainAuditorFailure, meaningfulStderrLine, mitreNameProblem, silentFailureNote } from '../../src/core/scan/auditorFailure';

// What a failing `inspec exec` / `cinc-auditor exec` prints, built from the sources that print it:
// - InSpec lib/inspec/cli.rb `exec`: ArgumentError, RuntimeError, Train::UserError → `$stderr.puts e.message`, exit 1;
//   anything else → `pretty_handle_exception` re-raises it and Ruby prints the uncaught exception: the first line
//   `FILE:LINE:in 'METHOD': MESSAGE (CLASS)` (Ruby ≥ 3.4 quotes; `METHOD' before), then one `\tfrom …` per frame,
//   the last one being the binstub `bin/inspec:11:in '<main>'`.
// - mitre/train-k8s-container 2.2.0 lib/train-k8s-container/retry_handler.rb: after 3 retries of a NetworkError or
//   ConnectionError, Train::TransportError "Failed after 3 retries: #{e.message}"; kubectl_exec_client.rb
//   `validate_result`: "Silent failure - no output received" for exit 0 with no output, ConnectionError(stderr) when
//   kubectl's stderr has "not found", "error dialing backend" or "connection refused"; KubectlNotFoundError
//   "kubectl not found at 'kubectl'"; its logger (Ruby Logger, `W, [time #pid]  WARN -- : …`) warns on each retry.
// - kubectl's own messages: `Error from server (NotFound): pods "x" not found`, `Error from server (Forbidden): … cannot
//   create resource "pods/exec" …`, `error: unable to upgrade connection: container not found ("app")`.
const GEMS = '/opt/cinc-auditor/embedded/lib/ruby/gems/3.4.0/gems';
const frames = [
  `\tfrom ${GEMS}/train-k8s-container-mitre-2.2.0/lib/train-k8s-container/kubectl_exec_client.rb:33:in 'TrainPlugins::K8sContainer::KubectlExecClient#execute'`,
  `\tfrom ${GEMS}/train-core-3.12.13/lib/train/plugins/base_connection.rb:148:in 'Train::Plugins::Transport::BaseConnection#run_command'`,
  `\tfrom ${GEMS}/inspec-core-5.24.24/lib/inspec/runner.rb:101:in 'Inspec::Runner#run'`,
  `\tfrom /opt/cinc-auditor/bin/inspec:11:in '<main>'`,
];
const uncaught = (message: string, cls = 'Train::TransportError') =>
  [`${GEMS}/train-k8s-container-mitre-2.2.0/lib/train-k8s-container/retry_handler.rb:29:in 'TrainPlugins::K8sContainer::RetryHandler.with_retry': ${message} (${cls})`, ...frames].join('\n') + '\n';
const retryWarnings = [1, 2, 3].map((n) => `W, [2026-12-05T19:01:0${n}.123456 #4242]  WARN -- : Transient error (attempt ${n}/3): Error from server (NotFound): pods "alpine-app" not found, retrying in ${2 ** (n - 1)}s`).join('\n');

const target = { namespace: 'demo', pod: 'alpine-app', container: 'app' };
const mitre = { name: 'train-k8s-container-mitre', version: '2.2.0' };

test('the meaningful line is the exception message, not the last backtrace frame or a WARN line', () => {
  const stderr = `${retryWarnings}\n${uncaught('Failed after 3 retries: Error from server (NotFound): pods "alpine-app" not found')}`;
  assert.equal(meaningfulStderrLine(stderr), 'Failed after 3 retries: Error from server (NotFound): pods "alpine-app" not found (Train::TransportError)');
  // Ruby before 3.4 writes `METHOD' with a backtick
  const old = uncaught('Failed after 3 retries: boom').replace(/in '([^']*)'/g, 'in `$1\'');
  assert.equal(meaningfulStderrLine(old), 'Failed after 3 retries: boom (Train::TransportError)');
});

test('a multi-line exception message is read up to the line its class closes', () => {
  const stderr = `${GEMS}/x.rb:1:in 'm': Failed after 3 retries: Error from server (NotFound): pods "a" not found\n (Train::TransportError)\n${frames.join('\n')}\n`;
  assert.equal(meaningfulStderrLine(stderr), 'Failed after 3 retries: Error from server (NotFound): pods "a" not found (Train::TransportError)');
});

test('a header whose frame has no method label still gives the message, and a warning line is not taken for one', () => {
  const stderr = `${GEMS}/boot.rb:7: Container has no shell - cannot execute complex command with operators: a | b (TrainPlugins::K8sContainer::ShellNotAvailableError)\n${frames.join('\n')}\n`;
  assert.equal(meaningfulStderrLine(stderr), 'Container has no shell - cannot execute complex command with operators: a | b (TrainPlugins::K8sContainer::ShellNotAvailableError)');
  const warned = `${GEMS}/foo.rb:3: warning: method redefined (Kernel)\nInvalid pod name 'x'\n`;
  assert.equal(meaningfulStderrLine(warned), "Invalid pod name 'x'");
});

test('a message printed alone (ArgumentError from MITRE\'s name check) is the line, warnings around it are not', () => {
  const stderr = `[2026-12-05T19:01:00+00:00] WARN: Input 'x' does not have a value.\n${GEMS}/foo.rb:3: warning: method redefined\nInvalid pod name 'web.a.b': must be RFC 1123 DNS subdomain (lowercase alphanumeric, '-' or '.', start/end with alphanumeric)\n`;
  assert.match(meaningfulStderrLine(stderr)!, /^Invalid pod name 'web\.a\.b'/);
  assert.equal(meaningfulStderrLine(`${retryWarnings}\n\n`), undefined);
  assert.equal(meaningfulStderrLine(''), undefined);
});

test('pod not found: which namespace was asked, and what to do', () => {
  const f = explainAuditorFailure(uncaught('Failed after 3 retries: Error from server (NotFound): pods "alpine-app" not found'), { target, transport: mitre })!;
  assert.equal(f.kind, 'pod-not-found');
  assert.match(f.explanation, /"alpine-app" was not found in namespace "demo"/);
  assert.match(f.explanation, /Refresh the explorer/);
  // the transport asked for another pod than the scan named (how the old URI failed with MITRE's transport)
  const other = explainAuditorFailure(uncaught('Failed after 3 retries: Error from server (NotFound): pods "demo" not found'), { target, transport: mitre })!;
  assert.equal(other.kind, 'pod-not-found');
  assert.match(other.explanation, /asked for a pod "demo", but the scan named "alpine-app"/);
});

test('a helper scan names the helper\'s pod and namespace', () => {
  const f = explainAuditorFailure('Error from server (NotFound): pods "distroless-app" not found\n', {
    target: { namespace: 'demo', pod: 'distroless-app', container: 'app' },
    transportTarget: { namespace: 'demo', pod: 'distroless-app', container: 'kc-scan-helper' },
  })!;
  assert.match(f.explanation, /namespace "demo"/);
});

test('container not found, namespace not found, kubectl missing, forbidden, unauthorized, unreachable', () => {
  const cases: [string, string, RegExp][] = [
    [uncaught('Failed after 3 retries: error: unable to upgrade connection: container not found ("app")'), 'container-not-found', /"app" of pod alpine-app/],
    ['Error from server (BadRequest): container app is not valid for pod alpine-app\n', 'container-not-found', /not running or does not exist/],
    [uncaught('Failed after 3 retries: Error from server (NotFound): namespaces "gone" not found'), 'namespace-not-found', /"gone" does not exist/],
    [uncaught("kubectl not found at 'kubectl'", 'TrainPlugins::K8sContainer::KubectlNotFoundError'), 'kubectl-missing', /install kubectl/],
    // inspec's 1.3.1 transport: Mixlib::ShellOut's ENOENT escapes as Errno::ENOENT
    [uncaught('No such file or directory - kubectl', 'Errno::ENOENT'), 'kubectl-missing', /on the PATH/],
    [
      'Error from server (Forbidden): pods "alpine-app" is forbidden: User "system:serviceaccount:demo:x" cannot create resource "pods/exec" in API group "" in the namespace "demo"\n',
      'forbidden',
      /you may not create pods\/exec\) in namespace "demo".*Check Access/,
    ],
    ['error: You must be logged in to the server (Unauthorized)\n', 'unauthorized', /credentials/],
    ['Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout\n', 'unreachable', /could not reach the cluster/],
    ["Can't find train plugin k8s-container. Please install it first.\n", 'transport-missing', /plugin install train-k8s-container-mitre/],
    [uncaught('Container has no shell - cannot execute complex command with operators: uname -s; echo', 'TrainPlugins::K8sContainer::ShellNotAvailableError'), 'no-shell', /helper/],
  ];
  for (const [stderr, kind, text] of cases) {
    const f = explainAuditorFailure(stderr, { target });
    assert.equal(f?.kind, kind, stderr);
    assert.match(f!.explanation, text, stderr);
  }
});

test('MITRE\'s silent failure names the transport and its version', () => {
  const f = explainAuditorFailure(uncaught('Failed after 3 retries: Silent failure - no output received'), { target, transport: mitre })!;
  assert.equal(f.kind, 'silent-failure');
  assert.match(f.explanation, /MITRE's train-k8s-container-mitre 2\.2\.0/);
  const note = silentFailureNote(['Failed after 3 retries: Silent failure - no output received'], { name: 'train-k8s-container-mitre', version: '2.1.0' });
  assert.match(note!, /train-k8s-container-mitre 2\.1\.0 treats a command that succeeds with no output as a failure/);
  assert.match(silentFailureNote(['Failed after 3 retries: Silent failure - no output received'])!, /train-k8s-container-mitre 2\.2\.0/);
  assert.equal(silentFailureNote(['expected "" to match /x/', undefined]), undefined);
});

test('an unknown failure keeps its own line', () => {
  const f = explainAuditorFailure(uncaught('undefined method `foo\' for nil', 'NoMethodError'), { target })!;
  assert.equal(f.kind, 'other');
  assert.equal(f.explanation, f.line);
});

test('MITRE\'s name check: at most one dot; Kubernetes allows more', () => {
  assert.equal(mitreNameProblem({ namespace: 'demo', pod: 'web-5d9c.x-1', container: 'app' }), undefined);
  assert.match(mitreNameProblem({ namespace: 'demo', pod: 'a.b.c', container: 'app' })!, /pod name "a\.b\.c".*at most one "\."/);
});
