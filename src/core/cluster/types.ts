/**
 * Shared vocabulary of the cluster model: what the explorer computes for each container and what the scan,
 * access and authoring features consume. Plain data, no behaviour, no vscode.
 */

/** How a container can be scanned; the first word of its description in the explorer. */
export type Compatibility =
  | 'Standard' // a shell and the usual tools (cat, stat, …); Kubernetes API approach
  | 'Alpine' // Alpine / busybox ash; Kubernetes API approach
  | 'Minimal' // a shell, but tools the transport uses are missing
  | 'Distroless' // no shell: debug container or sidecar approach
  | 'Windows' // runs on a Windows node
  | 'Sandboxed' // exec refused by a security profile (AppArmor/SELinux/seccomp) or a sandboxed runtime class
  | 'Not running' // container not in state running (waiting, terminated, missing)
  | 'Forbidden'; // RBAC refuses what every approach needs

/** How the scan reaches the container's filesystem. */
export type ApproachKind = 'kubernetes-api' | 'debug-container' | 'sidecar';

export const APPROACH_LABEL: Record<ApproachKind, string> = {
  'kubernetes-api': 'Kubernetes API',
  'debug-container': 'debug container',
  sidecar: 'sidecar',
};

/** Identifies one container in one cluster context. */
export interface ContainerRef {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** What the extension knows about one container, as shown in the explorer and used to plan a scan. */
export interface ContainerClassification extends ContainerRef {
  readonly compatibility: Compatibility;
  /** Human explanation for the tooltip: why this word. */
  readonly reason: string;
  /** The approach a scan will use, or undefined when none can work. */
  readonly approach?: ApproachKind;
  /** When no approach works (or one is degraded): what is missing, in words the user can act on. */
  readonly missing?: string;
  /** `init`, `ephemeral` or the ordinary `app` container. */
  readonly role: 'app' | 'init' | 'ephemeral';
  readonly image: string;
  /** Resolved image digest from the container status (`imageID`), the probe cache key. */
  readonly imageID?: string;
  /** Probe findings, when a probe ran. */
  readonly probe?: ProbeResult;
  /** For the sidecar approach: the sibling container with a shell that shares the pod's PID namespace. */
  readonly sidecar?: string;
}

/** What one exec probe into a container found. */
export interface ProbeResult {
  readonly shell?: string; // e.g. /bin/sh
  readonly osId?: string; // os-release ID, e.g. debian, alpine
  readonly osVersion?: string;
  readonly prettyName?: string;
  /** Utilities the transport needs, with whether each exists. */
  readonly tools: Readonly<Record<string, boolean>>;
}

/**
 * The `-t` target both Kubernetes transports resolve to exactly this namespace, pod and container:
 * `k8s-container://NS/POD/CONTAINER?namespace=NS`.
 *
 * Train parses a target as an HTTP-like URI (inspec/train lib/train.rb `unpack_target_from_uri`: host, path, and the
 * query string merged into the options), so `k8s-container://NS/POD/CONTAINER` is host `NS`, path `/POD/CONTAINER`.
 * - inspec/train-k8s-container 1.3.1 (lib/train/k8s/container/connection.rb): namespace = `options[:namespace]`, else
 *   the host, else `default`; pod and container = first and last path segment.
 * - mitre/train-k8s-container 2.x (lib/train-k8s-container/connection.rb): reads the path only and ignores the host;
 *   a two-segment path is POD/CONTAINER with namespace `options[:namespace]`, else `default`.
 * Without the query MITRE's transport looks for the pod in `default`; with `namespace=NS` (read first by both) the two
 * agree. Kubernetes names (DNS-1123, checked by `validateTarget` before a scan) need no percent-encoding.
 */
export function targetUri(ref: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>): string {
  return `k8s-container://${ref.namespace}/${ref.pod}/${ref.container}?namespace=${ref.namespace}`;
}
