import * as vscode from 'vscode';

import { SETTING_DEFAULTS, type SettingKey, type Settings } from './settings';

export type { SettingKey, Settings } from './settings';

export const SECTION = 'kubeCompliance';

/** Typed access to the `kubeCompliance.*` settings. */
export class Config {
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
