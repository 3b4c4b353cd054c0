/**
 * VS Code side of Access (issue 8): the RBAC preflight before every scan (registered with the scan service), the
 * least-privilege scanner identity (create, export as YAML, renew its token, remove), and scanning as that identity
 * (`kubeCompliance.scan.useScannerIdentity`). The decisions live in src/core/access; this module is the UI around them.
 * Tokens and kubeconfig contents never reach the log, a notification or a command line: the token goes from the
 * TokenRequest answer straight into the 0600 kubeconfig in the extension's private storage.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import type { Scope } from '../../platform/commandArgs';
import { setContext } from '../../platform/commands';
import { ReadOnlyDocuments } from '../../platform/readOnlyDocuments';
import { STATE } from '../../platform/state';
import type { Platform } from '../../services';
import {
  AccessDeniedError,
  CredentialsRejectedError,
  DEFAULT_TOKEN_MINUTES,
  IdentityError,
  clusterEntry,
  createIdentity,
  describeIdentity,
  expiredTokenText,
  expiryText,
  identityBackend,
  identityFor,
  identityKubeconfigYaml,
  isExpired,
  manifestYaml,
  newIdentityId,
  removeIdentity,
  removeIdentityKubeconfig,
  requiredPermissions,
  requirePermissions,
  tokenSeconds,
  writeIdentityKubeconfig,
  type IdentityRecord,
  type IdentitySpec,
  type RemovalResult,
} from '../../core/access';
import { ClusterClient, loadKubeconfig } from '../../core/cluster/client';
import type { ClusterPool } from '../../core/cluster/pool';
import { APPROACH_LABEL, type ContainerClassification, type ContainerRef } from '../../core/cluster/types';
import type { ApproachPlan } from '../../core/scan/types';
import { kubeconfigFiles } from '../../core/kubeconfigFiles';
import { redact } from '../../core/redact';
import { minimiseKubeconfig } from '../../core/scan/kubeconfig';
import { ScanSetupError } from '../scan/auditorService';
import { ScanCancelledError, type ScanService } from '../scan/scanService';
import { refKey, refLabel } from '../scan/types';

const DOC_SCHEME = 'kube-compliance-access';

/** A scan refused by the RBAC preflight before anything started (quiet for the Scan command: already notified). */
export class ScanAccessError extends ScanSetupError {
  constructor(
    message: string,
    readonly refusal?: AccessDeniedError,
  ) {
    super(message);
  }
}

export interface CreateIdentityOptions {
  /** Token lifetime; default: asked (15 minutes preselected). */
  readonly lifetimeMinutes?: number;
  /** Also allow the debug approach (patch pods/ephemeralcontainers); default: asked when the container needs it. */
  readonly debug?: boolean;
}

/**
 * Access: the RBAC preflight before every scan (registered with the scan service), the least-privilege scanner
 * identity (create, export as YAML, renew its token, remove), and scanning as that identity
 * (`kubeCompliance.scan.useScannerIdentity`). The decisions live in src/core/access; this is the UI around them.
 * Tokens and kubeconfig contents never reach the log, a notification or a command line: the token goes from the
 * TokenRequest answer straight into the 0600 kubeconfig in the extension's private storage.
 */
export class AccessService extends Disposable {
  private readonly docs: ReadOnlyDocuments;
  private refusal: AccessDeniedError | undefined;
  private error: Error | undefined;
  /** Titles of the confirmations this feature asked, newest last. */
  private readonly titles: string[] = [];
  /** `ask` answers, per identity, for this window. */
  private readonly answers = new Map<string, 'identity' | 'own'>();
  /** Scans in flight that run as an identity: target key → identity id (to offer cleanup when they end). */
  private readonly runningAs = new Map<string, string>();

