import type { ContainerRef } from '../cluster/types';

/**
 * Turns what a failed `cinc-auditor`/`inspec exec` printed on stderr into one sentence a user can act on.
 *
 * What the auditor prints when it fails (InSpec lib/inspec/cli.rb `exec`): ArgumentError, RuntimeError and
 * Train::UserError are printed as their message alone (exit 1); any other exception (Train::TransportError and the
 * transports' own errors) is re-raised by `pretty_handle_exception` and Ruby prints it as an uncaught exception:
 *   /opt/…/retry_handler.rb:29:in 'with_retry': Failed after 3 retries: … (Train::TransportError)
 *   \tfrom /opt/…/kubectl_exec_client.rb:40:in 'execute'
 *   …
 *   \tfrom /opt/inspec/bin/inspec:11:in '<main>'
 * Around that come logger lines (Ruby Logger `W, [2026-…] WARN -- : …`, InSpec's `[2026-…] WARN: …`) and Ruby
 * warnings. The line that explains the failure is the exception's message, never a `from` frame or a log line.
 */

/** A transport plugin as `plugin list` shows it. */
export interface TransportInfo {
  readonly name: string;
  readonly version?: string;
}

export interface AuditorFailureContext {
  /** The container the user asked to scan (for "not found" messages: which namespace was asked). */
  readonly target: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  /** The container the auditor's transport was pointed at (the helper, for debug-container/sidecar scans). */
  readonly transportTarget?: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  /** The transport plugin `plugin list` showed, e.g. train-k8s-container-mitre 2.2.0. */
  readonly transport?: TransportInfo;
}

export type AuditorFailureKind =
  | 'pod-not-found'
  | 'container-not-found'
  | 'namespace-not-found'
  | 'kubectl-missing'
  | 'forbidden'
  | 'unauthorized'
  | 'unreachable'
  | 'silent-failure'
  | 'invalid-name'
  | 'transport-missing'
  | 'no-shell'
  | 'other';

export interface AuditorFailure {
  readonly kind: AuditorFailureKind;
  /** The meaningful line itself: the exception message (with its class when Ruby printed one). */
  readonly line: string;
  /** One or two sentences: what went wrong and what to do. */
  readonly explanation: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;
/** `\tfrom FILE:LINE:in 'METHOD'` (Ruby ≥ 3.4 quotes) or `` from FILE:LINE:in `METHOD' `` (older Ruby). */
const FRAME = /^\s*from\s+\S.*:\d+:in\s/;
/** A bare backtrace line, `FILE:LINE:in 'METHOD'` with nothing after it. */
const BARE_FRAME = /^\s*\S+:\d+:in\s+['`][^']*'\s*$/;
/** Ruby Logger's default format (`W, [2026-12-05T19:00:00.123456 #42]  WARN -- : …`) and InSpec's (`[2026-…] WARN: …`). */
const LOGGER = /^\s*(?:[DIWEFA], \[[^\]]*\]\s+(?:DEBUG|INFO|WARN|ERROR|FATAL|ANY) -- |\[\d{4}-\d\d-\d\dT[^\]]*\]\s+(?:DEBUG|INFO|WARN)\b)/;
/** Ruby and gem warnings (`…/foo.rb:12: warning: …`), and InSpec's own `WARN:` notices. */
const NOISE = /(?::\d+: warning: )|^\s*(?:WARN(?:ING)?:|DEPRECATION:|Deprecation)/;
/** The first line of an uncaught exception: `FILE:LINE:in 'METHOD': MESSAGE (CLASS)`; the class may close a later line. */
const UNCAUGHT = /^\s*\S+:\d+:in\s+['`][^']*':\s(.*)$/;
/** The same header when the frame has no method label (`FILE:LINE: MESSAGE (CLASS)`), seen from code run outside a method. */
const UNCAUGHT_NO_LABEL = /^\s*\S+\.rb:\d+:\s(.*\(\w+(?:::\w+)*\))\s*$/;

