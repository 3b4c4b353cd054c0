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
import { ReadOnlyDocuments } from '../../platform/readOnlyDocuments';
import { registerCommand, setContext, type CommandContext } from '../../platform/commands';
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
import { APPROACH_LABEL, type ApproachKind, type ContainerClassification, type ContainerRef } from '../../core/cluster/types';
import { kubeconfigFiles } from '../../core/kubeconfigFiles';
import { redact } from '../../core/redact';
import { minimiseKubeconfig } from '../../core/scan/kubeconfig';
import { ScanSetupError } from '../scan/auditorService';
import { ScanCancelledError, type ScanService } from '../scan/scanService';
import { refKey, refLabel } from '../scan/types';

const RECORDS_KEY = 'kubeCompliance.access.identities';
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

/** What Access exposes on the extension API. */
export interface AccessApi {
  /**
   * TEST SEAM (host tests only): when set, every confirmation of this feature (create the identity) is answered with
   * `answer` instead of showing the modal, and the log says so. Normal use never sets it: the user is always asked.
   */
  setConfirmationAnswer(answer: boolean | undefined): void;
  /** TEST SEAM (host tests only): answers the per-scan question of `useScannerIdentity: ask`. */
  setScanChoice(answer: 'identity' | 'own' | undefined): void;
  /** Confirmations asked so far (their titles), newest last. */
  readonly questions: readonly string[];
  /** The scanner identities this extension created and has not removed. */
  identities(): readonly IdentityRecord[];
  createIdentity(target: unknown, o?: CreateIdentityOptions): Promise<IdentityRecord | undefined>;
  renewToken(id: string): Promise<IdentityRecord>;
  removeIdentity(id: string): Promise<RemovalResult>;
  /** The last preflight refusal (for tests and the "Export RBAC Manifest" action). */
  readonly lastRefusal?: AccessDeniedError;
  /** The last error shown by this feature instead of thrown (e.g. creating an identity was forbidden). */
  readonly lastError?: Error;
}

interface Deps {
  readonly scan: ScanService;
  readonly pool: ClusterPool;
}

/** Where a command was invoked: a container/pod node (pod scope) or a namespace node (namespace scope). */
interface Scope {
  readonly context?: string;
  readonly namespace: string;
  readonly pod?: string;
  readonly container?: string;
  readonly approach?: ApproachKind;
}

function scopeOf(arg: unknown): Scope | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { kind?: string; context?: string; namespace?: string; pod?: string; name?: string; container?: string; classification?: ContainerClassification };
  const context = o.context || undefined;
  if (o.classification && typeof o.classification === 'object') {
    const c = o.classification;
    return { context: c.context || context, namespace: c.namespace, pod: c.pod, container: c.container, approach: c.approach };
  }
  if (typeof o.namespace !== 'string') return undefined;
  if (o.kind === 'namespace') return { context, namespace: o.namespace };
  if (o.kind === 'pod' && typeof o.name === 'string') return { context, namespace: o.namespace, pod: o.name };
  if (typeof o.pod === 'string') return { context, namespace: o.namespace, pod: o.pod, container: typeof o.container === 'string' ? o.container : undefined };
  return { context, namespace: o.namespace };
}


