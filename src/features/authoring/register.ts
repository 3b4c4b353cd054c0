// Profile authoring wiring: the profile index (ProfileWorkspace), the Test Explorer controller, the pinned target,
// run-on-save, `AUDITOR check` on save, and the commands pinTarget / unpinTarget / showPinnedTarget / checkProfile.
import * as vscode from 'vscode';
import { registerCommand, type CommandContext } from '../../platform/commands';
import type { EditorFeedback } from '../results/editorFeedback';
import { PinnedTarget, targetLabel, toClassification } from './pinnedTarget';
import { ProfileChecker } from './profileCheck';
import { ProfileWorkspace } from './profileWorkspace';
import { AuthoringTests, type AuthoringRunRecord, type AuthoringScanner } from './testController';

export interface AuthoringDeps {
  /** RESULTS-PANEL's editor feedback (diagnostics + CodeLens), shared with the results panel. */
  readonly feedback?: EditorFeedback;
  /** Runs one scan through SCAN's ScanService. */
  readonly scanner: AuthoringScanner;
}

/** What authoring exposes through the extension API (host tests, benchmark). */
export class AuthoringService implements vscode.Disposable {
  readonly workspace: ProfileWorkspace;
  readonly pinned: PinnedTarget;
  readonly tests: AuthoringTests;
  readonly checker: ProfileChecker;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly saveRuns = new vscode.EventEmitter<{ file: string; controls: readonly string[]; records: Promise<AuthoringRunRecord[]> }>();
  /** Fires when a save starts a re-run (with the ids it re-runs). */
  readonly onDidStartSaveRun = this.saveRuns.event;

  constructor(private readonly ctx: CommandContext, deps: AuthoringDeps) {
    this.workspace = new ProfileWorkspace(ctx.log);
    this.pinned = new PinnedTarget(ctx.extension.workspaceState);
    this.checker = new ProfileChecker(ctx.log);
    this.tests = new AuthoringTests(this.workspace, this.pinned, deps.scanner, deps.feedback, ctx.log);
    this.disposables.push(this.workspace, this.pinned, this.checker, this.tests, this.saveRuns, vscode.workspace.onDidSaveTextDocument((d) => this.onSave(d)));
  }

  /** Whether run-on-save applies now: the setting is on and a target is pinned. */
  get runOnSave(): boolean {
    return !!this.pinned.target && vscode.workspace.getConfiguration('kubeCompliance').get<boolean>('authoring.runOnSave', true);
  }

