// Entry of the suites that run inside a real VS Code extension host (code-server here, Electron via
// @vscode/test-electron where a desktop VS Code exists). The usual programmatic-mocha `run()`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: Number(process.env.KC_HOST_TEST_TIMEOUT_MS ?? 60000), reporter: 'spec' });
  const only = process.env.KC_HOST_SUITES?.split(',').filter(Boolean);
  for (const f of readdirSync(__dirname).sort()) {
    if (!f.endsWith('.test.js')) continue;
    if (only && !only.some((o) => f.startsWith(o))) continue;
    mocha.addFile(join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      // read by scripts/run-host-tests.mjs, which prints the closing "N passed, N failed" line
      console.log(`KC_HOST_RESULT ${JSON.stringify({ passed, failed: failures })}`);
      if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
      else resolve();
    });
  });
}