/** The stderr line that explains a failure, or undefined when there is nothing but noise. */
export function meaningfulStderrLine(stderr: string): string | undefined {
  const lines = stderr.replace(ANSI, '').replace(/\r\n?/g, '\n').split('\n');
  // 1. Ruby's uncaught-exception header: the message sits after `in 'METHOD': `; the class closes it, maybe on a later line.
  for (let i = 0; i < lines.length; i++) {
    const m = UNCAUGHT.exec(lines[i]) ?? (NOISE.test(lines[i]) ? null : UNCAUGHT_NO_LABEL.exec(lines[i]));
    if (!m || FRAME.test(lines[i])) continue;
    const message = [m[1]];
    for (let j = i + 1; j < lines.length && !FRAME.test(lines[j]) && !/\(\w+(?:::\w+)*\)\s*$/.test(message[message.length - 1]); j++) {
      if (lines[j].trim()) message.push(lines[j].trim());
    }
    return clip(message.join(' ').trim());
  }
  // 2. Otherwise the last line that is neither a frame, a log line, a warning nor blank.
  const kept = lines.filter((l) => l.trim() && !FRAME.test(l) && !BARE_FRAME.test(l) && !LOGGER.test(l) && !NOISE.test(l));
  return kept.length ? clip(kept[kept.length - 1].trim()) : undefined;
}

function clip(s: string): string {
  return s.length > 400 ? `${s.slice(0, 399)}…` : s;
}

const SILENT = /Silent failure - no output received/;

/** The transport's name and version in words, e.g. "MITRE's train-k8s-container-mitre 2.2.0". */
export function transportLabel(t?: TransportInfo): string {
  if (!t) return "MITRE's train-k8s-container-mitre";
  const who = t.name === 'train-k8s-container-mitre' ? "MITRE's " : t.name === 'train-k8s-container' ? "inspec's " : '';
  return `${who}${t.name}${t.version ? ` ${t.version}` : ''}`;
}

/**
 * MITRE's train-k8s-container-mitre (lib/train-k8s-container/kubectl_exec_client.rb `validate_result`) raises
 * "Silent failure - no output received" for a command that exits 0 with empty stdout and stderr (unless it starts
 * with true/false/touch/mkdir/rm/sleep), retries it 3 times and gives up with Train::TransportError "Failed after 3
 * retries: …". Inside a control that is an exception, so the control shows as Profile Error although the command
 * worked (e.g. a `find` that finds nothing). The note says so; undefined when no result carries that message.
 */
export function silentFailureNote(texts: readonly (string | undefined)[], transport?: TransportInfo): string | undefined {
  if (!texts.some((t) => t && SILENT.test(t))) return undefined;
  const who = transport?.name === 'train-k8s-container-mitre' || !transport ? transportLabel(transport ?? { name: 'train-k8s-container-mitre', version: '2.2.0' }) : transportLabel(transport);
  return (
    `Profile Error from the transport, not from the control: ${who} treats a command that succeeds with no output as a failure ` +
    `("Silent failure - no output received", retried 3 times), e.g. a find that finds nothing. ` +
    `Make the command print something in every case (e.g. pipe it to wc -l and compare the count), or scan with inspec's train-k8s-container.`
  );
}

// Kubernetes names as MITRE's transport checks them (lib/train-k8s-container/kubernetes_name_validator.rb): lowercase
// alphanumerics and '-', with AT MOST ONE '.'-separated second part — stricter than Kubernetes' own DNS-1123 subdomain.
const MITRE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/;

/**
 * Why MITRE's transport would refuse this target before running anything (its validator raises ArgumentError
 * "Invalid pod name '…': must be RFC 1123 DNS subdomain …"), or undefined when it accepts it.
 */
export function mitreNameProblem(t: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>): string | undefined {
  for (const [kind, name] of [['namespace', t.namespace], ['pod', t.pod], ['container', t.container]] as const) {
    if (name.length > 253 || !MITRE_NAME.test(name)) {
      return `MITRE's train-k8s-container-mitre refuses the ${kind} name "${name}": its name check (KubernetesNameValidator) allows at most one "." in a name, which Kubernetes does not require. Scan it with inspec's train-k8s-container, or rename the ${kind}.`;
    }
  }
  return undefined;
}

