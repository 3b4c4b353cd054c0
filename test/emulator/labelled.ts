// For tests of the in-cluster runner (integration and host tiers): every object of the kinds a scan unit creates
// (Job, its Pod, ConfigMap, ServiceAccount, Role, RoleBinding) that carries a label selector, as `Kind/name`, so a
// test can say "nothing was left". The kinds are listed here, not taken from the product, so the check stays
// independent of the code it checks.
import type { ClusterClient } from '../../src/core/cluster/client';

const KINDS: ReadonlyArray<readonly [string, string]> = [
  ['/apis/batch/v1/namespaces/NS/jobs', 'Job'],
  ['/api/v1/namespaces/NS/pods', 'Pod'],
  ['/api/v1/namespaces/NS/configmaps', 'ConfigMap'],
  ['/api/v1/namespaces/NS/serviceaccounts', 'ServiceAccount'],
  ['/apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles', 'Role'],
  ['/apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings', 'RoleBinding'],
];

export async function labelledObjects(client: ClusterClient, namespace: string, labelSelector: string): Promise<string[]> {
  const left: string[] = [];
  for (const [path, kind] of KINDS) {
    const r = await client.list<{ metadata: { name: string } }>(path.replace('NS', namespace), { query: { labelSelector } });
    left.push(...r.items.map((i) => `${kind}/${i.metadata.name}`));
  }
  return left;
}
