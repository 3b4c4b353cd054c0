// `npm test`: every test tier that exists, in order: unit → emulator (the Kubernetes API emulator's own tests) →
// integration (the product against the emulator) → host (real VS Code) → e2e (browser).
// Each tier prints its own closing lines; this script adds one closing line for the whole run: `N passed, N failed`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/vscode-host.mjs';

const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts;
const tiers = ['test:unit', 'test:emulator', 'test:integration', 'test:host', 'test:e2e'].filter((t) => scripts[t]);
const only = process.env.KC_TIERS?.split(',');

function runTier(script) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { process.stdout.write(d); out += d; });
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Reads a tier's own counts: node's test runner (`ℹ pass N` / `ℹ fail N`) or the plain `N passed, N failed`. */
function counts(out) {
  const lines = out.split('\n');
  const last = (re) => { for (let i = lines.length - 1; i >= 0; i--) { const m = re.exec(lines[i]); if (m) return Number(m[1]); } return undefined; };
  const np = last(/^ℹ pass (\d+)$/), nf = last(/^ℹ fail (\d+)$/);
  if (np !== undefined) return { passed: np, failed: nf ?? 0 };
  const m = [...out.matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed/gm)].pop();
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

let passed = 0, failed = 0, rc = 0;
const summary = [];
for (const t of tiers) {
  if (only && !only.some((o) => t.endsWith(o))) continue;
  console.log(`\n━━ ${t} ━━`);
  const started = Date.now();
  const r = await runTier(t);
  const c = counts(r.out);
  if (c) { passed += c.passed; failed += c.failed; }
  if (r.code !== 0) { rc = 1; if (!c || c.failed === 0) failed += 1; }
  summary.push(`${t}: ${c ? `${c.passed} passed, ${c.failed} failed` : 'no counts'}${r.code ? ` (exit ${r.code})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(`\n━━ summary ━━\n${summary.join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(rc);