export function registerAccess(ctx: CommandContext, deps: Deps): AccessApi {
  const { extension: context, log } = ctx;
  const { scan, pool } = deps;
  const docs = new ReadOnlyDocuments(DOC_SCHEME).register(context);
  let seam: boolean | undefined;
  let scanChoiceSeam: 'identity' | 'own' | undefined;
  let lastRefusal: AccessDeniedError | undefined;
  let lastError: Error | undefined;
  const questions: string[] = [];
  /** `ask` answers, per identity, for this window. */
  const answers = new Map<string, 'identity' | 'own'>();
  /** Scans in flight that run as an identity: target key → identity id (to offer cleanup when they end). */
  const runningAs = new Map<string, string>();

  const records = (): IdentityRecord[] => context.globalState.get<IdentityRecord[]>(RECORDS_KEY, []);
  const saveRecords = async (list: IdentityRecord[]) => {
    await context.globalState.update(RECORDS_KEY, list);
    await setContext('kubeCompliance.hasScannerIdentity', list.length > 0);
  };
  void setContext('kubeCompliance.hasScannerIdentity', records().length > 0);
  const find = (id: string) => records().find((r) => r.id === id);
  const contextName = (c?: string) => c || pool.kubeconfig.currentContext || '';
  const storageDir = (id: string) => join(context.globalStorageUri.fsPath, 'access', id);

  // ------------------------------------------------------------------------------------------- shared questions

  const askLifetime = async (): Promise<number | undefined> => {
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
  };

  const askDebug = async (s: Scope): Promise<boolean | undefined> => {
    if (s.approach !== 'debug-container') return false;
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Exec only', description: 'get pods; get and create pods/exec', debug: false },
        { label: 'Exec and debug containers', description: '+ patch pods/ephemeralcontainers (the debug approach adds a helper to the pod)', debug: true },
      ],
      { title: `${s.pod}/${s.container} has no shell: may the identity also add debug containers?`, ignoreFocusOut: true },
    );
    return pick?.debug;
  };

  const specFor = (s: Scope, debug: boolean, id = newIdentityId()): IdentitySpec =>
    s.pod ? { id, namespace: s.namespace, scope: 'pods', pods: [s.pod], debug } : { id, namespace: s.namespace, scope: 'namespace', debug };

  // ------------------------------------------------------------------------------------------- create / renew / remove

  /** TokenRequest, then the kubeconfig is (re)written; the token itself is never kept anywhere else. */
  const issueToken = async (client: ClusterClient, rec: Omit<IdentityRecord, 'expiresAt' | 'kubeconfigPath'>): Promise<IdentityRecord> => {
    const { token, expiresAt } = await identityBackend(client).requestToken(rec.namespace, rec.id, rec.tokenSeconds);
    const override = vscode.workspace.getConfiguration('kubeCompliance').get<string>('kubeconfig') || undefined;
    const cluster = clusterEntry(minimiseKubeconfig(kubeconfigFiles(override), rec.context).yaml);
    const kubeconfigPath = writeIdentityKubeconfig(rec.dir, identityKubeconfigYaml(cluster, rec.id, rec.namespace, token));
    return { ...rec, kubeconfigPath, expiresAt: expiresAt.toISOString() };
  };

  const confirm = async (title: string, detail: string, action: string): Promise<boolean> => {
    questions.push(title);
    if (seam !== undefined) {
      log.warn(`access: "${title}" answered "${seam ? 'yes' : 'no'}" by the test seam`);
      return seam;
    }
    return (await vscode.window.showWarningMessage(title, { modal: true, detail }, action)) === action;
  };

  const createIdentityFor = async (arg: unknown, o: CreateIdentityOptions = {}): Promise<IdentityRecord | undefined> => {
    const s = scopeOf(arg);
    if (!s) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Create Scanner Identity" on a container, pod or namespace in the Clusters view.');
      return undefined;
    }
    const minutes = o.lifetimeMinutes ?? (await askLifetime());
    if (minutes === undefined) return undefined;
    const seconds = tokenSeconds(minutes);
    const debug = o.debug ?? (await askDebug(s));
    if (debug === undefined) return undefined;
    const ctxName = contextName(s.context);
    const spec = specFor(s, debug);
    const yaml = manifestYaml(spec, { tokenMinutes: minutes });
    const uri = docs.put(`${spec.id}.yaml`, `# NOT CREATED YET — Kube Compliance will create these objects with context ${ctxName} when you confirm.\n${yaml}`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    const where = s.pod ? `pod ${s.namespace}/${s.pod}` : `namespace ${s.namespace}`;
    const ok = await confirm(
      `Create a scanner identity for ${where}?`,
      `${describeIdentity(spec)}\n\nThen a token valid for ${minutes} minutes is requested (TokenRequest) and written to a private kubeconfig (mode 0600) in the extension's storage. Created with your context ${ctxName}. The objects are shown in the editor.`,
      'Create Identity',
    );
    if (!ok) {
      log.info(`access: creating ${spec.id} for ${where} declined; nothing was created`);
      return undefined;
    }
    const client = pool.client(s.context);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: creating scanner identity ${spec.id}` }, async (progress) => {
      const backend = identityBackend(client);
      progress.report({ message: 'ServiceAccount, Role, RoleBinding…' });
      try {
        await createIdentity(backend, spec);
      } catch (err) {
        if (!(err instanceof IdentityError) || !err.forbidden) throw err;
        log.warn(`access: ${err.message}`);
        void vscode.window.showErrorMessage(`Kube Compliance: ${err.message}`, 'Export RBAC Manifest').then((c) => {
          if (c) void vscode.commands.executeCommand('kubeCompliance.exportRbacManifest', s, { debug: spec.debug, lifetimeMinutes: minutes });
        });
        lastError = err;
        return undefined;
      }
      log.info(`access: created ServiceAccount, Role and RoleBinding ${spec.namespace}/${spec.id} (${spec.scope === 'pods' ? `pods ${spec.pods?.join(', ')}` : 'whole namespace'}${spec.debug ? ', debug' : ''}) with context ${ctxName}`);
      const base = { id: spec.id, context: ctxName, namespace: spec.namespace, scope: spec.scope, pods: spec.pods, debug: !!spec.debug, server: client.server, dir: storageDir(spec.id), tokenSeconds: seconds, createdAt: new Date().toISOString() };
      let rec: IdentityRecord;
      try {
        progress.report({ message: 'requesting a short-lived token…' });
        rec = await issueToken(client, base);
      } catch (err) {
        // nothing half-way: without a token the identity is of no use
        await removeIdentity(backend, spec.namespace, spec.id).catch(() => undefined);
        removeIdentityKubeconfig(base.dir);
        throw new Error(`The token for scanner identity ${spec.id} could not be issued, so the identity was removed again: ${err instanceof Error ? err.message : String(err)}`);
      }
      await saveRecords([...records().filter((r) => r.id !== rec.id), rec]);
      log.info(`access: ${rec.id} token ${expiryText(rec)}; kubeconfig written (0600) to the extension's storage`);
      const mode = vscode.workspace.getConfiguration('kubeCompliance').get<string>('scan.useScannerIdentity', 'ask');
      void vscode.window.showInformationMessage(
        `Kube Compliance: scanner identity ${rec.id} created for ${where}; its token ${expiryText(rec)}. ${mode === 'never' ? 'Scans use your own credentials (kubeCompliance.scan.useScannerIdentity is "never").' : mode === 'always' ? 'Scans of it now run as this identity.' : 'You are asked at each scan whether to use it.'}`,
      );
      return rec;
    });
  };

  const renewToken = async (id: string): Promise<IdentityRecord> => {
    const rec = find(id);
    if (!rec) throw new Error(`There is no scanner identity ${id} (it was removed).`);
    const next = await issueToken(pool.client(rec.context), rec);
    await saveRecords(records().map((r) => (r.id === id ? next : r)));
    log.info(`access: renewed the token of ${id}; it ${expiryText(next)}`);
    return next;
  };

  const removeIdentityById = async (id: string): Promise<RemovalResult> => {
    const rec = find(id);
    if (!rec) throw new Error(`There is no scanner identity ${id}.`);
    removeIdentityKubeconfig(rec.dir); // the credentials go first, whatever the cluster says
    let result: RemovalResult;
    try {
      result = await removeIdentity(identityBackend(pool.client(rec.context)), rec.namespace, rec.id);
    } catch (err) {
      log.error(`access: removing ${id} from ${rec.namespace}: ${err instanceof Error ? err.message : String(err)}`);
      throw new Error(`The kubeconfig of scanner identity ${id} was deleted, but its objects in ${rec.namespace} could not be removed: ${err instanceof Error ? err.message : String(err)}. Run "Remove Scanner Identity" again when the cluster is reachable.`);
    }
    await saveRecords(records().filter((r) => r.id !== id));
    answers.delete(id);
    log.info(`access: removed ${result.deleted.join(', ') || 'nothing (already gone)'} from ${rec.namespace} and the kubeconfig of ${id}`);
    return result;
  };

  // ------------------------------------------------------------------------------------------- scan integration

  const offerRenewal = (rec: IdentityRecord, text: string) => {
    void vscode.window.showWarningMessage(`Kube Compliance: ${text}`, 'Renew Token', 'Remove Scanner Identity').then(async (c) => {
      try {
        if (c === 'Renew Token') {
          const r = await renewToken(rec.id);
          void vscode.window.showInformationMessage(`Kube Compliance: the token of ${rec.id} was renewed; it ${expiryText(r)}. Scan again.`);
        } else if (c === 'Remove Scanner Identity') await removeIdentityById(rec.id);
      } catch (err) {
        void vscode.window.showErrorMessage(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  };

  const offerNextSteps = (refusal: AccessDeniedError, target: ContainerRef) => {
    void vscode.window.showErrorMessage(`Kube Compliance: ${refusal.summary}`, { detail: refusal.detail }, 'Create Scanner Identity', 'Export RBAC Manifest', 'Use Another Context').then(async (c) => {
      try {
        if (c === 'Create Scanner Identity') await createIdentityFor(target);
        else if (c === 'Export RBAC Manifest') await vscode.commands.executeCommand('kubeCompliance.exportRbacManifest', target);
        else if (c === 'Use Another Context') {
          const others = pool.contexts().filter((x) => x.name !== target.context);
          const pick = await vscode.window.showQuickPick(
            others.map((x) => ({ label: x.name, description: x.namespace })),
            { title: `Scan ${refLabel(target)} with another context` },
          );
          if (pick) await vscode.commands.executeCommand('kubeCompliance.scan', { ...target, context: pick.label });
        }
      } catch (err) {
        void vscode.window.showErrorMessage(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  };

  context.subscriptions.push(
    scan.registerCredentials(async ({ target, plan }) => {
      const mode = vscode.workspace.getConfiguration('kubeCompliance').get<string>('scan.useScannerIdentity', 'ask');
      if (mode === 'never') return undefined;
      const t = plan.transportTarget;
      const rec = identityFor(
        records().filter((r) => existsSync(r.kubeconfigPath)),
        { context: contextName(target.context), namespace: t.namespace, pod: t.pod },
      );
      if (!rec) return undefined;
      if (mode === 'ask') {
        let answer = scanChoiceSeam ?? answers.get(rec.id);
        if (scanChoiceSeam) log.warn(`access: "scan as ${rec.id}?" answered "${scanChoiceSeam}" by the test seam`);
        if (!answer) {
          const pick = await vscode.window.showQuickPick(
            [
              { label: `$(shield) Scan as scanner identity ${rec.id}`, description: expiryText(rec), answer: 'identity' as const },
              { label: `$(account) Scan with my own credentials`, description: `context ${contextName(target.context)}`, answer: 'own' as const },
            ],
            { title: `Scan ${refLabel(target)}: which credentials? (asked once per identity in this window; setting kubeCompliance.scan.useScannerIdentity)`, ignoreFocusOut: true },
          );
          if (!pick) throw new ScanCancelledError('No credentials were chosen, so nothing was scanned.');
          answer = pick.answer;
          answers.set(rec.id, answer);
        }
        if (answer === 'own') return undefined;
      }
      log.info(`access: scanning ${refLabel(target)} as scanner identity ${rec.id} (${expiryText(rec)})`);
      return rec.kubeconfigPath;
    }),
  );

  context.subscriptions.push(
    scan.registerPreflight(async ({ target, plan, kubeconfigPath }, token) => {
      const t = plan.transportTarget;
      const what = `the ${APPROACH_LABEL[plan.kind]} scan of ${refLabel(target)}${plan.kind === 'kubernetes-api' ? '' : ` (through ${plan.description})`}`;
      const rec = kubeconfigPath ? records().find((r) => r.kubeconfigPath === kubeconfigPath) : undefined;
      if (!kubeconfigPath && plan.kind !== 'kubernetes-api') {
        // the debug/sidecar planner has just checked exactly these permissions (same rules, same credentials)
        log.info(`access: ${what}: permissions were checked by the ${APPROACH_LABEL[plan.kind]} preflight`);
        return;
      }
      if (rec && isExpired(rec)) {
        const text = expiredTokenText(rec);
        offerRenewal(rec, text);
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
        client = pool.client(target.context || undefined);
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
        if (rec) runningAs.set(refKey(target), rec.id);
      } catch (err) {
        if (err instanceof AccessDeniedError) {
          lastRefusal = err;
          log.warn(`access: refused before the scan started: ${err.message}`);
          offerNextSteps(err, { ...target, context: contextName(target.context) });
          throw new ScanAccessError(err.message, err);
        }
        if (err instanceof CredentialsRejectedError) {
          if (rec) {
            const text = `The API server rejected the token of scanner identity ${rec.id} (401: expired or its ServiceAccount was deleted). Nothing was started.`;
            offerRenewal(rec, text);
            throw new ScanAccessError(text);
          }
          throw new ScanAccessError(`The API server rejected the credentials of ${subject} (401). Log in again or refresh them, then scan. Nothing was started. ${redact(err.message)}`);
        }
        throw err;
      } finally {
        sub.dispose();
        if (!own) client.dispose();
      }
    }),
  );

  context.subscriptions.push(
    scan.onDidFinishRun((run) => {
      const id = runningAs.get(refKey(run.target));
      if (!id) return;
      runningAs.delete(refKey(run.target));
      const rec = find(id);
      if (!rec) return;
      void vscode.window.showInformationMessage(`Kube Compliance: ${refLabel(run.target)} was scanned as scanner identity ${id} (its token ${expiryText(rec)}). Remove the identity when you are done.`, 'Remove Scanner Identity', 'Keep').then(async (c) => {
        if (c !== 'Remove Scanner Identity') return;
        try {
          const r = await removeIdentityById(id);
          void vscode.window.showInformationMessage(`Kube Compliance: removed ${r.deleted.join(', ') || 'scanner identity'} and its kubeconfig.`);
        } catch (err) {
          void vscode.window.showErrorMessage(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`);
        }
      });
    }),
  );

  // ------------------------------------------------------------------------------------------- commands

  registerCommand(ctx, 'kubeCompliance.createScannerIdentity', () => (arg?: unknown, o?: CreateIdentityOptions) => createIdentityFor(arg, o));

  registerCommand(ctx, 'kubeCompliance.exportRbacManifest', () => async (arg?: unknown, o?: CreateIdentityOptions): Promise<string | undefined> => {
    const s = scopeOf(arg);
    if (!s) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Export RBAC Manifest" on a container, pod or namespace in the Clusters view.');
      return undefined;
    }
    const debug = o?.debug ?? (await askDebug(s));
    if (debug === undefined) return undefined;
    const yaml = manifestYaml(specFor(s, debug), { tokenMinutes: o?.lifetimeMinutes });
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: yaml });
    await vscode.window.showTextDocument(doc, { preview: false });
    return yaml;
  });

  const pickIdentity = async (arg: unknown): Promise<IdentityRecord | undefined> => {
    if (typeof arg === 'string') return find(arg);
    const s = scopeOf(arg);
    const list = records().filter((r) => !s || (r.namespace === s.namespace && r.context === contextName(s.context) && (!s.pod || r.scope === 'namespace' || (r.pods ?? []).includes(s.pod))));
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
  };

  registerCommand(ctx, 'kubeCompliance.removeScannerIdentity', () => async (arg?: unknown): Promise<RemovalResult | undefined> => {
    const rec = await pickIdentity(arg);
    if (!rec) return undefined;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: removing scanner identity ${rec.id}` }, () => removeIdentityById(rec.id));
    void vscode.window.showInformationMessage(`Kube Compliance: removed ${r.deleted.join(', ') || 'nothing left in the cluster'} from ${rec.namespace}, and the identity's kubeconfig.`);
    return r;
  });

  registerCommand(ctx, 'kubeCompliance.renewScannerIdentityToken', () => async (arg?: unknown): Promise<IdentityRecord | undefined> => {
    const rec = await pickIdentity(arg);
    if (!rec) return undefined;
    const r = await renewToken(rec.id);
    void vscode.window.showInformationMessage(`Kube Compliance: the token of ${r.id} was renewed; it ${expiryText(r)}.`);
    return r;
  });

  return {
    setConfirmationAnswer: (answer) => {
      seam = answer;
    },
    setScanChoice: (answer) => {
      scanChoiceSeam = answer;
      answers.clear();
    },
    get questions() {
      return questions;
    },
    identities: () => records(),
    createIdentity: createIdentityFor,
    renewToken,
    removeIdentity: removeIdentityById,
    get lastRefusal() {
      return lastRefusal;
    },
    get lastError() {
      return lastError;
    },
  };
}
