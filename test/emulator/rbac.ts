// Authentication (static bearer tokens + TokenRequest-issued service-account JWTs) and RBAC authorization evaluated
// from the stored Roles/ClusterRoles and their bindings, the way the real RBAC authorizer does it.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { KObject } from './contract';
import type { Store } from './store';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface Attributes {
  verb: string;
  /** resource request (false: non-resource URL such as /version) */
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  namespace: string;
  path: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface StaticToken {
  user: UserInfo;
  expiresAt?: number;
}

export class Authenticator {
  private readonly secret = randomBytes(32);
  private readonly staticTokens = new Map<string, StaticToken>();
  constructor(private readonly store: Store) {}

  addStaticToken(token: string, user: UserInfo, expiresAt?: number) {
    this.staticTokens.set(token, { user, expiresAt });
  }

  /** Issues a service-account token (a signed JWT like the real issuer's, HS256 here). */
  issueServiceAccountToken(sa: KObject, expirationSeconds: number, audiences: string[]): { token: string; expiresAt: number } {
    const now = Math.floor(this.store.now() / 1000);
    const exp = now + expirationSeconds;
    const ns = sa.metadata.namespace;
    const payload = {
      aud: audiences.length ? audiences : ['https://kubernetes.default.svc.cluster.local'],
      exp,
      iat: now,
      nbf: now,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: randomUUID(),
      sub: `system:serviceaccount:${ns}:${sa.metadata.name}`,
      'kubernetes.io': { namespace: ns, serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid } },
    };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'HS256', kid: 'emulator', typ: 'JWT' })}.${b64(payload)}`;
    const sig = createHmac('sha256', this.secret).update(unsigned).digest('base64url');
    return { token: `${unsigned}.${sig}`, expiresAt: exp * 1000 };
  }

  /** undefined → 401 Unauthorized */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!m) return undefined;
    const token = m[1];
    const st = this.staticTokens.get(token);
    if (st) return st.expiresAt !== undefined && st.expiresAt <= this.store.now() ? undefined : st.user;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const sig = createHmac('sha256', this.secret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    if (sig !== parts[2]) return undefined;
    let claims: KObject;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    } catch {
      return undefined;
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.store.now()) return undefined;
    const k = claims['kubernetes.io'];
    const sa = this.store.get('serviceaccounts', k?.namespace, k?.serviceaccount?.name);
    // The token dies with its ServiceAccount (also when the SA was re-created: the uid differs).
    if (!sa || sa.metadata.uid !== k.serviceaccount.uid) return undefined;
    return {
      username: claims.sub,
      uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] },
    };
  }
}

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    return !!rule.nonResourceURLs?.some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resOk =
    !!rule.resources &&
    rule.resources.some((r) => r === '*' || r === combined || (a.subresource && r === `*/${a.subresource}`) || (!a.subresource && r === `${a.resource}`));
  if (!resOk) return false;
  if (rule.resourceNames && rule.resourceNames.length) return !!a.name && rule.resourceNames.includes(a.name);
  return true;
}

function subjectMatches(subject: KObject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

export class Authorizer {
  constructor(private readonly store: Store) {}

  /** The rules that apply to `user` in `namespace` (cluster-wide rules plus the namespace's bindings). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    if (user.groups.includes('system:masters')) return [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];
    const rules: PolicyRule[] = [
      // system:basic-user, system:discovery and system:public-info-viewer, bound to system:authenticated
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version', '/version/', '/openapi', '/openapi/*'] },
    ];
    const roleRules = (ref: KObject, ns: string | undefined): PolicyRule[] => {
      const role = ref.kind === 'ClusterRole' ? this.store.get('clusterroles', undefined, ref.name) : this.store.get('roles', ns, ref.name);
      return role?.rules ?? [];
    };
    for (const { obj } of this.store.iterate('clusterrolebindings')) {
      if ((obj.subjects ?? []).some((s: KObject) => subjectMatches(s, user, undefined))) rules.push(...roleRules(obj.roleRef, undefined));
    }
    if (namespace) {
      for (const { obj } of this.store.iterate('rolebindings', namespace)) {
        if ((obj.subjects ?? []).some((s: KObject) => subjectMatches(s, user, namespace))) rules.push(...roleRules(obj.roleRef, namespace));
      }
    }
    return rules;
  }

  allowed(user: UserInfo, a: Attributes): boolean {
    return this.rulesFor(user, a.resourceRequest ? a.namespace || undefined : undefined).some((r) => ruleAllows(r, a));
  }

  /** The message of the real 403 Status. */
  static forbiddenMessage(user: UserInfo, a: Attributes): string {
    if (!a.resourceRequest) return `forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"`;
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const what = a.name ? `${a.resource} "${a.name}"` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    return `${what} is forbidden: User "${user.username}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup}" ${scope}`;
  }
}
