/**
 * What the extension remembers about a scanner identity it created (never the token: that lives only in the 0600
 * kubeconfig). Plain data and decisions over it; the vscode adapter keeps the list in globalState.
 */
import type { IdentityScope } from './identity';

export interface IdentityRecord {
  readonly id: string;
  /** The user's context the identity was created with (and is renewed/removed with). */
  readonly context: string;
  readonly namespace: string;
  readonly scope: IdentityScope;
  readonly pods?: readonly string[];
  readonly debug: boolean;
  readonly server?: string;
  /** Folder holding the kubeconfig (0700), in the extension's private storage. */
  readonly dir: string;
  /** The single-context kubeconfig (0600) the scan task uses. */
  readonly kubeconfigPath: string;
  readonly tokenSeconds: number;
  readonly createdAt: string;
  /** When the current token expires (ISO). */
  readonly expiresAt: string;
}

/** True when the identity may scan this pod (its context and namespace; the pod itself for pod scope). */
export function identityCovers(r: IdentityRecord, t: { readonly context: string; readonly namespace: string; readonly pod: string }): boolean {
  if (r.context !== t.context || r.namespace !== t.namespace) return false;
  return r.scope === 'namespace' || (r.pods ?? []).includes(t.pod);
}

export function isExpired(r: Pick<IdentityRecord, 'expiresAt'>, now: number = Date.now()): boolean {
  return Date.parse(r.expiresAt) <= now;
}

/** "expires 13:05 (in 14 min)" / "expired 12:40 (3 min ago)". */
export function expiryText(r: Pick<IdentityRecord, 'expiresAt'>, now: number = Date.now()): string {
  const at = Date.parse(r.expiresAt);
  const hhmm = new Date(at).toISOString().slice(11, 16);
  const min = Math.round(Math.abs(at - now) / 60000);
  return at > now ? `expires ${hhmm} UTC (in ${min} min)` : `expired ${hhmm} UTC (${min} min ago)`;
}

/** The identity for a target: the newest one that covers it, preferring one that has not expired. */
export function identityFor(records: readonly IdentityRecord[], t: { readonly context: string; readonly namespace: string; readonly pod: string }, now: number = Date.now()): IdentityRecord | undefined {
  const covering = records.filter((r) => identityCovers(r, t)).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return covering.find((r) => !isExpired(r, now)) ?? covering[0];
}

/** The message when a scan would use an identity whose token has expired (by its recorded expiry). */
export function expiredTokenText(r: Pick<IdentityRecord, 'id' | 'expiresAt'>, now: number = Date.now()): string {
  return `The token of scanner identity ${r.id} ${expiryText(r, now)}. Nothing was started. Renew it (a new TokenRequest; the kubeconfig is rewritten) or remove the identity.`;
}
