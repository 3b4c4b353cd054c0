// Icons, classes and labels shared by the panel's components.
import type { ControlStatus, SortKey } from '../../src/protocol/messages';

export const STATUS_ICON: Readonly<Record<ControlStatus, string>> = {
  Passed: 'pass',
  Failed: 'error',
  'Not Applicable': 'circle-slash',
  'Not Reviewed': 'eye-closed',
  'Profile Error': 'warning',
};

export const STATUS_CLASS: Readonly<Record<ControlStatus, string>> = {
  Passed: 'passed',
  Failed: 'failed',
  'Not Applicable': 'na',
  'Not Reviewed': 'nr',
  'Profile Error': 'pe',
};

export const RESULT_ICON: Readonly<Record<string, string>> = { passed: 'pass', failed: 'error', skipped: 'debug-step-over', error: 'warning', no_status: 'question' };

export const SORT_LABEL: Readonly<Record<SortKey, string>> = { id: 'ID', status: 'Status', severity: 'Severity', title: 'Title', file: 'File' };

export function fmtPercent(p: number): string {
  return `${Math.round(p * 10) / 10}%`;
}
