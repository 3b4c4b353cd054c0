/**
 * The least-privilege scanner identity: one ServiceAccount, one Role and one RoleBinding in the target namespace,
 * all labelled so that cleanup deletes exactly what was created and nothing else; a short-lived token through the
 * TokenRequest API. Pure manifest builders plus a few operations over a narrow cluster backend; no vscode.
 *
 * Rules (scan-approaches.md §6):
 * - scope `pods`: `pods` get and `pods/exec` get + create, each with `resourceNames` = the chosen pods;
 * - scope `namespace`: the same verbs without resourceNames (every pod of the namespace). The auditor's transport
 *   only reads the pod it execs into, so no list/watch: the explorer keeps using the user's own credentials;
 * - `pods/ephemeralcontainers` patch only when the user opts into the debug approach (same resourceNames);
 * - nothing else: no pods/log, no secrets, no list of anything.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/client';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kube-compliance';
export const IDENTITY_LABEL = 'kube-compliance.io/identity';

/** Lifetimes the API server accepts: at least 10 minutes (TokenRequest validation). */
export const MIN_TOKEN_SECONDS = 600;
export const DEFAULT_TOKEN_MINUTES = 15;

export type IdentityScope = 'pods' | 'namespace';

export interface IdentitySpec {
  /** Name of all three objects and the label value, e.g. `kc-scanner-3f9a1c2b`. */
  readonly id: string;
  readonly namespace: string;
  readonly scope: IdentityScope;
  /** The pods exec is allowed into (scope `pods`). */
  readonly pods?: readonly string[];
  /** Add `patch` on `pods/ephemeralcontainers` (the debug approach). */
  readonly debug?: boolean;
}

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    message: string,
    /** RBAC refused creating it (403): the user may not create RBAC objects there. */
    readonly forbidden = false,
  ) {
    super(message);
  }
}

/** A new identity name: DNS-1123, short, unguessable enough not to collide. */
export function newIdentityId(): string {
  return `kc-scanner-${randomBytes(4).toString('hex')}`;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateSpec(spec: IdentitySpec): void {
  if (!DNS1123.test(spec.id) || spec.id.length > 63) throw new IdentityError(`"${spec.id}" is not a valid object name (lower-case letters, digits and '-', at most 63 characters).`);
  if (!spec.namespace) throw new IdentityError('A scanner identity needs a namespace.');
  if (spec.scope === 'pods' && !spec.pods?.length) throw new IdentityError('A pod-scoped scanner identity needs at least one pod.');
}

export function identityLabels(id: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [IDENTITY_LABEL]: id };
}

/** Label selector of one identity's objects. */
export function identitySelector(id: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${IDENTITY_LABEL}=${id}`;
}

/** Label selector of every identity Kube Compliance created. */
export const ALL_IDENTITIES_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${IDENTITY_LABEL}`;

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The Role's rules, exactly: see the module comment. */
export function identityRules(spec: IdentitySpec): PolicyRule[] {
  const names = spec.scope === 'pods' ? { resourceNames: [...new Set(spec.pods ?? [])] } : {};
  const rules: PolicyRule[] = [
    { apiGroups: [''], resources: ['pods'], verbs: ['get'], ...names },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'], ...names },
  ];
  if (spec.debug) rules.push({ apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'], ...names });
  return rules;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

export interface IdentityManifests {
  readonly serviceAccount: Manifest;
  readonly role: Manifest;
  readonly roleBinding: Manifest;
}

export function identityManifests(spec: IdentitySpec): IdentityManifests {
  validateSpec(spec);
  const metadata = () => ({ name: spec.id, namespace: spec.namespace, labels: identityLabels(spec.id) });
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(), automountServiceAccountToken: false },
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(), rules: identityRules(spec) },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: spec.id },
      subjects: [{ kind: 'ServiceAccount', name: spec.id, namespace: spec.namespace }],
    },
  };
}

