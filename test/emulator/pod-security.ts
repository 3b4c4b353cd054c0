// Pod Security admission (PSA) as the API server's PodSecurity plugin enforces it: the namespace label
// `pod-security.kubernetes.io/enforce` picks a level, and a pod (on CREATE, and on an update of
// `pods/ephemeralcontainers` that adds one) must pass every check of that level. The checks and their wording follow
// k8s.io/pod-security-admission/policy: the order is the registry's (baseline check IDs sorted, then — for restricted —
// the restricted check IDs sorted; a restricted check replaces the baseline one it overrides, as capabilities_restricted
// does capabilities_baseline), containers are visited init → regular → ephemeral,
// names and values are joined as `"a", "b"`, and one check's reason and detail read `reason (detail)`.
// Implemented: privileged, host namespaces, hostPath volumes, host ports, non-default capabilities (baseline);
// allowPrivilegeEscalation, capabilities drop ALL / add only NET_BIND_SERVICE, runAsNonRoot, runAsUser=0 and
// seccompProfile (restricted). Not: AppArmor, SELinux, procMount, sysctls, seccomp Unconfined at baseline, Windows
// hostProcess, restricted volume types, per-version policy differences (every version is evaluated like `latest`),
// exemptions.
import type { KObject } from './contract';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const joinQuote = (items: readonly string[]) => (items.length ? `"${items.join('", "')}"` : '');
const plural = (word: string, n: number) => (n === 1 ? word : `${word}s`);
/** Go's sets.NewString(...).List(): unique, sorted. */
const sortedSet = (items: Iterable<string>) => [...new Set(items)].sort();

interface Result {
  reason: string;
  detail: string;
}
type Check = (spec: KObject) => Result | undefined;

/** Every container of the spec: init, regular, ephemeral (the visitor's order). */
function containers(spec: KObject): KObject[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** `container "a" …` / `containers "a", "b" …` for the containers where `bad` holds, or undefined. */
function badContainers(spec: KObject, bad: (c: KObject) => boolean): string | undefined {
  const names = containers(spec).filter(bad).map((c) => c.name);
  return names.length ? `${plural('container', names.length)} ${joinQuote(names)}` : undefined;
}

// ---- baseline (not overlapping restricted), in the registry's order

const hostNamespaces: Check = (spec) => {
  const set = sortedSet([spec.hostNetwork === true && 'hostNetwork=true', spec.hostPID === true && 'hostPID=true', spec.hostIPC === true && 'hostIPC=true'].filter((x): x is string => !!x));
  return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
};

const hostPathVolumes: Check = (spec) => {
  const names: string[] = (spec.volumes ?? []).filter((v: KObject) => v?.hostPath).map((v: KObject) => v.name);
  return names.length ? { reason: 'hostPath volumes', detail: `${plural('volume', names.length)} ${joinQuote(names)}` } : undefined;
};

const hostPorts: Check = (spec) => {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    let found = false;
    for (const p of c.ports ?? []) {
      if (p?.hostPort) {
        found = true;
        ports.push(String(p.hostPort));
      }
    }
    if (found) bad.push(c.name);
  }
  if (!bad.length) return undefined;
  const list = sortedSet(ports);
  return { reason: 'hostPort', detail: `${plural('container', bad.length)} ${joinQuote(bad)} ${bad.length === 1 ? 'uses' : 'use'} ${plural('hostPort', list.length)} ${list.join(', ')}` };
};

const privileged: Check = (spec) => {
  const who = badContainers(spec, (c) => c.securityContext?.privileged === true);
  return who ? { reason: 'privileged', detail: `${who} must not set securityContext.privileged=true` } : undefined;
};

// ---- baseline, overlapping (replaced by capabilities_restricted at the restricted level)

const capabilitiesBaseline: Check = (spec) => {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((x: string) => !BASELINE_CAPABILITIES.has(x));
    if (extra.length) {
      bad.push(c.name);
      caps.push(...extra);
    }
  }
  return bad.length ? { reason: 'non-default capabilities', detail: `${plural('container', bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add` } : undefined;
};

// ---- restricted, in the registry's order

