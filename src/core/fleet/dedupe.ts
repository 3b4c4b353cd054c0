/**
 * Deduplication: which containers one auditor run stands for. The key is (running image digest, profile content hash,
 * inputs hash). Mode `image` runs one scan per key and gives its result to every other container of the key ("scanned
 * as NS/POD/CONTAINER") — right for image-intrinsic profiles (packages, file contents, configuration baked into the
 * image). Mode `none` scans every container — right when runtime state differs between pods of one image. Pure.
 *
 * The digest is what the node reports running. For a multi-platform image the reported digest may be the image
 * index's, shared by every architecture: nodes of different architectures running one index are deduplicated
 * together (the explorer does not read node architectures).
 */
import type { ApproachKind } from '../cluster/types';
import type { FleetTarget } from './targets';

export type DedupeMode = 'image' | 'none';

// (targets.ts's isScannableTarget, inlined: this module imports only types, so the index reader stays small)
const isScannableTarget = (t: FleetTarget): boolean => t.approach !== undefined;
export const DEDUPE_MODES: readonly DedupeMode[] = ['image', 'none'];

/** One auditor run: the container actually scanned and the containers that receive its result. */
export interface ScanUnit {
  readonly key: string;
  readonly primary: FleetTarget;
  /** Empty in mode `none`. */
  readonly followers: readonly FleetTarget[];
}

export interface FleetPlan {
  readonly mode: DedupeMode;
  readonly profileHash: string;
  readonly inputsHash: string;
  /** In the order the keys first appear among the targets. */
  readonly units: readonly ScanUnit[];
  /** Targets no approach can scan, each with its reason (outcome `skipped` in the index). */
  readonly unscannable: readonly FleetTarget[];
  /** Scannable containers (primaries + followers). */
  readonly containers: number;
  /** Auditor runs (= units). */
  readonly scans: number;
  /** Distinct running digests among the scannable containers (a container without a digest counts as its own). */
  readonly digests: number;
  /** containers / scans (1 when nothing is scanned): how many containers each auditor run covers on average. */
  readonly ratio: number;
}

/** `NS/POD/CONTAINER`: how a follower's result names the container that was scanned. */
export function scannedAs(t: Pick<FleetTarget, 'namespace' | 'pod' | 'container'>): string {
  return `${t.namespace}/${t.pod}/${t.container}`;
}

/** The image part of the key: the running digest, or the container itself when its status gives none (never merged). */
export function imageKey(t: FleetTarget): string {
  return t.imageDigest ?? `container:${t.context}/${scannedAs(t)}`;
}

/** The deduplication key: (running image digest, profile content hash, inputs hash). */
export function dedupeKey(t: FleetTarget, profileHash: string, inputsHash: string): string {
  return `${imageKey(t)}|${profileHash}|${inputsHash}`;
}

/** containers / scans, rounded to two decimals; 1 when nothing is scanned. */
export function dedupeRatio(containers: number, scans: number): number {
  return scans === 0 ? 1 : Math.round((100 * containers) / scans) / 100;
}

/** Which container of a key is scanned: one that needs no change to its pod first (Kubernetes API, then sidecar, then debug container). */
const APPROACH_PREFERENCE: readonly ApproachKind[] = ['kubernetes-api', 'sidecar', 'debug-container'];

export function planFleet(targets: readonly FleetTarget[], o: { readonly mode: DedupeMode; readonly profileHash: string; readonly inputsHash: string }): FleetPlan {
  if (!DEDUPE_MODES.includes(o.mode)) throw new Error(`Unknown dedupe mode "${String(o.mode)}": use ${DEDUPE_MODES.join(' or ')}.`);
  const scannable = targets.filter(isScannableTarget);
  const groups = new Map<string, FleetTarget[]>();
  for (const t of scannable) {
    const key = o.mode === 'image' ? dedupeKey(t, o.profileHash, o.inputsHash) : `${t.context}/${scannedAs(t)}|${o.profileHash}|${o.inputsHash}`;
    const g = groups.get(key) ?? [];
    groups.set(key, g);
    g.push(t);
  }
  const units: ScanUnit[] = [];
  for (const [key, g] of groups) {
    const rank = (t: FleetTarget) => APPROACH_PREFERENCE.indexOf(t.approach!);
    const primary = g.reduce((best, t) => (rank(t) < rank(best) ? t : best));
    units.push({ key, primary, followers: g.filter((t) => t !== primary) });
  }
  return {
    mode: o.mode,
    profileHash: o.profileHash,
    inputsHash: o.inputsHash,
    units,
    unscannable: targets.filter((t) => !isScannableTarget(t)),
    containers: scannable.length,
    scans: units.length,
    digests: new Set(scannable.map(imageKey)).size,
    ratio: dedupeRatio(scannable.length, units.length),
  };
}

/**
 * The pods the run will change (a debug container added, the sidecar's wrapper installed) — what the one consent
 * question lists. Only primaries count: with deduplication a follower's pod is never touched.
 */
export function podsToChange(plan: FleetPlan): Array<{ readonly namespace: string; readonly pod: string; readonly approach: ApproachKind; readonly containers: readonly string[] }> {
  const byPod = new Map<string, { namespace: string; pod: string; approach: ApproachKind; containers: string[] }>();
  for (const u of plan.units) {
    const t = u.primary;
    if (t.approach === 'kubernetes-api' || !t.approach) continue;
    const k = `${t.namespace}/${t.pod}/${t.approach}`;
    const e = byPod.get(k) ?? { namespace: t.namespace, pod: t.pod, approach: t.approach, containers: [] };
    byPod.set(k, e);
    e.containers.push(t.container);
  }
  return [...byPod.values()];
}
