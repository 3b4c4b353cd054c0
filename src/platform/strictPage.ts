// The host-rendered webview pages (the fleet report, the history and drift page): one HTML shell with a strict CSP —
// nothing by default, the page's one style block and one script only with the nonce —, the base look they share,
// and the escaping every text from a report or an index goes through.

/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The base look of the pages: theme font and colour, and plain tables with right-aligned numbers. */
const BASE_CSS = `body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, transparent); text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }`;

/** A whole page: `css` comes after the base look, `script` runs with the nonce at the end of the body. */
export function strictPage(o: { readonly nonce: string; readonly css: string; readonly body: string; readonly script: string }): string {
  const csp = [`default-src 'none'`, `style-src 'nonce-${o.nonce}'`, `script-src 'nonce-${o.nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${o.nonce}">
${BASE_CSS}
${o.css.trim()}
</style></head><body>
${o.body.trim()}
<script nonce="${o.nonce}">
${o.script.trim()}
</script>
</body></html>`;
}