const allowPrivilegeEscalation: Check = (spec) => {
  const who = badContainers(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
  return who ? { reason: 'allowPrivilegeEscalation != false', detail: `${who} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
};

const capabilitiesRestricted: Check = (spec) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const cap = c.securityContext?.capabilities;
    if (!cap) {
      missingDrop.push(c.name);
      continue;
    }
    if (!(cap.drop ?? []).includes('ALL')) missingDrop.push(c.name);
    const extra = (cap.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
    if (extra.length) {
      adding.push(c.name);
      caps.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDrop.length) details.push(`${plural('container', missingDrop.length)} ${joinQuote(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${plural('container', adding.length)} ${joinQuote(adding)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`);
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
};

/** runAsNonRoot and seccompProfile share a shape: explicit bad setters first, else containers the pod does not cover. */
const runAsNonRoot: Check = (spec) => {
  const setters: string[] = [];
  const pod = spec.securityContext?.runAsNonRoot;
  if (pod === false) setters.push('pod');
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicit.push(c.name);
    else if (v === undefined || v === null) {
      if (pod !== true) implicit.push(c.name);
    }
  }
  if (explicit.length) setters.push(`${plural('container', explicit.length)} ${joinQuote(explicit)}`);
  if (setters.length) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${plural('container', implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
};

const runAsUser: Check = (spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const who = badContainers(spec, (c) => c.securityContext?.runAsUser === 0);
  if (who) setters.push(who);
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
};

const validSeccomp = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

const seccompProfileRestricted: Check = (spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = spec.securityContext?.seccompProfile;
  let podSet = false;
  if (podProfile) {
    if (!validSeccomp(podProfile.type)) {
      setters.push('pod');
      values.push(String(podProfile.type ?? ''));
    } else podSet = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validSeccomp(p.type)) {
        explicit.push(c.name);
        values.push(String(p.type ?? ''));
      }
    } else if (!podSet) implicit.push(c.name);
  }
  if (explicit.length) setters.push(`${plural('container', explicit.length)} ${joinQuote(explicit)}`);
  if (setters.length) return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}` };
  if (implicit.length) return { reason: 'seccompProfile', detail: `pod or ${plural('container', implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  return undefined;
};

// by check ID, sorted: capabilities_baseline, hostNamespaces, hostPathVolumes, hostPorts, privileged; then
// allowPrivilegeEscalation, capabilities_restricted (overrides capabilities_baseline), runAsNonRoot, runAsUser,
// seccompProfile_restricted
const BASELINE_SHARED: Check[] = [hostNamespaces, hostPathVolumes, hostPorts, privileged];
const RESTRICTED: Check[] = [allowPrivilegeEscalation, capabilitiesRestricted, runAsNonRoot, runAsUser, seccompProfileRestricted];

/**
 * The violations of `pod` (a Pod as JSON, ephemeral containers included) at `level`, each as the API server words it:
 * `reason (detail)`, e.g. `non-default capabilities (container "x" must not include "SYS_PTRACE" in securityContext.capabilities.add)`.
 * Empty: admitted.
 */
export function podSecurityViolations(pod: KObject, level: PodSecurityLevel): string[] {
  if (level === 'privileged') return [];
  const spec = pod?.spec ?? {};
  const checks = level === 'baseline' ? [capabilitiesBaseline, ...BASELINE_SHARED] : [...BASELINE_SHARED, ...RESTRICTED];
  return checks.map((c) => c(spec)).filter((r): r is Result => !!r).map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason));
}

export interface EnforcePolicy {
  level: PodSecurityLevel;
  /** `latest` or `v1.N`, as the message shows it. */
  version: string;
}

/**
 * The enforce policy of a namespace from its labels. Unlabelled: privileged. An invalid level is evaluated as
 * restricted and an invalid version as latest (the admission library fails closed on a bad level).
 */
export function enforcePolicy(namespace: KObject | undefined): EnforcePolicy {
  const labels = namespace?.metadata?.labels ?? {};
  const raw = labels[ENFORCE_LABEL];
  const level: PodSecurityLevel = raw === undefined || raw === 'privileged' ? 'privileged' : raw === 'baseline' || raw === 'restricted' ? raw : 'restricted';
  const v = labels[ENFORCE_VERSION_LABEL];
  const version = typeof v === 'string' && /^v1\.\d+$/.test(v) ? v : 'latest';
  return { level, version };
}

/** The Status message of a refused pod: `pods "NAME" is forbidden: violates PodSecurity "LEVEL:VERSION": …`. */
export function forbiddenMessage(podName: string, policy: EnforcePolicy, violations: readonly string[]): string {
  return `pods "${podName}" is forbidden: violates PodSecurity "${policy.level}:${policy.version}": ${violations.join(', ')}`;
}