/** What the identity may do, in words (for the confirmation). */
export function describeIdentity(spec: IdentitySpec): string {
  const where = spec.scope === 'pods' ? `pod${(spec.pods?.length ?? 0) > 1 ? 's' : ''} ${(spec.pods ?? []).join(', ')}` : `every pod of namespace ${spec.namespace}`;
  const debug = spec.debug ? ', and add ephemeral debug containers (patch pods/ephemeralcontainers)' : '';
  return `ServiceAccount, Role and RoleBinding "${spec.id}" in namespace ${spec.namespace}, labelled ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} and ${IDENTITY_LABEL}=${spec.id}. It may read and exec into ${where} (get pods; get and create pods/exec)${debug} — nothing else.`;
}

/** The three objects as one multi-document YAML (for review, `kubectl apply -f`). */
export function manifestYaml(spec: IdentitySpec, o: { tokenMinutes?: number } = {}): string {
  const m = identityManifests(spec);
  const minutes = o.tokenMinutes ?? DEFAULT_TOKEN_MINUTES;
  const header = [
    `# Kube Compliance scanner identity ${spec.id} — least privilege for scanning ${spec.scope === 'pods' ? (spec.pods ?? []).join(', ') : `namespace ${spec.namespace}`}.`,
    '# Review, then apply:   kubectl apply -f <this file>',
    `# Short-lived token:    kubectl create token ${spec.id} -n ${spec.namespace} --duration=${minutes}m`,
    `# Remove afterwards:    kubectl delete rolebinding,role,serviceaccount -n ${spec.namespace} -l ${identitySelector(spec.id)}`,
  ].join('\n');
  const docs = [m.serviceAccount, m.role, m.roleBinding].map((d) => stringify(d, { lineWidth: 0 }).trimEnd());
  return `${header}\n---\n${docs.join('\n---\n')}\n`;
}

// ------------------------------------------------------------------------------------------- cluster operations

export type IdentityKind = 'ServiceAccount' | 'Role' | 'RoleBinding';

/** The few calls the identity needs (ClusterClient through {@link identityBackend}; a fake in unit tests). */
export interface IdentityBackend {
  create(kind: IdentityKind, namespace: string, body: Manifest): Promise<void>;
  /** Names of the objects of `kind` that match the label selector. */
  list(kind: IdentityKind, namespace: string, labelSelector: string): Promise<Array<{ name: string; labels: Record<string, string> }>>;
  delete(kind: IdentityKind, namespace: string, name: string): Promise<void>;
  /** TokenRequest (`serviceaccounts/<sa>/token`). */
  requestToken(namespace: string, serviceAccount: string, expirationSeconds: number): Promise<{ token: string; expiresAt: Date }>;
}

export function identityBackend(client: ClusterClient): IdentityBackend {
  const labelsOf = (items: Array<{ metadata?: { name?: string; labels?: Record<string, string> } }>) => items.map((i) => ({ name: i.metadata?.name ?? '', labels: i.metadata?.labels ?? {} }));
  return {
    async create(kind, namespace, body) {
      if (kind === 'ServiceAccount') await client.core.createNamespacedServiceAccount({ namespace, body: body as V1ServiceAccount });
      else if (kind === 'Role') await client.rbac.createNamespacedRole({ namespace, body: body as V1Role });
      else await client.rbac.createNamespacedRoleBinding({ namespace, body: body as V1RoleBinding });
    },
    async list(kind, namespace, labelSelector) {
      if (kind === 'ServiceAccount') return labelsOf((await client.core.listNamespacedServiceAccount({ namespace, labelSelector })).items);
      if (kind === 'Role') return labelsOf((await client.rbac.listNamespacedRole({ namespace, labelSelector })).items);
      return labelsOf((await client.rbac.listNamespacedRoleBinding({ namespace, labelSelector })).items);
    },
    async delete(kind, namespace, name) {
      if (kind === 'ServiceAccount') await client.core.deleteNamespacedServiceAccount({ namespace, name });
      else if (kind === 'Role') await client.rbac.deleteNamespacedRole({ namespace, name });
      else await client.rbac.deleteNamespacedRoleBinding({ namespace, name });
    },
    async requestToken(namespace, name, expirationSeconds) {
      const tr = await client.core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds } } });
      const token = tr.status?.token;
      if (!token) throw new IdentityError(`The API server answered the TokenRequest for ${namespace}/${name} without a token.`);
      const exp = tr.status?.expirationTimestamp;
      const expiresAt = exp ? new Date(exp) : new Date(Date.now() + expirationSeconds * 1000);
      return { token, expiresAt };
    },
  };
}

