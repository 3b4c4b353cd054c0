/**
 * RBAC preflight: SelfSubjectAccessReviews for exactly what a scan needs (requirements.ts), run before anything is
 * started, and a refusal that names every missing verb, resource, namespace and pod. No vscode.
 */
import type { AccessAttributes, AccessDecision } from '../cluster/client';
import { isKubeError } from '../cluster/errors';
import type { RequiredPermission } from '../scan/types';
import { refusalText, type PermissionCheck } from './requirements';

export interface AccessReviewer {
  selfSubjectAccessReview(attrs: AccessAttributes, signal?: AbortSignal): Promise<AccessDecision>;
}

/** Refused before anything started: `missing` names what RBAC does not allow. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  constructor(
    readonly summary: string,
    readonly detail: string,
    readonly subject: string,
    readonly missing: readonly RequiredPermission[],
  ) {
    super(`${summary}\n${detail}`);
  }
}

/** The credentials were rejected (401): an expired scanner identity token, or expired user credentials. */
export class CredentialsRejectedError extends Error {
  override readonly name = 'CredentialsRejectedError';
}

/**
 * Asks the API server about every permission, in parallel. A 401 throws {@link CredentialsRejectedError}; any other
 * failure of a review leaves that permission unknown (`allowed: undefined`, the scan then goes ahead and the API
 * server has the last word).
 */
export async function reviewPermissions(reviewer: AccessReviewer, perms: readonly RequiredPermission[], signal?: AbortSignal): Promise<PermissionCheck[]> {
  return Promise.all(
    perms.map(async (permission): Promise<PermissionCheck> => {
      try {
        const d = await reviewer.selfSubjectAccessReview(
          { namespace: permission.namespace, verb: permission.verb, resource: permission.resource, subresource: permission.subresource, name: permission.name, group: permission.group },
          signal,
        );
        return { permission, allowed: d.allowed, reason: d.reason };
      } catch (err) {
        if (isKubeError(err, 'unauthorized')) throw new CredentialsRejectedError(err.message);
        if (isKubeError(err, 'cancelled')) throw err;
        return { permission, allowed: undefined, reason: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

/** Throws {@link AccessDeniedError} when any permission was refused; returns the checks otherwise. */
export async function requirePermissions(
  reviewer: AccessReviewer,
  perms: readonly RequiredPermission[],
  o: { subject: string; what: string; identity?: boolean; signal?: AbortSignal },
): Promise<PermissionCheck[]> {
  const checks = await reviewPermissions(reviewer, perms, o.signal);
  const missing = checks.filter((c) => c.allowed === false).map((c) => c.permission);
  if (missing.length) {
    const t = refusalText(o.subject, o.what, missing, { identity: o.identity });
    throw new AccessDeniedError(t.summary, t.detail, o.subject, missing);
  }
  return checks;
}
