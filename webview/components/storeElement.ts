// Base of the panel's components: Lit elements that render into the light DOM (so panel.css and the page's CSP
// apply as they are: no adopted or inline styles) from a slice of the store, re-rendering only when it changes.
import { LitElement } from 'lit';
import type { PanelApp } from '../panelApp';
import type { PanelState } from '../store';

type Slice = Readonly<Record<string, unknown>>;

/** Same keys with identical (===) values. */
export function sameSlice(a: Slice, b: Slice): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

export abstract class StoreElement<S extends Slice> extends LitElement {
  /** Set by the parent's template (`.app=${…}`) before the element is connected. */
  app!: PanelApp;
  /** What `pick` returned for the latest state. */
  protected slice!: S;
  private unsubscribe: (() => void) | undefined;

  /** The part of the state this component renders: values compared with `===`. */
  protected abstract pick(state: PanelState): S;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    if (!this.app) throw new Error(`<${this.localName}> needs its .app`);
    this.slice = this.pick(this.app.store.getState());
    this.unsubscribe = this.app.store.subscribe((state) => {
      const next = this.pick(state);
      if (sameSlice(next, this.slice)) return;
      this.slice = next;
      this.requestUpdate();
    });
    super.connectedCallback();
  }

  override disconnectedCallback(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    super.disconnectedCallback();
  }
}
