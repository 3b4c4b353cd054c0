import type { HostToPanel, PanelToHost } from '../src/protocol/messages';

interface VsCodeApi {
  postMessage(message: PanelToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
window.addEventListener('message', (event: MessageEvent<HostToPanel>) => {
  const msg = event.data;
  if (msg.type === 'hello') {
    const root = document.getElementById('root');
    if (root) root.textContent = `Kube Compliance ${msg.version}`;
  }
});
vscode.postMessage({ type: 'ready' });
