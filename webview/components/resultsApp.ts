// The results panel's page: summary, toolbar, list and detail, or the comparison in place of the list and detail.
// `updateComplete` waits for every component, so a `rendered` report means the whole panel shows the state.
import { html } from 'lit';
import type { PanelState } from '../store';
import './banner';
import './comparison';
import './controlList';
import './detail';
import './summary';
import './toolbar';
import { StoreElement } from './storeElement';

const PARTS = 'kc-banner, kc-summary, kc-toolbar, kc-control-list, kc-detail, kc-comparison';

export class KcResultsApp extends StoreElement<{ comparing: boolean }> {
  protected pick(s: PanelState) {
    return { comparing: s.showComparison };
  }

  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    await Promise.all(
      [...this.querySelectorAll<StoreElement<Record<string, unknown>>>(PARTS)].map(async (part) => {
        // false: it updated again meanwhile (e.g. the list after a scroll); wait for that update too
        while (!(await part.updateComplete)) {
          /* next update */
        }
      }),
    );
    return done;
  }

  protected override render() {
    const app = this.app;
    return html`<kc-banner .app=${app}></kc-banner>
      <kc-summary .app=${app}></kc-summary>
      <kc-toolbar .app=${app}></kc-toolbar>
      <main class="body" ?hidden=${this.slice.comparing}>
        <kc-control-list .app=${app}></kc-control-list>
        <kc-detail .app=${app}></kc-detail>
      </main>
      <kc-comparison .app=${app}></kc-comparison>`;
  }
}
customElements.define('kc-results-app', KcResultsApp);
