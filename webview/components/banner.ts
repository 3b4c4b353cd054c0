// The error banner: a report could not be loaded (the previous content stays below it).
import { html, nothing } from 'lit';
import type { PanelState } from '../store';
import { StoreElement } from './storeElement';

export class KcBanner extends StoreElement<{ error: string | undefined }> {
  protected pick(s: PanelState) {
    return { error: s.error };
  }

  protected override render() {
    const { error } = this.slice;
    return html`<div class="banner-slot">
      ${error
        ? html`<div class="banner" role="alert">
            <span class="codicon codicon-error"></span><span class="banner-text">${error}</span>
            <vscode-button secondary @click=${() => this.app.dismissError()}>Dismiss</vscode-button>
          </div>`
        : nothing}
    </div>`;
  }
}
customElements.define('kc-banner', KcBanner);
