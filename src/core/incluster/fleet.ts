/**
 * The in-cluster runner in a fleet run (issue 16 §1, §4): the profile made ready for Jobs once (profileDelivery), one
 * `scanOne` per run that turns each scan unit into a Job (runner.ts) and writes its verified report where the fleet
 * index expects it, and the Helm-free YAML export of every unit's objects for those who apply them themselves.
 * The concurrency limit is the fleet scheduler's (at most `concurrency` Jobs exist at once, like Trivy Operator's
 * OPERATOR_CONCURRENT_SCAN_JOBS_LIMIT).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { stringify } from 'yaml';
import { mitreNameProblem } from '../scan/auditorFailure';
import { isUrlProfile } from '../scan/argv';
import type { FleetPlan } from '../fleet/dedupe';
import type { RunOneResult } from '../fleet/scheduler';
import type { FleetTarget } from '../fleet/targets';
import { archiveFolder } from './archive';
import { buildScanObjects, creationOrder, type ProfileDelivery, type ScanUnitSpec } from './manifests';
import { runInClusterUnit, type InClusterApi } from './runner';

export const RUNNERS = ['local', 'in-cluster'] as const;
export type RunnerKind = (typeof RUNNERS)[number];

/** Approaches the in-cluster runner cannot take: they change pods through the user's own rights, from the workstation. */
export const IN_CLUSTER_UNSUPPORTED = 'Skipped: the in-cluster runner scans containers that have a shell; scan shell-less containers (debug container / sidecar) with the local runner';

export interface InClusterSettings {
  readonly auditorImage: string;
  readonly scannerNamespace?: string;
  readonly activeDeadlineSeconds?: number;
  readonly ttlSecondsAfterFinished?: number;
  readonly auditorCommand?: string;
}

export class InClusterSetupError extends Error {
  override readonly name = 'InClusterSetupError';
}

/** A run id: 10 lowercase characters, unique enough for the labels of one cluster. */
export function newRunId(): string {
  return randomBytes(8).toString('hex').slice(0, 10);
}

/** The profile as Jobs get it: a folder archived, an archive as it is, a URL passed on. */
export function profileDelivery(profile: string, cwd: string): ProfileDelivery {
  if (isUrlProfile(profile)) return { kind: 'url', url: profile };
  const path = resolve(cwd, profile);
  if (!existsSync(path)) throw new InClusterSetupError(`the profile ${profile} does not exist`);
  if (statSync(path).isDirectory()) return { kind: 'archive', fileName: 'profile.tar.gz', data: archiveFolder(path) };
  const name = basename(path).toLowerCase();
  const ext = name.endsWith('.tar.gz') ? '.tar.gz' : name.endsWith('.tgz') ? '.tgz' : name.endsWith('.zip') ? '.zip' : undefined;
  if (!ext) throw new InClusterSetupError(`the profile ${profile} is a file but not a .tar.gz, .tgz or .zip archive`);
  return { kind: 'archive', fileName: `profile${ext}`, data: readFileSync(path) };
}

export interface InClusterRunOptions extends InClusterSettings {
  readonly api: InClusterApi;
  readonly runId: string;
  readonly profile: ProfileDelivery;
  readonly inputFile?: string;
  readonly waiverFile?: string;
  readonly enhancedOutcomes?: boolean;
  readonly pollMs?: number;
}

export function unitSpec(o: Omit<InClusterRunOptions, 'api'>, t: Pick<FleetTarget, 'namespace' | 'pod' | 'container'>, index: number): ScanUnitSpec {
  return {
    runId: o.runId,
    index,
    target: { namespace: t.namespace, pod: t.pod, container: t.container },
    scannerNamespace: o.scannerNamespace,
    auditorImage: o.auditorImage,
    auditorCommand: o.auditorCommand,
    profile: o.profile,
    inputFile: o.inputFile !== undefined ? { text: readFileSync(o.inputFile, 'utf8') } : undefined,
    waiverFile: o.waiverFile !== undefined ? { text: readFileSync(o.waiverFile, 'utf8') } : undefined,
    enhancedOutcomes: o.enhancedOutcomes,
    activeDeadlineSeconds: o.activeDeadlineSeconds,
    ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
  };
}

/** The fleet run's `scanOne` for the in-cluster runner: one Job per scan unit, the verified report written at `reportPath`. */
export function inClusterScanOne(o: InClusterRunOptions): (t: FleetTarget, reportPath: string, signal: AbortSignal) => Promise<RunOneResult> {
  let next = 0;
  return async (t, reportPath, signal) => {
    if (t.approach === 'debug-container' || t.approach === 'sidecar') return { outcome: 'skipped', message: IN_CLUSTER_UNSUPPORTED };
    // the image runs MITRE's transport: the names it refuses are refused here, before a Job is made
    const refused = mitreNameProblem(t);
    if (refused) return { outcome: 'failed', message: refused };
    const r = await runInClusterUnit(o.api, unitSpec(o, t, next++), { signal, pollMs: o.pollMs });
    if (r.outcome !== 'done' || !r.report) return { outcome: 'failed', message: r.message };
    try {
      JSON.parse(r.report.toString('utf8'));
    } catch {
      return { outcome: 'failed', message: 'The verified report from the scan Job is not JSON: the auditor image did not write an HDF/InSpec JSON report.' };
    }
    writeFileSync(reportPath, r.report);
    return { outcome: 'done', reportPath, message: r.message };
  };
}

/**
 * Every scan unit's objects as one YAML stream (`---` between documents), for applying with kubectl or a GitOps tool
 * instead of letting Kube Compliance run them. Read the report from each Job's pod log and the seal from its
 * termination message (README "In-cluster runner"); the objects are not deleted for you.
 */
export function exportManifests(o: Omit<InClusterRunOptions, 'api'>, plan: FleetPlan): string {
  const docs: string[] = [
    `# Kube Compliance in-cluster scan, run ${o.runId}: ${plan.units.length} Job(s). Apply with: kubectl apply -f THIS-FILE\n` +
      `# Each Job prints its report (gzip+base64 between markers) to its log and "kube-compliance-hdf/v1 sha256=… bytes=…" to its termination message.\n` +
      `# Delete everything afterwards: kubectl delete job,configmap,serviceaccount,role,rolebinding -A -l kube-compliance.io/run=${o.runId}\n`,
  ];
  plan.units.forEach((u, i) => {
    if (u.primary.approach === 'debug-container' || u.primary.approach === 'sidecar') return;
    for (const obj of creationOrder(buildScanObjects(unitSpec(o, u.primary, i)))) docs.push(stringify(obj, { lineWidth: 0 }));
  });
  return docs.join('---\n');
}
