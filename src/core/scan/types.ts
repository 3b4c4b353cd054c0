import type { ApproachKind, ContainerRef } from '../cluster/types';

/**
 * A scan approach turns "scan this container" into "run the auditor against this transport target", possibly
 * after preparing a helper (debug container, sidecar). The Kubernetes API approach is the identity mapping.
 * New approaches implement this interface; the scan service never needs to know which one it runs.
 */
export interface ApproachPlan {
  readonly kind: ApproachKind;
  /** The container the auditor's `-t k8s-container://NS/POD/CONTAINER` points at (the target, or the helper). */
  readonly transportTarget: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  /** One line for the terminal title and the run record, e.g. "debug container kc-scan-1 → app". */
  readonly description: string;
}

/** Permissions one approach needs, checked before anything is started (SelfSubjectAccessReview). */
export interface RequiredPermission {
  readonly verb: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly namespace: string;
  readonly group?: string;
}
