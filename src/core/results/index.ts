/**
 * Results model (vscode-free, browser-safe: no Node imports). See README "Results" and results-semantics.md.
 */
export * from './types';
