import type * as vscode from 'vscode';
import type { NamespacePrefs } from '../core/cluster/model';
import type { ContainerClassification } from '../core/cluster/types';
import type { IdentityRecord } from '../core/access';
import type { ComplianceBadge } from '../core/fleet/badges';
import type { ChefLicenseAnswer } from '../features/scan/auditorService';
import type { ProfileChoice, RunRecord } from '../features/scan/types';

/** A key of the extension's Memento storage: where it lives (per machine or per workspace) and what it holds. */
export interface StateKey<T> {
  readonly scope: 'global' | 'workspace';
  readonly key: string;
  /** Only for typing: never read. */
  readonly _type?: T;
}

const globalKey = <T>(key: string): StateKey<T> => ({ scope: 'global', key });
const workspaceKey = <T>(key: string): StateKey<T> => ({ scope: 'workspace', key });

/** Every stored value of the extension, in one place. The key strings are unchanged from earlier versions. */
export const STATE = {
  /** The context the explorer shows (the kubeconfig is never edited). */
  explorerContext: globalKey<string>('kubeCompliance.explorer.context'),
  /** Namespace filter and favourites, per context. */
  namespacePrefs: globalKey<Record<string, NamespacePrefs>>('kubeCompliance.explorer.namespacePrefs'),
  /** Scanner identities created and not removed (no token: it lives only in the 0600 kubeconfig). */
  identities: globalKey<IdentityRecord[]>('kubeCompliance.access.identities'),
  /** Pods (UID:approach) whose change for a shell-less scan was approved. */
  shelllessConsents: globalKey<string[]>('kubeCompliance.shellless.consents'),
  /** The Chef licence answer (never given without the user). */
  chefLicense: globalKey<ChefLicenseAnswer>('kubeCompliance.chefLicense'),
  /** Recently used profiles, newest first. */
  recentProfiles: globalKey<ProfileChoice[]>('kubeCompliance.recentProfiles'),
  /** The workspace's default scan profile. */
  defaultProfile: workspaceKey<ProfileChoice>('kubeCompliance.defaultProfile'),
  /** The Scan runs list, newest first. */
  runs: workspaceKey<RunRecord[]>('kubeCompliance.runs'),
  /** Namespaces in watch mode (`CONTEXT/NS`): rescanned when a running image or pod template changes. */
  watchedNamespaces: workspaceKey<string[]>('kubeCompliance.history.watchedNamespaces'),
  /** The last compliance result per container (`CTX/NS/POD/CONTAINER`), for the explorer's badges. */
  badges: workspaceKey<Record<string, ComplianceBadge>>('kubeCompliance.complianceBadges'),
  /** The pinned authoring target. */
  pinnedTarget: workspaceKey<ContainerClassification>('kubeCompliance.authoring.pinnedTarget'),
} as const;

/** Typed reads and writes of the keys above. */
export class State {
  constructor(private readonly extension: Pick<vscode.ExtensionContext, 'globalState' | 'workspaceState'>) {}

  private memento(k: StateKey<unknown>): vscode.Memento {
    return k.scope === 'global' ? this.extension.globalState : this.extension.workspaceState;
  }

  get<T>(k: StateKey<T>): T | undefined;
  get<T>(k: StateKey<T>, fallback: T): T;
  get<T>(k: StateKey<T>, fallback?: T): T | undefined {
    return this.memento(k).get<T>(k.key) ?? fallback;
  }

  update<T>(k: StateKey<T>, value: T | undefined): Thenable<void> {
    return this.memento(k).update(k.key, value);
  }
}
