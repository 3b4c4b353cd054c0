import * as vscode from 'vscode';
import { badgeKey, rollupBadges, type BadgeRollup, type ComplianceBadge } from '../../core/fleet/badges';
import { Disposable } from '../../core/disposable';
import type { ContainerRef } from '../../core/cluster/types';
import { STATE, type State } from '../../platform/state';

const MAX_BADGES = 5000;

/**
 * The last compliance result per container (kept in workspace state, newest kept when full), fed by every scan and
 * every fleet run, read by the explorer for its badges.
 */
export class ComplianceBadges extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: State) {
    super();
  }

  private all(): Record<string, ComplianceBadge> {
    return this.state.get(STATE.badges, {});
  }

  /** Every stored badge by key (`CTX/NS/POD/CONTAINER`). */
  entries(): Readonly<Record<string, ComplianceBadge>> {
    return this.all();
  }

  get(ref: ContainerRef): ComplianceBadge | undefined {
    return this.all()[badgeKey(ref)];
  }

  /** Records results (one per container); the newest MAX_BADGES are kept. */
  async record(entries: ReadonlyArray<{ readonly ref: ContainerRef; readonly badge: ComplianceBadge }>): Promise<void> {
    if (!entries.length) return;
    const all = { ...this.all() };
    for (const e of entries) {
      const k = badgeKey(e.ref);
      delete all[k];
      all[k] = e.badge;
    }
    const keys = Object.keys(all);
    const kept = keys.length > MAX_BADGES ? Object.fromEntries(keys.slice(-MAX_BADGES).map((k) => [k, all[k]])) : all;
    await this.state.update(STATE.badges, kept);
    this.changed.fire();
  }

  /**
   * The rollup over every container whose key starts with one of `prefixes` (`CTX/NS/` for a namespace, `CTX/NS/POD/`
   * for a pod), or equals one of them when `exact` (a container).
   */
  rollup(prefixes: readonly string[], exact = false): BadgeRollup | undefined {
    const all = this.all();
    return rollupBadges(Object.entries(all).filter(([k]) => prefixes.some((p) => (exact ? k === p : k.startsWith(p)))).map(([, b]) => b));
  }

  async clear(): Promise<void> {
    await this.state.update(STATE.badges, undefined);
    this.changed.fire();
  }
}
