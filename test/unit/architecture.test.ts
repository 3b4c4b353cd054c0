import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Finds imports of `vscode` in any form: static, type-only, dynamic or require. */
export function importsVscode(source: string): boolean {
  return /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"]vscode['"]/.test(source);
}

test('the import detector sees every form of importing vscode', () => {
  assert.ok(importsVscode(`import * as vscode from 'vscode';`));
  assert.ok(importsVscode(`import type { Uri } from "vscode";`));
  assert.ok(importsVscode(`const v = require('vscode');`));
  assert.ok(importsVscode(`const v = await import('vscode');`));
  assert.ok(importsVscode(`import 'vscode';`));
  assert.ok(!importsVscode(`import { x } from './vscode-free';`));
  assert.ok(!importsVscode(`// talk about vscode here`));
});

test('nothing under src/core imports vscode', () => {
  const offenders = tsFiles(join(root, 'src', 'core')).filter((f) => importsVscode(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, [], `src/core must stay vscode-free; move these to an adapter: ${offenders.join(', ')}`);
});

test('the extension manifest activates only by views and commands, never "*"', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const events: string[] = pkg.activationEvents ?? [];
  assert.ok(!events.includes('*'), 'no "*" activation');
  assert.ok(!events.includes('onStartupFinished'), 'no startup activation');
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  const ids = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const c of ids) assert.match(c, /^kubeCompliance\./);
  for (const where of Object.values(pkg.contributes.menus) as Array<Array<{ command: string }>>) {
    for (const m of where) assert.ok(ids.has(m.command), `menu entry for an undeclared command ${m.command}`);
  }
});
