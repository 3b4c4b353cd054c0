// The results panel: summary, a filterable/sortable/groupable control list (virtualised: only the visible rows
// exist in the DOM), the detail of the chosen control, and the comparison of two runs.
// One store (store.ts) holds the state; Lit components (components/) render it; PanelApp (panelApp.ts) talks to the
// extension host. Report text is untrusted: every string goes through Lit text bindings (escaped), never innerHTML.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { html, render } from 'lit';
import type { PanelSnapshot } from '../src/protocol/messages';
import type { KcResultsApp } from './components/resultsApp';
import './components/resultsApp';
import './panel.css';
import { PanelApp, type VsCodeApi } from './panelApp';
import { selectedControl } from './store';

declare function acquireVsCodeApi(): VsCodeApi;

const appEl = document.getElementById('app')!;

const app: PanelApp = new PanelApp(acquireVsCodeApi(), {
  settled: () => appEl.querySelector<KcResultsApp>('kc-results-app')?.updateComplete ?? Promise.resolve(true),
  markRendered: (label) => {
    document.body.dataset.rendered = label;
  },
  snapshot: (): PanelSnapshot => {
    const s = app.store.getState();
    const selected = selectedControl(s);
    return {
      text: document.body.innerText,
      imgElements: document.querySelectorAll('img').length,
      rendered: document.body.dataset.rendered ?? '',
      visibleRows: appEl.querySelector('.rows')?.childElementCount ?? 0,
      matchingControls: s.matching.length,
      selectedId: selected?.id,
      detailTitle: appEl.querySelector('.detail-pane h2')?.textContent ?? undefined,
      detailLoaded: !!selected && s.details.has(selected.key),
    };
  },
});

render(html`<kc-results-app .app=${app}></kc-results-app>`, appEl);
window.addEventListener('message', (event: MessageEvent<unknown>) => app.receive(event.data));
app.start();
