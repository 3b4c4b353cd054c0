import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { KubeComplianceApi } from '../../src/extension';
import type { RunRecord } from '../../src/features/scan/types';
import type { ExplorerNode } from '../../src/features/explorer/explorer';

export const EXTENSION_ID = 'kube-compliance.kube-compliance';

export async function activateExtension(): Promise<KubeComplianceApi> {
  const ext = vscode.extensions.getExtension<KubeComplianceApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The first explorer node of `kind` under `parent` (the root when undefined) that `pick` accepts; fails naming what was there. */
export async function explorerChild<K extends ExplorerNode['kind']>(api: KubeComplianceApi, parent: ExplorerNode | undefined, kind: K, pick: (n: Extract<ExplorerNode, { kind: K }>) => boolean): Promise<Extract<ExplorerNode, { kind: K }>> {
  const kids = await api.explorer.provider.getChildren(parent);
  const found = kids.find((n) => n.kind === kind && pick(n as Extract<ExplorerNode, { kind: K }>));
  assert.ok(found, `no ${kind} under ${parent?.id ?? 'the root'}; got ${kids.map((k) => `${k.kind}:${k.id}`).join(', ')}`);
  return found as Extract<ExplorerNode, { kind: K }>;
}

/** The explorer's container node for demo-admin/demo/POD/CONTAINER, once classified (it carries what the Scan command uses). */
export async function demoContainerNode(api: KubeComplianceApi, pod: string, container: string): Promise<ExplorerNode> {
  const admin = await explorerChild(api, undefined, 'context', (n) => n.context === 'demo-admin');
  const demo = await explorerChild(api, admin, 'namespace', (n) => n.namespace === 'demo');
  const pods = await explorerChild(api, demo, 'group', (n) => n.workloadKind === 'Pod');
  const podNode = await explorerChild(api, pods, 'pod', (n) => n.name === pod);
  return waitFor(`container ${pod}/${container} classified`, async () => {
    const c = (await api.explorer.provider.getChildren(podNode)).find((n) => n.kind === 'container' && n.name === container);
    return c && (c as { classification?: unknown }).classification ? c : undefined;
  });
}

/** Resolves with the next run record the scan service finishes. Create it before starting the run. */
export function nextFinishedRun(api: KubeComplianceApi): Promise<RunRecord> {
  return new Promise<RunRecord>((resolve) => {
    const sub = api.scan.onDidFinishRun((r) => {
      sub.dispose();
      resolve(r);
    });
  });
}

/**
 * Answers the extension's questions instead of the user, through its Confirmations service (the one injection point;
 * the extension logs every answer given this way). `confirm`: true picks each question's first action (Create,
 * Add Helper and Scan, Apply Patch…), false cancels, undefined gives the modals back to the user. `scanChoice` answers
 * Access's "which credentials?" pick. The questions are still asked and recorded (`api.confirmations.asked`).
 */
const answers: { confirm?: boolean; scanChoice?: 'identity' | 'own' } = {};
export function answerQuestions(api: KubeComplianceApi, next: { confirm?: boolean; scanChoice?: 'identity' | 'own' }): void {
  if ('confirm' in next) answers.confirm = next.confirm;
  if ('scanChoice' in next) {
    answers.scanChoice = next.scanChoice;
    api.access.forgetCredentialAnswers();
  }
  if (answers.confirm === undefined && answers.scanChoice === undefined) {
    api.confirmations.answerWith(undefined);
    return;
  }
  api.confirmations.answerWith((q) => {
    if (q.id === 'access.scanCredentials') return answers.scanChoice;
    return answers.confirm ? q.actions[0] : undefined;
  });
}
