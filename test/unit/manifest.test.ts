// The manifest's contributions against issue 2 §1 (every command: title, category, codicon icon; settings with
// descriptions and defaults) and §6 (the README's settings table lists every setting with its default).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

interface Setting {
  default?: unknown;
  description?: string;
  markdownDescription?: string;
}
function settings(): Array<[string, Setting]> {
  const c = pkg.contributes.configuration;
  return (Array.isArray(c) ? c : [c]).flatMap((x: { properties: Record<string, Setting> }) => Object.entries(x.properties));
}

test('every command has a title, the Kube Compliance category and a codicon icon', () => {
  const bad = (pkg.contributes.commands as Array<{ command: string; title?: string; category?: string; icon?: unknown }>)
    .filter((c) => !c.title?.trim() || c.category !== 'Kube Compliance' || typeof c.icon !== 'string' || !/^\$\([a-z0-9-]+\)$/.test(c.icon))
    .map((c) => c.command);
  assert.deepEqual(bad, []);
});

test('every command that needs a tree node is hidden from the Command Palette or placed in a view menu', () => {
  // a command contributed to a view/item menu only makes sense with its node; from the palette it must be hidden
  // unless the palette entry is deliberately kept (it then must cope without a node — checked by the host tests)
  const itemOnly = new Set((pkg.contributes.menus['view/item/context'] as Array<{ command: string }>).map((m) => m.command));
  const titleMenus = new Set((pkg.contributes.menus['view/title'] as Array<{ command: string }>).map((m) => m.command));
  const palette = new Map((pkg.contributes.menus.commandPalette as Array<{ command: string; when?: string }>).map((m) => [m.command, m.when]));
  for (const id of ['kubeCompliance.scan', 'kubeCompliance.copyTargetUri', 'kubeCompliance.showYaml', 'kubeCompliance.addScannerSidecar']) {
    assert.ok(itemOnly.has(id) && !titleMenus.has(id), `${id} is a tree item command`);
    assert.equal(palette.get(id), 'false', `${id} is hidden from the Command Palette`);
  }
});

test('every setting has a description and a default', () => {
  const bad = settings().filter(([, s]) => !(s.description ?? s.markdownDescription)?.trim() || s.default === undefined).map(([k]) => k);
  assert.deepEqual(bad, []);
});

test("the README's settings table lists every setting with its default", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /\n## Settings\n([\s\S]*?)\n## /.exec(readme)?.[1];
  assert.ok(section, 'README has a ## Settings section');
  const rows = section.split('\n').filter((l) => l.startsWith('| `kubeCompliance.'));
  for (const [key, s] of settings()) {
    const r = rows.find((l) => l.split('|')[1].includes(`\`${key}\``));
    assert.ok(r, `README settings table lacks ${key}`);
    // a row may document two settings ("`a` / `b` | `20` / `40`"): the default sits at the same position
    const names = [...r.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const defaults = r.split('|')[2].split('/').map((d) => d.trim());
    const shown = defaults[names.indexOf(key)] ?? '';
    const expected = s.default === '' ? '*(empty)*' : `\`${String(s.default)}\``;
    assert.equal(shown, expected, `README default of ${key}`);
  }
});

test('the README says how to install from a VSIX and names the two commands of a fresh machine', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.match(readme, /Install from VSIX/);
  assert.match(readme, /npm run demo/);
  assert.match(readme, /\nnpm test/);
  for (const h of ['## Requirements', '## Settings', '## Design decisions', '## Architecture']) assert.ok(readme.includes(`\n${h}\n`), `README section ${h}`);
  assert.match(readme, /@vscode-elements\/elements/);
  assert.match(readme, /@vscode\/webview-ui-toolkit/);
  assert.match(readme, /train-k8s-container/);
});
