// One esbuild script for every bundle: the extension host (node, cjs, `vscode` external), the CLI (node),
// and the results panel (browser). `--watch` rebuilds all of them; `--production` minifies (used by `npm run package`).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const withTests = process.argv.includes('--tests');

/** Logs esbuild's result the way the problem matcher of VS Code's esbuild tasks expects. */
const reporter = {
  name: 'reporter',
  setup(build) {
    build.onStart(() => console.log(`[watch] build started (${build.initialOptions.outfile ?? build.initialOptions.outdir})`));
    build.onEnd((result) => {
      for (const e of result.errors) {
        console.error(`✘ [ERROR] ${e.text}`);
        if (e.location) console.error(`    ${e.location.file}:${e.location.line}:${e.location.column}:`);
      }
      console.log(`[watch] build finished (${build.initialOptions.outfile ?? build.initialOptions.outdir})`);
    });
  },
};

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  plugins: watch ? [reporter] : [],
  absWorkingDir: root,
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];
if (withTests) {
  // The suites that run inside the real VS Code host, one bundle per file (index.js adds them to mocha);
  // mocha stays a runtime dependency resolved from node_modules.
  const suites = readdirSync(join(root, 'test/host')).filter((f) => f.endsWith('.ts')).map((f) => `test/host/${f}`);
  builds.push({ ...common, entryPoints: suites, outdir: 'dist-test/host', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'] });
}

function copyAssets() {
  mkdirSync(join(root, 'dist'), { recursive: true });
  // codicons for the webview, served from dist/ so the VSIX needs no node_modules
  cpSync(join(root, 'node_modules/@vscode/codicons/dist/codicon.css'), join(root, 'dist/codicon.css'));
  cpSync(join(root, 'node_modules/@vscode/codicons/dist/codicon.ttf'), join(root, 'dist/codicon.ttf'));
}

copyAssets();
if (withTests) rmSync(join(root, 'dist-test'), { recursive: true, force: true });
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`built ${builds.map((b) => b.outfile ?? b.outdir).join(', ')} in ${Date.now() - started} ms`);
}
