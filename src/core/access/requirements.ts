/**
 * What each scan approach needs from RBAC — the one place that says it (the shell-less preflight and the scan
 * preflight both ask here) — and how a refusal is put in words. Facts: ../shared/docs/scan-approaches.md §5, §6:
 * - every approach reads the pod (`get pods`) and runs commands through exec; client-node and kubectl ≥1.30 exec
 *   over WebSocket, whose upgrade is an HTTP GET that RBAC authorises as `get`, and API servers ≥1.35 also check
 *   `create` — so `pods/exec` needs BOTH `get` and `create`;
 * - the debug approach adds an ephemeral helper: `patch` on `pods/ephemeralcontainers` (only when a helper is added);
 * - the sidecar approach execs into a sibling container of the same pod: the same exec rights on that pod.
 * Pure functions; no I/O, no vscode.
 */
import type { ApproachKind } from '../cluster/types';
import type { RequiredPermission } from '../scan/types';

export interface RequirementOptions {
  /** Debug approach: a new helper must be added (false when a running helper is reused). Default true. */
  readonly needPatch?: boolean;
}

/** The permissions one approach needs on one pod, in the order they are checked. */
export function requiredPermissions(approach: ApproachKind, target: { readonly namespace: string; readonly pod: string }, o: RequirementOptions = {}): RequiredPermission[] {
  const { namespace, pod } = target;
  const perms: RequiredPermission[] = [
    { verb: 'get', resource: 'pods', namespace, name: pod },
    { verb: 'get', resource: 'pods', subresource: 'exec', namespace, name: pod },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace, name: pod },
  ];
  if (approach === 'debug-container' && o.needPatch !== false) perms.push({ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace, name: pod });
  return perms;
}

/** `pods/exec`, `pods`. */
export function resourceLabel(p: Pick<RequiredPermission, 'resource' | 'subresource' | 'group'>): string {
  const r = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}`;
  return p.group ? `${r}.${p.group}` : r;
}

/** "create pods/exec on pod standard-app in namespace demo". */
export function describePermission(p: RequiredPermission): string {
  const object = p.name ? ` on ${p.resource === 'pods' ? 'pod' : p.resource} ${p.name}` : '';
  return `${p.verb} ${resourceLabel(p)}${object} in namespace ${p.namespace}`;
}

/** One decision of a SelfSubjectAccessReview; `allowed: undefined` = could not be checked. */
export interface PermissionCheck {
  readonly permission: RequiredPermission;
  readonly allowed: boolean | undefined;
  /** The authorizer's reason, when it gave one. */
  readonly reason?: string;
}

/** "demo-readonly may not create pods/exec on pod standard-app in namespace demo" — one line per refused permission. */
export function refusalLines(subject: string, missing: readonly RequiredPermission[]): string[] {
  return missing.map((p) => `${subject} may not ${describePermission(p)}`);
}

export interface RefusalText {
  /** First line: who, what scan, what is missing (complete on its own for a notification). */
  readonly summary: string;
  /** Every missing permission, then why, then what to do. */
  readonly detail: string;
}

/**
 * The words of a refused preflight. `subject` is whoever asked (a context name or a scanner identity), `what` the
 * scan in words (e.g. "the Kubernetes API scan of demo/standard-app/app").
 */
export function refusalText(subject: string, what: string, missing: readonly RequiredPermission[], o: { identity?: boolean } = {}): RefusalText {
  const lines = refusalLines(subject, missing);
  const summary = `${lines.join('; ')} — needed for ${what}. Nothing was started.`;
  const why: string[] = [];
  if (missing.some((p) => p.subresource === 'exec')) why.push('Exec over WebSocket needs both get and create on pods/exec (API servers from 1.35 check create as well).');
  if (missing.some((p) => p.subresource === 'ephemeralcontainers')) why.push('The debug approach adds a helper with patch on pods/ephemeralcontainers.');
  const next = o.identity
    ? 'Next step: create a new scanner identity that covers this pod (Create Scanner Identity), or scan with your own credentials.'
    : 'Next step: create a least-privilege scanner identity (Create Scanner Identity) if you may create RBAC objects in this namespace; otherwise export the RBAC manifest (Export RBAC Manifest) for a cluster admin to apply, or use another context that has these rights.';
  return { summary, detail: [...lines.map((l) => `• ${l}`), ...why, next].join('\n') };
}
