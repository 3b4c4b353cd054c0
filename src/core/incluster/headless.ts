/**
 * `kube-compliance scan --runner in-cluster` (src/core/fleet/headless.ts runs the fleet): the profile made ready for
 * Jobs, then either the Helm-free YAML export (nothing is run) or the fleet run's `scanOne` with one Job per unit.
 * Every unit's objects are checked (names, the 1 MiB ConfigMap) and the scanner namespace is looked up before the
 * first Job is made. What stops the run before it starts is an `InClusterSetupError` (the CLI's exit 3).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClusterClient } from '../cluster/client';
import { KubeError } from '../cluster/errors';
import type { FleetPlan } from '../fleet/dedupe';
import type { RunOneResult } from '../fleet/scheduler';
import type { FleetTarget } from '../fleet/targets';
import { exportManifests, inClusterScanOne, InClusterSetupError, newRunId, profileDelivery } from './fleet';
import { ManifestError } from './manifests';

export interface InClusterCliOptions {
  readonly profile: string;
  readonly inputFile?: string;
  readonly waiverFile?: string;
  readonly auditorImage?: string;
  readonly scannerNamespace?: string;
  readonly deadlineSeconds?: number;
  readonly ttlSeconds?: number;
  /** Write the objects' YAML here (`-`: `out`) instead of running them. */
  readonly exportManifests?: string;
}

export interface InClusterCliContext {
  readonly plan: FleetPlan;
  readonly cwd: string;
  readonly client: ClusterClient;
  readonly context: string;
  readonly signal?: AbortSignal;
  /** stdout (the YAML with `--export-manifests -`). */
  out(s: string): void;
  /** A progress line on stderr. */
  err(s: string): void;
}

export type InClusterCliPrepared =
  | { readonly kind: 'exported' }
  | { readonly kind: 'run'; readonly runId: string; readonly scanOne: (t: FleetTarget, reportPath: string, signal: AbortSignal) => Promise<RunOneResult> };

export async function prepareInClusterCli(o: InClusterCliOptions, c: InClusterCliContext): Promise<InClusterCliPrepared> {
  let delivery;
  try {
    delivery = profileDelivery(o.profile, c.cwd);
  } catch (e) {
    throw new InClusterSetupError(e instanceof Error ? e.message : String(e));
  }
  const settings = {
    runId: newRunId(),
    profile: delivery,
    auditorImage: o.auditorImage ?? '',
    scannerNamespace: o.scannerNamespace,
    activeDeadlineSeconds: o.deadlineSeconds,
    ttlSecondsAfterFinished: o.ttlSeconds,
    inputFile: o.inputFile ? resolve(c.cwd, o.inputFile) : undefined,
    waiverFile: o.waiverFile ? resolve(c.cwd, o.waiverFile) : undefined,
  };
  try {
    if (o.exportManifests) {
      const yaml = exportManifests(settings, c.plan);
      if (o.exportManifests === '-') c.out(yaml);
      else writeFileSync(resolve(c.cwd, o.exportManifests), yaml, { mode: 0o644 });
      c.err(`wrote the objects of ${c.plan.units.length} scan Job(s) (run ${settings.runId})${o.exportManifests === '-' ? '' : ` to ${resolve(c.cwd, o.exportManifests)}`}; nothing was run`);
      return { kind: 'exported' };
    }
    // every unit's objects are checked (names, the 1 MiB ConfigMap) before the first Job is made
    exportManifests(settings, c.plan);
  } catch (e) {
    if (e instanceof ManifestError) throw new InClusterSetupError(e.message);
    throw e;
  }
  if (o.scannerNamespace) {
    try {
      await c.client.request('GET', `/api/v1/namespaces/${encodeURIComponent(o.scannerNamespace)}`, { signal: c.signal });
    } catch (e) {
      if (e instanceof KubeError && e.kind === 'not-found') throw new InClusterSetupError(`--scanner-namespace ${o.scannerNamespace} does not exist in context ${c.context}: create it (kubectl create namespace ${o.scannerNamespace}) or leave the flag out to run each Job in its target's namespace`);
      if (!(e instanceof KubeError && e.kind === 'forbidden')) throw e;
    }
  }
  c.err(`in-cluster run ${settings.runId}: its objects carry the label kube-compliance.io/run=${settings.runId}`);
  return { kind: 'run', runId: settings.runId, scanOne: inClusterScanOne({ ...settings, api: c.client }) };
}
