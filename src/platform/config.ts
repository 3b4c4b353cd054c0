import * as vscode from 'vscode';

import { SETTING_DEFAULTS, type SettingKey, type Settings } from './settings';

export type { SettingKey, Settings } from './settings';

export const SECTION = 'kubeCompliance';

/** Typed access to the `kubeCompliance.*` settings. */
export class Config {
  private followed: string | undefined;
  private readonly followedChanged = new vscode.EventEmitter<void>();
  /** Fires when the kubeconfig followed from another extension changes (see `kubeconfigPath`). */
  readonly onDidChangeFollowedKubeconfig = this.followedChanged.event;

  /**
   * The kubeconfig file(s) every feature reads: `kubeCompliance.kubeconfig` when set, else the one followed from the
   * Kubernetes extension (src/features/kubernetesTools), else undefined (KUBECONFIG / ~/.kube/config).
   */
  kubeconfigPath(): string | undefined {
    return this.text('kubeconfig') ?? this.followed;
  }

  /** Set by the Kubernetes extension integration: the kubeconfig it uses, or undefined to stop following. */
  setFollowedKubeconfig(path: string | undefined): void {
    if (path === this.followed) return;
    this.followed = path;
    this.followedChanged.fire();
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    return vscode.workspace.getConfiguration(SECTION).get<Settings[K]>(key, SETTING_DEFAULTS[key]);
  }

  /** A string setting with surrounding blanks removed; undefined when empty. */
  text(key: { [K in SettingKey]: Settings[K] extends string ? K : never }[SettingKey]): string | undefined {
    const v = this.get(key);
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  }

  update<K extends SettingKey>(key: K, value: Settings[K] | undefined, target: vscode.ConfigurationTarget): Thenable<void> {
    return vscode.workspace.getConfiguration(SECTION).update(key, value, target);
  }

  /** Whether a configuration change touches any of `keys` (or a group such as `api`). */
  affects(e: vscode.ConfigurationChangeEvent, ...keys: Array<SettingKey | 'api'>): boolean {
    return keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
  }

  onDidChange(keys: Array<SettingKey | 'api'>, listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (this.affects(e, ...keys)) listener();
    });
  }
}
