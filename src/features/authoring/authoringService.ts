// Profile authoring: the profile index (ProfileWorkspace), the Test Explorer controller, the pinned target,
// run-on-save and `AUDITOR check` on save. Its commands are in register.ts.
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import type { Platform } from '../../services';
import type { ResultsService } from '../results/resultsService';
import type { ScanService } from '../scan/scanService';
import { PinnedTarget, targetLabel } from './pinnedTarget';
import { ProfileChecker } from './profileCheck';
import { ProfileWorkspace } from './profileWorkspace';
import { scanServiceScanner } from './scanBridge';
import { AuthoringTests, type AuthoringRunRecord } from './testController';

/** What authoring exposes through the extension API (host tests, benchmark). */
export class AuthoringService extends Disposable {
  readonly workspace: ProfileWorkspace;
  readonly pinned: PinnedTarget;
  readonly tests: AuthoringTests;
  readonly checker: ProfileChecker;
  private readonly saveRuns = new vscode.EventEmitter<{ file: string; controls: readonly string[]; records: Promise<AuthoringRunRecord[]> }>();
  /** Fires when a save starts a re-run (with the ids it re-runs). */
  readonly onDidStartSaveRun = this.saveRuns.event;

  /**
   * Authoring runs go through the scan service (narrowed with `controls`, one reused terminal); their outcome shows in
   * the results feature's editor feedback (diagnostics + CodeLens).
   */
  constructor(
    private readonly ctx: Platform,
    scan: ScanService,
    results: ResultsService,
  ) {
    super();
    this.workspace = this.register(new ProfileWorkspace(ctx.log));
    this.pinned = this.register(new PinnedTarget(ctx.state));
    this.checker = this.register(new ProfileChecker(ctx.log, ctx.config));
    this.tests = this.register(new AuthoringTests(this.workspace, this.pinned, scanServiceScanner(() => scan), results.feedback, ctx.log, () => void this.showPinnedTargetMenu()));
    this.register(this.saveRuns);
    this.register(vscode.workspace.onDidSaveTextDocument((d) => this.onSave(d)));
  }

  /** Whether run-on-save applies now: the setting is on and a target is pinned. */
  get runOnSave(): boolean {
    return !!this.pinned.target && this.ctx.config.get('authoring.runOnSave');
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
    const checkOnSave = vscode.workspace.isTrusted && this.ctx.config.get('authoring.checkOnSave');
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

  /** The pinned target's options (Test Explorer, run on save, unpin), or how to pin one. */
  async showPinnedTargetMenu(): Promise<void> {
    const t = this.pinned.target;
    if (!t) {
      void vscode.window.showInformationMessage('Kube Compliance: no authoring target is pinned. Right-click a container in the Clusters view and choose "Pin as Authoring Target".');
      return;
    }
    const runOnSave = this.ctx.config.get('authoring.runOnSave');
    type Pick = vscode.QuickPickItem & { run: () => Thenable<unknown> | void };
    const picks: Pick[] = [
      { label: '$(beaker) Open the Test Explorer', run: () => vscode.commands.executeCommand('workbench.view.testing.focus') },
      {
        label: runOnSave ? '$(circle-slash) Turn off run on save' : '$(sync) Turn on run on save',
        run: () => this.ctx.config.update('authoring.runOnSave', !runOnSave, vscode.ConfigurationTarget.Workspace),
      },
      { label: '$(pinned) Unpin this target', run: () => this.pinned.unpin() },
    ];
    const choice = await vscode.window.showQuickPick(picks, { title: `Authoring target: ${targetLabel(t)} (${t.context})`, placeHolder: 'Choose an action' });
    await choice?.run();
  }
}
