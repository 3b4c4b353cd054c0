// Runs Node's built-in test runner over the TypeScript test files under the given folders (through tsx),
// with the spec reporter, so the closing lines are Node's own "ℹ tests N / ℹ pass N / ℹ fail N".
// Usage: node scripts/run-node-tests.mjs DIR|FILE [DIR|FILE…] [--concurrency N] [-- extra node args]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const dirs = [];
let concurrency;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--concurrency') concurrency = args[++i];
  else dirs.push(args[i]);
}
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'fixtures') walk(p);
    } else if (/\.test\.(ts|mjs)$/.test(name)) files.push(relative(process.cwd(), p));
  }
}
for (const d of dirs) {
  if (statSync(d).isFile()) files.push(relative(process.cwd(), d));
  else walk(d);
}
if (!files.length) {
  console.error(`no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const nodeArgs = ['--import', 'tsx', '--test', '--test-reporter=spec'];
if (concurrency) nodeArgs.push(`--test-concurrency=${concurrency}`);
const r = spawnSync(process.execPath, [...nodeArgs, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