/** What the auditor's failure means, from its stderr. Undefined when stderr holds nothing but noise. */
export function explainAuditorFailure(stderr: string, ctx: AuditorFailureContext): AuditorFailure | undefined {
  const line = meaningfulStderrLine(stderr);
  if (!line) return undefined;
  const t = ctx.transportTarget ?? ctx.target;
  const where = `namespace "${t.namespace}"`;
  let m: RegExpExecArray | null;
  const say = (kind: AuditorFailureKind, explanation: string): AuditorFailure => ({ kind, line, explanation });

  if (SILENT.test(line)) {
    return say(
      'silent-failure',
      `${transportLabel(ctx.transport)} gave up on a command that succeeded with no output ("Silent failure", after 3 retries) before any control ran — usually its connection probe. Check that kubectl exec into ${t.pod}/${t.container} prints output (kubectl exec -n ${t.namespace} ${t.pod} -c ${t.container} -- sh -c 'echo ok').`,
    );
  }
  if ((m = /Invalid (pod|namespace|container) name '([^']*)'/.exec(line))) {
    return say('invalid-name', `${transportLabel(ctx.transport)} refused the ${m[1]} name "${m[2]}": its name check allows lowercase letters, digits, '-' and at most one '.'. Scan it with inspec's train-k8s-container, or rename the ${m[1]}.`);
  }
  if (/kubectl not found|No such file or directory\b.*\bkubectl\b|\bkubectl: (?:command )?not found/i.test(line)) {
    return say('kubectl-missing', 'The transport could not run kubectl: install kubectl (https://kubernetes.io/docs/tasks/tools/) and make sure it is on the PATH VS Code was started with.');
  }
  if (/Can't find train plugin k8s-container/i.test(line)) {
    return say('transport-missing', "The auditor has no k8s-container transport: install MITRE's plugin with \"cinc-auditor plugin install train-k8s-container-mitre\" (Kube Compliance: Show Auditor Install Steps).");
  }
  if ((m = /namespaces? "([^"]+)" not found/.exec(line))) {
    return say('namespace-not-found', `The namespace "${m[1]}" does not exist on this cluster (was it deleted?). Refresh the explorer and pick the container again.`);
  }
  if ((m = /pods? "([^"]+)" not found/.exec(line))) {
    const asked = m[1];
    return say(
      'pod-not-found',
      asked === t.pod
        ? `The pod "${asked}" was not found in ${where}, which is where the scan asked for it: the pod (or that namespace) was deleted or replaced after you chose it. Refresh the explorer and scan the pod that runs now.`
        : `The transport asked for a pod "${asked}", but the scan named "${t.pod}" in ${where}: the auditor's transport read the target differently (check the transport and its version in Kube Compliance: Show Auditor Install Steps).`,
    );
  }
  if ((m = /container not found \("([^"]+)"\)|container ([\w.-]+) is not valid for pod|container "([^"]+)" in pod "[^"]*" is (?:waiting to start|not available)|container ([\w.-]+) is in CONTAINER_EXITED state/.exec(line))) {
    const name = m[1] ?? m[2] ?? m[3] ?? m[4];
    return say('container-not-found', `The container "${name}" of pod ${t.pod} (${where}) is not running or does not exist any more (restarted, crashed or removed). Refresh the explorer and try again once it runs.`);
  }
  if (/\(Forbidden\)|is forbidden|\bforbidden\b/i.test(line)) {
    const res = /cannot (\w+) resource "([^"]+)"/.exec(line);
    return say(
      'forbidden',
      `The cluster refused the scan's request${res ? ` (you may not ${res[1]} ${res[2]})` : ''} in ${where}. Run Kube Compliance: Check Access on the container to see what is missing, or scan as a scanner identity.`,
    );
  }
  if (/Unauthorized|You must be logged in/i.test(line)) {
    return say('unauthorized', 'The API server did not accept the credentials in the kubeconfig (expired token or certificate?). Log in again (or renew the scanner identity\'s token) and retry.');
  }
  if (/Unable to connect to the server|connection refused|i\/o timeout|no such host|error dialing backend/i.test(line)) {
    return say('unreachable', `The transport could not reach the cluster (${line.replace(/^.*?(Unable to connect|connection refused|i\/o timeout|no such host|error dialing backend)/i, '$1')}). Check the VPN/proxy and that kubectl get pods -n ${t.namespace} works.`);
  }
  if (/no shell|ShellNotAvailable|executable file not found|exec: "\/bin\/sh"/i.test(line)) {
    return say('no-shell', `The container ${t.pod}/${t.container} has no shell for the transport to use. Scan it through Kube Compliance's helper (debug container or sidecar): choose Scan in the explorer, which picks that approach for shell-less containers.`);
  }
  return say('other', line);
}
