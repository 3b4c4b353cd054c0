// The authoring commands: pinTarget / unpinTarget / showPinnedTarget / checkProfile.
import * as vscode from 'vscode';
import { classifiedContainerArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { AuthoringService } from './authoringService';
import { targetLabel } from './pinnedTarget';

export function registerAuthoringCommands(ctx: Platform, service: AuthoringService): void {

  registerCommand(ctx, 'kubeCompliance.pinTarget', () => async (arg: unknown) => {
    const target = classifiedContainerArg(arg);
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
    await service.showPinnedTargetMenu();
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
}
