import type { FleetSelection } from '../../core/fleet/targets';
import type { ExplorerNode } from '../explorer/nodes';

/** Selected tree nodes → one fleet selection (containers and pods explicitly; a workload or namespace adds its pods). */
export function selectionOf(nodes: readonly ExplorerNode[]): { context: string; selection: FleetSelection } | undefined {
  const contexts = new Set(nodes.map((n) => n.context));
  if (!nodes.length || contexts.size !== 1) return undefined;
  const context = nodes[0].context;
  if (nodes.length === 1) {
    const n = nodes[0];
    if (n.kind === 'namespace') return { context, selection: { kind: 'namespace', namespace: n.namespace } };
    if (n.kind === 'workload') return { context, selection: { kind: 'workload', namespace: n.namespace, workload: { kind: n.workloadKind, name: n.name } } };
  }
  const containers: Array<{ namespace: string; pod: string; container?: string }> = [];
  for (const n of nodes) {
    if (n.kind === 'container') containers.push({ namespace: n.namespace, pod: n.pod, container: n.name });
    else if (n.kind === 'pod') containers.push({ namespace: n.namespace, pod: n.name });
    else if (n.kind === 'workload') for (const pod of n.pods) containers.push({ namespace: n.namespace, pod: pod.name });
    else return undefined;
  }
  return containers.length ? { context, selection: { kind: 'containers', containers } } : undefined;
}
