/**
 * The Clusters tree's nodes: a discriminated union, one canonical instance per id so refreshes can target them.
 * Commands receive these as their first argument; src/platform/commandArgs.ts is the one parser of them.
 */
import type * as vscode from 'vscode';
import type { ContextInfo } from '../../core/cluster/client';
import type { KubeError } from '../../core/cluster/errors';
import type { ContainerSummary, PodSummary, WorkloadKind } from '../../core/cluster/model';
import type { ContainerClassification } from '../../core/cluster/types';


interface Base {
  readonly id: string;
  readonly context: string;
}
export interface ContextNode extends Base {
  readonly kind: 'context';
  info: ContextInfo;
}
export interface MessageNode extends Base {
  readonly kind: 'message';
  label: string;
  description?: string;
  tooltip?: string;
  severity: 'error' | 'warning' | 'info';
  command?: vscode.Command;
  error?: KubeError;
}
export interface NamespaceNode extends Base {
  readonly kind: 'namespace';
  readonly namespace: string;
  favourite: boolean;
}
export interface GroupNode extends Base {
  readonly kind: 'group';
  readonly namespace: string;
  readonly workloadKind: WorkloadKind;
  count: number;
}
export interface WorkloadNode extends Base {
  readonly kind: 'workload';
  readonly namespace: string;
  readonly workloadKind: WorkloadKind;
  readonly name: string;
  status: string;
  pods: PodSummary[];
}
export interface PodNode extends Base {
  readonly kind: 'pod';
  readonly namespace: string;
  readonly name: string;
  summary: PodSummary;
}
export interface ContainerNode extends Base {
  readonly kind: 'container';
  readonly namespace: string;
  readonly pod: string;
  readonly name: string;
  summary: ContainerSummary;
  /** Read by `kubeCompliance.scan` (SCAN): the classification of this container. */
  classification: ContainerClassification;
}
export type ExplorerNode = ContextNode | MessageNode | NamespaceNode | GroupNode | WorkloadNode | PodNode | ContainerNode;