const ORDER: IdentityKind[] = ['ServiceAccount', 'Role', 'RoleBinding'];

/**
 * Creates the three objects. Nothing is left half-way: when one fails, the ones created before it are deleted again
 * and the error says what failed.
 */
export async function createIdentity(backend: IdentityBackend, spec: IdentitySpec): Promise<IdentityManifests> {
  const m = identityManifests(spec);
  const bodies: Record<IdentityKind, Manifest> = { ServiceAccount: m.serviceAccount, Role: m.role, RoleBinding: m.roleBinding };
  const created: IdentityKind[] = [];
  for (const kind of ORDER) {
    try {
      await backend.create(kind, spec.namespace, bodies[kind]);
      created.push(kind);
    } catch (err) {
      const undo: string[] = [];
      for (const k of created.reverse()) {
        try {
          await backend.delete(k, spec.namespace, spec.id);
        } catch (e) {
          undo.push(`${k} ${spec.id} could not be deleted again (${e instanceof Error ? e.message : String(e)})`);
        }
      }
      const msg = err instanceof Error ? err.message : String(err);
      const rolled = created.length ? (undo.length ? ` ${undo.join('; ')}.` : ` The ${created.join(' and ')} created before it ${created.length > 1 ? 'were' : 'was'} deleted again.`) : '';
      const forbidden = (err as { code?: number }).code === 403;
      const hint = forbidden ? ' Your credentials may not create RBAC objects here: export the RBAC manifest for a cluster admin to apply, or use a context that may.' : '';
      throw new IdentityError(`Could not create the ${kind} ${spec.namespace}/${spec.id}: ${msg.replace(/\.$/, '')}.${rolled}${hint}`, forbidden);
    }
  }
  return m;
}

/** Token lifetime in seconds from minutes, refusing what the API server refuses. */
export function tokenSeconds(minutes: number, minSeconds = MIN_TOKEN_SECONDS): number {
  const s = Math.round(minutes * 60);
  if (!Number.isFinite(s) || s < minSeconds) throw new IdentityError(`A token must live at least ${minSeconds >= 60 ? `${minSeconds / 60} minutes` : `${minSeconds} seconds`} (the API server refuses shorter ones).`);
  if (s > 24 * 3600) throw new IdentityError('Choose a token lifetime of at most 24 hours: the identity is meant to be short-lived.');
  return s;
}

export interface RemovalResult {
  /** `Kind name` of every object deleted. */
  readonly deleted: string[];
  /** Objects that carried the identity label but not ours (managed-by) and were left alone. */
  readonly skipped: string[];
}

/**
 * Deletes the identity's objects — only those that carry BOTH labels (managed-by kube-compliance and this identity),
 * whatever their names. The binding goes first so the rights end at once. Missing objects are fine.
 */
export async function removeIdentity(backend: IdentityBackend, namespace: string, id: string): Promise<RemovalResult> {
  const deleted: string[] = [];
  const skipped: string[] = [];
  for (const kind of [...ORDER].reverse()) {
    const items = await backend.list(kind, namespace, identitySelector(id));
    for (const it of items) {
      // the server filtered by the selector already; check again, never delete what is not ours
      if (it.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || it.labels[IDENTITY_LABEL] !== id) {
        skipped.push(`${kind} ${it.name}`);
        continue;
      }
      try {
        await backend.delete(kind, namespace, it.name);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
      deleted.push(`${kind} ${it.name}`);
    }
  }
  return { deleted, skipped };
}

/** Identities Kube Compliance created in a namespace (from the labelled ServiceAccounts). */
export async function findIdentities(backend: IdentityBackend, namespace: string): Promise<string[]> {
  const sas = await backend.list('ServiceAccount', namespace, ALL_IDENTITIES_SELECTOR);
  return sas.filter((s) => s.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && s.labels[IDENTITY_LABEL]).map((s) => s.labels[IDENTITY_LABEL]);
}