  private onSave(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file') return;
    const savedAt = Date.now();
    const path = doc.uri.fsPath;
    const isManifest = this.workspace.index.isManifest(path);
    if (!isManifest && !path.endsWith('.rb')) return;
    const changes = isManifest ? undefined : this.workspace.saved(doc);
    if (isManifest) this.workspace.apply(path, doc.getText());
    const profile = this.workspace.index.profileOf(path);
    if (!profile) return;
    const checkOnSave = vscode.workspace.isTrusted && vscode.workspace.getConfiguration('kubeCompliance').get<boolean>('authoring.checkOnSave', true);
    const check = () => (checkOnSave ? void this.checker.check(profile.root, profile.manifestPath) : undefined);
    if (!changes || !this.runOnSave || !vscode.workspace.isTrusted) {
      check();
      return;
    }
    // only the controls whose block text changed (or that are new) since the previous save
    const file = profile.files.get(path);
    const dynamic = new Set(file?.controls.filter((c) => c.dynamic).map((c) => c.id));
    const ids = [...changes.changed, ...changes.added].filter((id) => !dynamic.has(id));
    if (!ids.length) {
      this.ctx.log.debug(`Authoring: saved ${path}: no control changed, nothing to re-run`);
      check();
      return;
    }
    this.ctx.log.info(`Authoring: saved ${path}: re-running ${ids.join(', ')} on ${targetLabel(this.pinned.target!)}`);
    const records = this.tests.runControls(path, ids, savedAt);
    this.saveRuns.fire({ file: path, controls: ids, records });
    // the check runs after the re-run, so it does not compete with the auditor the user waits for
    void records.finally(check);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function registerAuthoring(ctx: CommandContext, deps: AuthoringDeps): AuthoringService {
  const service = new AuthoringService(ctx, deps);
  ctx.extension.subscriptions.push(service);

  registerCommand(ctx, 'kubeCompliance.pinTarget', () => async (arg: unknown) => {
    const target = toClassification(arg);
    if (!target) throw new Error('Pin as Authoring Target works on a container in the Clusters view: right-click a container and choose it there.');
    if (!target.approach) throw new Error(`${targetLabel(target)} cannot be scanned (${target.compatibility}): ${target.missing ?? target.reason}. Pin a container that can be scanned.`);
    await service.pinned.pin(target);
    void vscode.window.showInformationMessage(
      `Kube Compliance: authoring target pinned: ${targetLabel(target)} (${target.context}). Run controls from the Test Explorer or the gutter${service.runOnSave ? '; saving a control file re-runs what changed' : ''}.`,
    );
    return target;
  });
  registerCommand(ctx, 'kubeCompliance.unpinTarget', () => async () => {
    await service.pinned.unpin();
  });
  registerCommand(ctx, 'kubeCompliance.showPinnedTarget', () => async () => {
    const t = service.pinned.target;
    if (!t) {
      void vscode.window.showInformationMessage('Kube Compliance: no authoring target is pinned. Right-click a container in the Clusters view and choose "Pin as Authoring Target".');
      return;
    }
    const runOnSave = vscode.workspace.getConfiguration('kubeCompliance').get<boolean>('authoring.runOnSave', true);
    type Pick = vscode.QuickPickItem & { run: () => Thenable<unknown> | void };
    const picks: Pick[] = [
      { label: '$(beaker) Open the Test Explorer', run: () => vscode.commands.executeCommand('workbench.view.testing.focus') },
      {
        label: runOnSave ? '$(circle-slash) Turn off run on save' : '$(sync) Turn on run on save',
        run: () => vscode.workspace.getConfiguration('kubeCompliance').update('authoring.runOnSave', !runOnSave, vscode.ConfigurationTarget.Workspace),
      },
      { label: '$(pinned) Unpin this target', run: () => service.pinned.unpin() },
    ];
    const choice = await vscode.window.showQuickPick(picks, { title: `Authoring target: ${targetLabel(t)} (${t.context})`, placeHolder: 'Choose an action' });
    await choice?.run();
  });
  registerCommand(ctx, 'kubeCompliance.checkProfile', () => async (arg?: vscode.Uri) => {
    if (!vscode.workspace.isTrusted) throw new Error('Checking a profile runs its Ruby code in the auditor; trust the workspace first.');
    await service.workspace.whenReady();
    const profiles = service.workspace.index.profiles;
    let root = arg instanceof vscode.Uri ? service.workspace.index.profileOf(arg.fsPath)?.root : undefined;
    if (!root) {
      const active = vscode.window.activeTextEditor?.document.uri;
      root = active ? service.workspace.index.profileOf(active.fsPath)?.root : undefined;
    }
    if (!root && profiles.length === 1) root = profiles[0].root;
    if (!root) {
      const pick = await vscode.window.showQuickPick(
        profiles.map((p) => ({ label: p.manifest?.name ?? p.root, description: p.root, root: p.root })),
        { title: 'Check which profile?' },
      );
      root = pick?.root;
    }
    if (!root) return undefined;
    const profile = service.workspace.index.profile(root)!;
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Checking ${profile.manifest?.name ?? root}` }, () =>
      service.checker.check(root!, profile.manifestPath),
    );
    if (!outcome) void vscode.window.showWarningMessage('Kube Compliance: no auditor was found to check the profile. Set kubeCompliance.auditor.path or install CINC Auditor.');
    else
      void vscode.window.showInformationMessage(
        `Kube Compliance: ${profile.manifest?.name ?? root}: ${outcome.valid === false ? 'invalid' : 'valid'}${outcome.problems.length ? `, ${outcome.problems.length} problem(s) in the Problems view` : ''}.`,
      );
    return outcome;
  });
  return service;
}
