/**
 * Fleet scans without VS Code: a selection → containers (targets.ts) → a plan (dedupe.ts, with hash.ts's content
 * hashes) → a run (run.ts over scheduler.ts, recorded in the index: indexFormat.ts, indexFile.ts) → the rollup
 * (rollup.ts), comparison and threshold gate (compare.ts), and their text/Markdown/JSON (format.ts).
 *
 * For the extension host and the CLI (Node). A browser bundle (the panel) imports `./indexFormat` and `./rollup`
 * directly: they use no Node module.
 */
export * from './selector';
export * from './targets';
export * from './hash';
export * from './dedupe';
export * from './scheduler';
export * from './indexFormat';
export * from './indexFile';
export * from './run';
export * from './rollup';
export * from './compare';
export * from './format';
