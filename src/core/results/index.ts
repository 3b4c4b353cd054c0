/**
 * Results model (vscode-free and browser-safe: no Node imports). Rules: ../shared/docs/results-semantics.md;
 * overview: README "Results".
 */
export * from './types';
export { ReportError, isReportError, type ReportErrorKind } from './errors';
export { parseReport, DEFAULT_MAX_REPORT_BYTES, type ParseOptions } from './parse';
export {
  summarize,
  summarizeControls,
  countByStatus,
  complianceExact,
  compliancePercent,
  complianceBand,
  descriptionOf,
  severityRank,
  emptyStatusCounts,
  emptySeverityCounts,
  profileLabel,
} from './summary';
export {
  checkThreshold,
  evaluateThreshold,
  parseThresholdYaml,
  flattenThreshold,
  thresholdControls,
  unknownKeyHint,
  ThresholdError,
  THRESHOLD_STATUS,
  type ThresholdStatusName,
} from './threshold';
export { compareReports, compareResults } from './compare';
export { resolveSourceLocation, parseGeneratedId, suffixOf, controlLineRe } from './resolve';
export { toCsv, toMarkdownSummary, toMarkdownComparison, mdText, CSV_COLUMNS } from './export';
