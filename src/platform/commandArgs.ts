/**
 * The one parser of command arguments. Commands are invoked from the Clusters tree (an ExplorerNode), from the
 * Scan runs view (a run item), from other commands and tests (plain objects of the same shape), or from the command
 * palette (nothing). Every feature reads its argument here, so a renamed field of a tree node is a compile error in
 * one file instead of a silent `undefined` in several.
 */
import type { ApproachKind, ContainerClassification, ContainerRef } from '../core/cluster/types';
import type { ExplorerNode } from '../features/explorer/nodes';

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => !!v && typeof v === 'object';
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function asNode(arg: unknown): ExplorerNode | undefined {
  if (!isObject(arg) || typeof arg.kind !== 'string' || typeof arg.id !== 'string' || typeof arg.context !== 'string') return undefined;
  return ['context', 'message', 'namespace', 'group', 'workload', 'pod', 'container'].includes(arg.kind) ? (arg as unknown as ExplorerNode) : undefined;
}

function isClassification(v: unknown): v is ContainerClassification {
  return isObject(v) && ['namespace', 'pod', 'container'].every((k) => typeof v[k] === 'string');
}

/**
 * A container: a container node (its classification), a ContainerClassification, or a plain ContainerRef.
 * The context defaults to '' (the explorer's context).
 */
export function containerArg(arg: unknown): ContainerClassification | ContainerRef | undefined {
  const node = asNode(arg);
  if (node) return node.kind === 'container' ? node.classification : undefined;
  const inner = isObject(arg) && isClassification(arg.classification) ? arg.classification : arg;
  if (!isClassification(inner)) return undefined;
  return { ...inner, context: str(inner.context) ?? '' };
}

/** A container that has been classified (what pinning an authoring target needs). */
export function classifiedContainerArg(arg: unknown): ContainerClassification | undefined {
  // a plain reference pins as well; what it lacks (approach, compatibility) is checked by the caller
  return containerArg(arg) as ContainerClassification | undefined;
}

/** Where an access command was invoked: a container or pod (pod scope) or a namespace (namespace scope). */
export interface Scope {
  readonly context?: string;
  readonly namespace: string;
  readonly pod?: string;
  readonly container?: string;
  readonly approach?: ApproachKind;
}

export function scopeArg(arg: unknown): Scope | undefined {
  const node = asNode(arg);
  const context = (isObject(arg) && str(arg.context)) || undefined;
  if (node) {
    switch (node.kind) {
      case 'container': {
        const c = node.classification;
        return { context: c.context || context, namespace: c.namespace, pod: c.pod, container: c.container, approach: c.approach };
      }
      case 'pod':
        return { context, namespace: node.namespace, pod: node.name };
      case 'namespace':
      case 'group':
      case 'workload':
        return { context, namespace: node.namespace };
      default:
        return undefined;
    }
  }
  if (!isObject(arg)) return undefined;
  if (isClassification(arg.classification)) {
    const c = arg.classification as ContainerClassification;
    return { context: c.context || context, namespace: c.namespace, pod: c.pod, container: c.container, approach: c.approach };
  }
  const namespace = str(arg.namespace);
  if (!namespace) return undefined;
  const pod = str(arg.pod);
  if (pod) return { context, namespace, pod, container: str(arg.container), approach: str(arg.approach) as ApproachKind | undefined };
  return { context, namespace };
}

/** A workload (or a bare pod, kind "Pod") as Add Scanner Sidecar takes it. */
export interface WorkloadArg {
  readonly context?: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
}

export function workloadArg(arg: unknown): WorkloadArg | undefined {
  const node = asNode(arg);
  if (node) {
    if (node.kind === 'pod') return { context: node.context || undefined, namespace: node.namespace, kind: 'Pod', name: node.name };
    if (node.kind === 'workload') return { context: node.context || undefined, namespace: node.namespace, kind: node.workloadKind, name: node.name };
    return undefined;
  }
  if (!isObject(arg)) return undefined;
  const namespace = str(arg.namespace);
  const name = str(arg.name);
  const kind = str(arg.workloadKind) ?? str(arg.kind);
  if (!namespace || !name || !kind) return undefined;
  return { context: str(arg.context) || undefined, namespace, kind: kind === 'pod' ? 'Pod' : kind, name };
}

/** A run of the Scan runs view: its id, a run item (`{ run: { id } }`) or a record (`{ id }`). */
export function runIdArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!isObject(arg)) return undefined;
  if (isObject(arg.run) && typeof arg.run.id === 'string') return arg.run.id;
  return str(arg.id);
}

/** An explorer node, for commands that only make sense on one (Refresh, Use Context, Show YAML…). */
export function nodeArg(arg: unknown): ExplorerNode | undefined {
  return asNode(arg);
}
