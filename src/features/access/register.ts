import * as vscode from 'vscode';
import { expiryText, type IdentityRecord, type RemovalResult } from '../../core/access';
import { scopeArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { AccessService, CreateIdentityOptions } from './accessService';

/** The scanner identity's commands (create, export, renew, remove). */
export function registerAccessCommands(p: Platform, access: AccessService): void {
  registerCommand(p, 'kubeCompliance.createScannerIdentity', () => (arg?: unknown, o?: CreateIdentityOptions) => access.createIdentity(scopeArg(arg), o));
  registerCommand(p, 'kubeCompliance.exportRbacManifest', () => (arg?: unknown, o?: CreateIdentityOptions) => access.exportManifest(scopeArg(arg), o));

  registerCommand(p, 'kubeCompliance.removeScannerIdentity', () => async (arg?: unknown): Promise<RemovalResult | undefined> => {
    const rec = await access.pickIdentity(arg, scopeArg(arg));
    if (!rec) return undefined;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: removing scanner identity ${rec.id}` }, () => access.removeIdentity(rec.id));
    void vscode.window.showInformationMessage(`Kube Compliance: removed ${r.deleted.join(', ') || 'nothing left in the cluster'} from ${rec.namespace}, and the identity's kubeconfig.`);
    return r;
  });

  registerCommand(p, 'kubeCompliance.renewScannerIdentityToken', () => async (arg?: unknown): Promise<IdentityRecord | undefined> => {
    const rec = await access.pickIdentity(arg, scopeArg(arg));
    if (!rec) return undefined;
    const r = await access.renewToken(rec.id);
    void vscode.window.showInformationMessage(`Kube Compliance: the token of ${r.id} was renewed; it ${expiryText(r)}.`);
    return r;
  });
}