  constructor(
    private readonly p: Platform,
    private readonly scan: ScanService,
    private readonly pool: ClusterPool,
  ) {
    super();
    this.docs = new ReadOnlyDocuments(DOC_SCHEME).register(p.extension);
    void setContext('kubeCompliance.hasScannerIdentity', this.identities().length > 0);
    this.register(scan.registerCredentials((s, token) => this.chooseCredentials(s, token)));
    this.register(scan.registerPreflight((s, token) => this.preflight(s, token)));
    this.register(scan.onDidFinishRun((run) => this.offerCleanup(run.target)));
  }

  /** Confirmations asked so far (their titles), newest last. */
  get questions(): readonly string[] {
    return this.titles;
  }
  /** The last preflight refusal (for tests and the "Export RBAC Manifest" action). */
  get lastRefusal(): AccessDeniedError | undefined {
    return this.refusal;
  }
  /** The last error shown by this feature instead of thrown (e.g. creating an identity was forbidden). */
  get lastError(): Error | undefined {
    return this.error;
  }

  /** The scanner identities this extension created and has not removed. */
  identities(): IdentityRecord[] {
    return this.p.state.get(STATE.identities, []);
  }

  private async saveRecords(list: IdentityRecord[]): Promise<void> {
    await this.p.state.update(STATE.identities, list);
    await setContext('kubeCompliance.hasScannerIdentity', list.length > 0);
  }

  private find(id: string): IdentityRecord | undefined {
    return this.identities().find((r) => r.id === id);
  }

  contextName(c?: string): string {
    return c || this.pool.kubeconfig.currentContext || '';
  }

  private storageDir(id: string): string {
    return join(this.p.extension.globalStorageUri.fsPath, 'access', id);
  }

  // ------------------------------------------------------------------------------------------- shared questions

  private async askLifetime(): Promise<number | undefined> {
    const items = [10, 15, 30, 60, 120].map((m) => ({ label: `${m} minutes`, minutes: m, description: m === DEFAULT_TOKEN_MINUTES ? 'default' : undefined }));
    const qp = vscode.window.createQuickPick<(typeof items)[number]>();
    qp.title = 'Scanner identity: token lifetime';
    qp.placeholder = 'How long may the token be used? It cannot be revoked before it expires, except by removing the identity.';
    qp.items = items;
    qp.activeItems = items.filter((i) => i.minutes === DEFAULT_TOKEN_MINUTES);
    qp.ignoreFocusOut = true;
    return new Promise((resolve) => {
      qp.onDidAccept(() => {
        resolve(qp.selectedItems[0]?.minutes);
        qp.hide();
      });
      qp.onDidHide(() => {
        resolve(undefined);
        qp.dispose();
      });
      qp.show();
    });
  }

  /** Whether the identity may also add debug containers (asked only when the container needs them). */
  async askDebug(s: Scope): Promise<boolean | undefined> {
    if (s.approach !== 'debug-container') return false;
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Exec only', description: 'get pods; get and create pods/exec', debug: false },
        { label: 'Exec and debug containers', description: '+ patch pods/ephemeralcontainers (the debug approach adds a helper to the pod)', debug: true },
      ],
      { title: `${s.pod}/${s.container} has no shell: may the identity also add debug containers?`, ignoreFocusOut: true },
    );
    return pick?.debug;
  }

  specFor(s: Scope, debug: boolean, id = newIdentityId()): IdentitySpec {
    return s.pod ? { id, namespace: s.namespace, scope: 'pods', pods: [s.pod], debug } : { id, namespace: s.namespace, scope: 'namespace', debug };
  }

  // ------------------------------------------------------------------------------------------- create / renew / remove

  /** TokenRequest, then the kubeconfig is (re)written; the token itself is never kept anywhere else. */
  private async issueToken(client: ClusterClient, rec: Omit<IdentityRecord, 'expiresAt' | 'kubeconfigPath'>): Promise<IdentityRecord> {
    const { token, expiresAt } = await identityBackend(client).requestToken(rec.namespace, rec.id, rec.tokenSeconds);
    const cluster = clusterEntry(minimiseKubeconfig(kubeconfigFiles(this.p.config.kubeconfigPath()), rec.context).yaml);
    const kubeconfigPath = writeIdentityKubeconfig(rec.dir, identityKubeconfigYaml(cluster, rec.id, rec.namespace, token));
    return { ...rec, kubeconfigPath, expiresAt: expiresAt.toISOString() };
  }

  private async confirm(id: string, title: string, detail: string, action: string): Promise<boolean> {
    this.titles.push(title);
    return this.p.confirmations.confirm({ id, title, detail, action });
  }

  /** Creates the identity for a scope (asked: lifetime, debug, confirmation); undefined when declined or refused. */
  async createIdentity(s: Scope | undefined, o: CreateIdentityOptions = {}): Promise<IdentityRecord | undefined> {
    const { log } = this.p;
    if (!s) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Create Scanner Identity" on a container, pod or namespace in the Clusters view.');
      return undefined;
    }
    const minutes = o.lifetimeMinutes ?? (await this.askLifetime());
    if (minutes === undefined) return undefined;
    const seconds = tokenSeconds(minutes);
    const debug = o.debug ?? (await this.askDebug(s));
    if (debug === undefined) return undefined;
    const ctxName = this.contextName(s.context);
    const spec = this.specFor(s, debug);
    const yaml = manifestYaml(spec, { tokenMinutes: minutes });
    const uri = this.docs.put(`${spec.id}.yaml`, `# NOT CREATED YET — Kube Compliance will create these objects with context ${ctxName} when you confirm.\n${yaml}`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    const where = s.pod ? `pod ${s.namespace}/${s.pod}` : `namespace ${s.namespace}`;
    const ok = await this.confirm(
      'access.createIdentity',
      `Create a scanner identity for ${where}?`,
      `${describeIdentity(spec)}\n\nThen a token valid for ${minutes} minutes is requested (TokenRequest) and written to a private kubeconfig (mode 0600) in the extension's storage. Created with your context ${ctxName}. The objects are shown in the editor.`,
      'Create Identity',
    );
    if (!ok) {
      log.info(`access: creating ${spec.id} for ${where} declined; nothing was created`);
      return undefined;
    }
    const client = this.pool.client(s.context);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: creating scanner identity ${spec.id}` }, async (progress) => {
      const backend = identityBackend(client);
      progress.report({ message: 'ServiceAccount, Role, RoleBinding…' });
      try {
        await createIdentity(backend, spec);
      } catch (err) {
        if (!(err instanceof IdentityError) || !err.forbidden) throw err;
        log.warn(`access: ${err.message}`);
        void vscode.window.showErrorMessage(`Kube Compliance: ${err.message}`, 'Export RBAC Manifest').then((c) => {
          if (c) void this.exportManifest(s, { debug: spec.debug, lifetimeMinutes: minutes });
        });
        this.error = err;
        return undefined;
      }
      log.info(`access: created ServiceAccount, Role and RoleBinding ${spec.namespace}/${spec.id} (${spec.scope === 'pods' ? `pods ${spec.pods?.join(', ')}` : 'whole namespace'}${spec.debug ? ', debug' : ''}) with context ${ctxName}`);
      const base = { id: spec.id, context: ctxName, namespace: spec.namespace, scope: spec.scope, pods: spec.pods, debug: !!spec.debug, server: client.server, dir: this.storageDir(spec.id), tokenSeconds: seconds, createdAt: new Date().toISOString() };
      let rec: IdentityRecord;
      try {
        progress.report({ message: 'requesting a short-lived token…' });
        rec = await this.issueToken(client, base);
      } catch (err) {
        // nothing half-way: without a token the identity is of no use
        await removeIdentity(backend, spec.namespace, spec.id).catch(() => undefined);
        removeIdentityKubeconfig(base.dir);
        throw new Error(`The token for scanner identity ${spec.id} could not be issued, so the identity was removed again: ${err instanceof Error ? err.message : String(err)}`);
      }
      await this.saveRecords([...this.identities().filter((r) => r.id !== rec.id), rec]);
      log.info(`access: ${rec.id} token ${expiryText(rec)}; kubeconfig written (0600) to the extension's storage`);
      const mode = this.p.config.get('scan.useScannerIdentity');
      void vscode.window.showInformationMessage(
        `Kube Compliance: scanner identity ${rec.id} created for ${where}; its token ${expiryText(rec)}. ${mode === 'never' ? 'Scans use your own credentials (kubeCompliance.scan.useScannerIdentity is "never").' : mode === 'always' ? 'Scans of it now run as this identity.' : 'You are asked at each scan whether to use it.'}`,
      );
      return rec;
    });
  }

  /** The identity's objects as YAML in an editor (for users who apply RBAC themselves). */
  async exportManifest(s: Scope | undefined, o?: CreateIdentityOptions): Promise<string | undefined> {
    if (!s) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Export RBAC Manifest" on a container, pod or namespace in the Clusters view.');
      return undefined;
    }
    const debug = o?.debug ?? (await this.askDebug(s));
    if (debug === undefined) return undefined;
    const yaml = manifestYaml(this.specFor(s, debug), { tokenMinutes: o?.lifetimeMinutes });
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: yaml });
    await vscode.window.showTextDocument(doc, { preview: false });
    return yaml;
  }

  async renewToken(id: string): Promise<IdentityRecord> {
    const rec = this.find(id);
    if (!rec) throw new Error(`There is no scanner identity ${id} (it was removed).`);
    const next = await this.issueToken(this.pool.client(rec.context), rec);
    await this.saveRecords(this.identities().map((r) => (r.id === id ? next : r)));
    this.p.log.info(`access: renewed the token of ${id}; it ${expiryText(next)}`);
    return next;
  }

  async removeIdentity(id: string): Promise<RemovalResult> {
    const { log } = this.p;
    const rec = this.find(id);
    if (!rec) throw new Error(`There is no scanner identity ${id}.`);
    removeIdentityKubeconfig(rec.dir); // the credentials go first, whatever the cluster says
    let result: RemovalResult;
    try {
      result = await removeIdentity(identityBackend(this.pool.client(rec.context)), rec.namespace, rec.id);
    } catch (err) {
      log.error(`access: removing ${id} from ${rec.namespace}: ${err instanceof Error ? err.message : String(err)}`);
      throw new Error(`The kubeconfig of scanner identity ${id} was deleted, but its objects in ${rec.namespace} could not be removed: ${err instanceof Error ? err.message : String(err)}. Run "Remove Scanner Identity" again when the cluster is reachable.`);
    }
    await this.saveRecords(this.identities().filter((r) => r.id !== id));
    this.answers.delete(id);
    log.info(`access: removed ${result.deleted.join(', ') || 'nothing (already gone)'} from ${rec.namespace} and the kubeconfig of ${id}`);
    return result;
  }

  /** The identity a command means: its id, the only one for the scope, or the user's pick. */
  async pickIdentity(arg: unknown, s: Scope | undefined): Promise<IdentityRecord | undefined> {
    if (typeof arg === 'string') return this.find(arg);
    const list = this.identities().filter((r) => !s || (r.namespace === s.namespace && r.context === this.contextName(s.context) && (!s.pod || r.scope === 'namespace' || (r.pods ?? []).includes(s.pod))));
    if (list.length === 1 && s) return list[0];
    if (!list.length) {
      void vscode.window.showInformationMessage(`Kube Compliance: there is no scanner identity${s ? ` for ${s.pod ? `${s.namespace}/${s.pod}` : s.namespace}` : ''}.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      list.map((r) => ({ label: r.id, description: `${r.context} · ${r.scope === 'pods' ? `${r.namespace}/${(r.pods ?? []).join(', ')}` : `namespace ${r.namespace}`}`, detail: expiryText(r), r })),
      { title: 'Scanner identity' },
    );
    return pick?.r;
  }

  // ------------------------------------------------------------------------------------------- scan integration

  private offerRenewal(rec: IdentityRecord, text: string): void {
    void vscode.window.showWarningMessage(`Kube Compliance: ${text}`, 'Renew Token', 'Remove Scanner Identity').then(async (c) => {
      try {
        if (c === 'Renew Token') {
          const r = await this.renewToken(rec.id);
          void vscode.window.showInformationMessage(`Kube Compliance: the token of ${rec.id} was renewed; it ${expiryText(r)}. Scan again.`);
        } else if (c === 'Remove Scanner Identity') await this.removeIdentity(rec.id);
      } catch (err) {
        void vscode.window.showErrorMessage(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }

  private offerNextSteps(refusal: AccessDeniedError, target: ContainerRef): void {
    void vscode.window.showErrorMessage(`Kube Compliance: ${refusal.summary}`, { detail: refusal.detail }, 'Create Scanner Identity', 'Export RBAC Manifest', 'Use Another Context').then(async (c) => {
      try {
        const scope: Scope = { context: target.context, namespace: target.namespace, pod: target.pod, container: target.container };
        if (c === 'Create Scanner Identity') await this.createIdentity(scope);
        else if (c === 'Export RBAC Manifest') await this.exportManifest(scope);
        else if (c === 'Use Another Context') {
          const others = this.pool.contexts().filter((x) => x.name !== target.context);
          const pick = await vscode.window.showQuickPick(
            others.map((x) => ({ label: x.name, description: x.namespace })),
            { title: `Scan ${refLabel(target)} with another context` },
          );
          if (pick) {
            const next = { ...target, context: pick.label };
            const approach = 'compatibility' in next ? await this.scan.planFor(next as ContainerClassification) : undefined;
            await this.scan.run({ target: next, approach });
          }
        }
      } catch (err) {
        if (err instanceof ScanSetupError || err instanceof ScanCancelledError) this.p.log.info(err.message);
        else void vscode.window.showErrorMessage(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }

  private async chooseCredentials({ target, plan }: { readonly target: ContainerRef; readonly plan: ApproachPlan }, _token: vscode.CancellationToken): Promise<string | undefined> {
    const mode = this.p.config.get('scan.useScannerIdentity');
    if (mode === 'never') return undefined;
    const t = plan.transportTarget;
    const rec = identityFor(
      this.identities().filter((r) => existsSync(r.kubeconfigPath)),
      { context: this.contextName(target.context), namespace: t.namespace, pod: t.pod },
    );
    if (!rec) return undefined;
    if (mode === 'ask') {
      let answer = this.answers.get(rec.id);
      if (!answer) {
        const pick = await this.p.confirmations.pick(
          { id: 'access.scanCredentials', title: `Scan ${refLabel(target)}: which credentials? (asked once per identity in this window; setting kubeCompliance.scan.useScannerIdentity)` },
          [
            { label: `$(shield) Scan as scanner identity ${rec.id}`, description: expiryText(rec), answer: 'identity' as const },
            { label: `$(account) Scan with my own credentials`, description: `context ${this.contextName(target.context)}`, answer: 'own' as const },
          ],
        );
        if (!pick) throw new ScanCancelledError('No credentials were chosen, so nothing was scanned.');
        answer = pick.answer;
        this.answers.set(rec.id, answer);
      }
      if (answer === 'own') return undefined;
    }
    this.p.log.info(`access: scanning ${refLabel(target)} as scanner identity ${rec.id} (${expiryText(rec)})`);
    return rec.kubeconfigPath;
  }

  /** Forgets the per-window "which credentials?" answers (the next scan asks again). */
  forgetCredentialAnswers(): void {
    this.answers.clear();
  }

  private async preflight({ target, plan, kubeconfigPath }: { readonly target: ContainerRef; readonly plan: ApproachPlan; readonly kubeconfigPath?: string }, token: vscode.CancellationToken): Promise<void> {
    const { log } = this.p;
    const t = plan.transportTarget;
    const what = `the ${APPROACH_LABEL[plan.kind]} scan of ${refLabel(target)}${plan.kind === 'kubernetes-api' ? '' : ` (through ${plan.description})`}`;
    const rec = kubeconfigPath ? this.identities().find((r) => r.kubeconfigPath === kubeconfigPath) : undefined;
    if (!kubeconfigPath && plan.kind !== 'kubernetes-api') {
      // the debug/sidecar planner has just checked exactly these permissions (same rules, same credentials)
      log.info(`access: ${what}: permissions were checked by the ${APPROACH_LABEL[plan.kind]} preflight`);
      return;
    }
    if (rec && isExpired(rec)) {
      const text = expiredTokenText(rec);
      this.offerRenewal(rec, text);
      throw new ScanAccessError(text);
    }
    let client: ClusterClient;
    let subject: string;
    let own = false;
    if (kubeconfigPath) {
      const load = loadKubeconfig([kubeconfigPath]);
      client = ClusterClient.forContext(load);
      subject = rec ? `scanner identity ${rec.id}` : `context ${client.contextName} of ${kubeconfigPath}`;
    } else {
      client = this.pool.client(target.context || undefined);
      subject = client.contextName;
      own = true;
    }
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    // a helper approach already added its helper: the identity only execs into it
    const perms = requiredPermissions(plan.kind, { namespace: t.namespace, pod: t.pod }, { needPatch: false });
    const t0 = Date.now();
    try {
      await requirePermissions(client, perms, { subject, what, identity: !!rec, signal: ac.signal });
      log.info(`access: ${subject} may ${perms.map((p) => `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}`).join(', ')} on ${t.namespace}/${t.pod} (${perms.length} SelfSubjectAccessReviews, ${Date.now() - t0} ms)`);
      if (rec) this.runningAs.set(refKey(target), rec.id);
    } catch (err) {
      if (err instanceof AccessDeniedError) {
        this.refusal = err;
        log.warn(`access: refused before the scan started: ${err.message}`);
        this.offerNextSteps(err, { ...target, context: this.contextName(target.context) });
        throw new ScanAccessError(err.message, err);
      }
      if (err instanceof CredentialsRejectedError) {
        if (rec) {
          const text = `The API server rejected the token of scanner identity ${rec.id} (401: expired or its ServiceAccount was deleted). Nothing was started.`;
          this.offerRenewal(rec, text);
          throw new ScanAccessError(text);
        }
        throw new ScanAccessError(`The API server rejected the credentials of ${subject} (401). Log in again or refresh them, then scan. Nothing was started. ${redact(err.message)}`);
      }
      throw err;
    } finally {
      sub.dispose();
      if (!own) client.dispose();
    }
  }

  private offerCleanup(target: ContainerRef): void {
    const id = this.runningAs.get(refKey(target));
    if (!id) return;
    this.runningAs.delete(refKey(target));
    const rec = this.find(id);
    if (!rec) return;
    void vscode.window.showInformationMessage(`Kube Compliance: ${refLabel(target)} was scanned as scanner identity ${id} (its token ${expiryText(rec)}). Remove the identity when you are done.`, 'Remove Scanner Identity', 'Keep').then(async (c) => {
      if (c !== 'Remove Scanner Identity') return;
      try {
        const r = await this.removeIdentity(id);
        void vscode.window.showInformationMessage(`Kube Compliance: removed ${r.deleted.join(', ') || 'scanner identity'} and its kubeconfig.`);
      } catch (err) {
        void vscode.window.showErrorMessage(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}
