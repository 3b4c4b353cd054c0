import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  evaluateThreshold,
  compareReports,
  DEFAULT_MAX_REPORT_BYTES,
  isReportError,
  parseReport,
  parseThresholdYaml,
  profileLabel,
  summarize,
  ThresholdError,
  toMarkdownComparison,
  toMarkdownSummary,
  unknownKeyHint,
  type Comparison,
  type Report,
  type Summary,
} from './core/results';

/**
 * `kube-compliance` headless CLI: the results model for pipelines.
 * Exit codes: 0 ok / thresholds met; 1 thresholds not met; 2 usage error; 3 a file could not be read or is not a report.
 */

const USAGE = `Usage:
  kube-compliance summary REPORT [--format text|json|markdown]
  kube-compliance threshold REPORT (--file THRESHOLD.yml | --inline '{"compliance.min":80}')
  kube-compliance compare OLD_REPORT NEW_REPORT [--format text|json|markdown]
  kube-compliance --version | --help

REPORT is an InSpec / CINC Auditor JSON report (exec JSON, HDF), e.g. from
  cinc-auditor exec PROFILE -t 'k8s-container://NS/POD/CONTAINER?namespace=NS' --reporter json:REPORT
Use - to read a report from standard input.

summary    counts controls as Heimdall does (Passed, Failed, Not Applicable, Not Reviewed,
           Profile Error) and the compliance % (Passed / all but Not Applicable, rounded).
           --format json prints one JSON object: controls, passed, failed, notApplicable,
           notReviewed, profileError, compliance, severity.
threshold  checks a SAF CLI threshold file (saf validate threshold semantics, e.g.
           "compliance: {min: 70}", "failed: {critical: {max: 0}}", "error: {total: {max: 0}}").
           Exit 0 when every rule is met, 1 listing each unmet rule.
compare    what changed between two runs: new failures, fixed, other status changes,
           added and removed controls, result-level changes, compliance delta.

Exit codes: 0 ok, 1 thresholds not met, 2 usage error, 3 unreadable or invalid input.`;

class UsageError extends Error {}
class InputError extends Error {}

interface Parsed {
  positional: string[];
  options: Map<string, string>;
}

const VALUE_OPTIONS: Record<string, string> = { '--format': 'format', '-f': 'format', '--file': 'file', '-F': 'file', '--inline': 'inline', '-T': 'inline' };

function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      const name = VALUE_OPTIONS[flag];
      if (!name) throw new UsageError(`unknown option ${flag}`);
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
      options.set(name, value);
    } else positional.push(a);
  }
  return { positional, options };
}

function readInput(file: string, what: string): string {
  if (file === '-') {
    try {
      return readFileSync(0, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read the ${what} from standard input: ${(e as Error).message}`);
    }
  }
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new InputError(`cannot read the ${what} ${file}: it is a directory, not a file`);
    if (st.size > DEFAULT_MAX_REPORT_BYTES) {
      throw new InputError(`the ${what} ${file} is ${(st.size / 1024 / 1024).toFixed(0)} MB, more than the ${DEFAULT_MAX_REPORT_BYTES / 1024 / 1024} MB this tool reads`);
    }
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new InputError(`cannot read the ${what} ${file}: ${why}`);
  }
}

function loadReport(file: string): Report {
  const text = readInput(file, 'report');
  try {
    return parseReport(text);
  } catch (e) {
    if (isReportError(e)) throw new InputError(`${file === '-' ? 'standard input' : file} is not a usable report: ${e.message}`);
    throw e;
  }
}

function format(p: Parsed, allowed: readonly string[]): string {
  const f = p.options.get('format') ?? 'text';
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}, not "${f}"`);
  return f;
}

function onlyOptions(p: Parsed, allowed: readonly string[], cmd: string): void {
  for (const k of p.options.keys()) if (!allowed.includes(k)) throw new UsageError(`${cmd} does not take --${k}`);
}

function summaryJson(s: Summary): Record<string, unknown> {
  return {
    controls: s.controls,
    passed: s.passed,
    failed: s.failed,
    notApplicable: s.notApplicable,
    notReviewed: s.notReviewed,
    profileError: s.profileError,
    compliance: s.compliance,
    severity: { ...s.severity },
  };
}

function summaryText(r: Report, s: Summary): string {
  const p = r.profile;
  const target = [r.platform.name, r.platform.release].filter(Boolean).join(' ');
  return [
    `${profileLabel(p)}${p.version ? ` ${p.version}` : ''}${target ? ` — ${target}` : ''}`,
    `Compliance ${s.compliance}% (${s.passed} passed of ${s.passed + s.failed + s.notReviewed + s.profileError} counted; Not Applicable excluded)`,
    `Controls ${s.controls}: Passed ${s.passed} · Failed ${s.failed} · Not Applicable ${s.notApplicable} · Not Reviewed ${s.notReviewed} · Profile Error ${s.profileError}`,
    `Severity: critical ${s.severity.critical} · high ${s.severity.high} · medium ${s.severity.medium} · low ${s.severity.low} · none ${s.severity.none}`,
    '',
  ].join('\n');
}

function compareText(c: Comparison): string {
  const lines = [
    `Compliance ${c.compliance.from}% → ${c.compliance.to}% (${c.compliance.delta > 0 ? '+' : ''}${c.compliance.delta})`,
    `${c.statusChanges.length} status changes: ${c.newFailures.length} new failures, ${c.fixed.length} fixed, ${c.otherChanges.length} other; ` +
      `${c.resultChanges.length} controls with result changes; ${c.added.length} added, ${c.removed.length} removed`,
  ];
  for (const [title, list] of [['New failures', c.newFailures], ['Fixed', c.fixed], ['Other status changes', c.otherChanges]] as const) {
    if (list.length) lines.push('', `${title}:`, ...list.map((s) => `  ${s.id}  ${s.from} → ${s.to}  (${s.severity})${s.title ? `  ${s.title}` : ''}`));
  }
  if (c.added.length) lines.push('', 'Added:', ...c.added.map((a) => `  ${a.id}  ${a.status}`));
  if (c.removed.length) lines.push('', 'Removed:', ...c.removed.map((a) => `  ${a.id}  ${a.status}`));
  return `${lines.join('\n')}\n`;
}

function run(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out(`${USAGE}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    out(`${pkg.version}\n`);
    return 0;
  }
  const p = parseArgs(rest);
  switch (cmd) {
    case 'summary': {
      onlyOptions(p, ['format'], 'summary');
      const f = format(p, ['text', 'json', 'markdown']);
      if (p.positional.length !== 1) throw new UsageError(`summary takes one REPORT, got ${p.positional.length}`);
      const report = loadReport(p.positional[0]);
      const s = summarize(report);
      out(f === 'json' ? `${JSON.stringify(summaryJson(s))}\n` : f === 'markdown' ? toMarkdownSummary(report) : summaryText(report, s));
      for (const w of report.warnings) err(`note: ${w}\n`);
      return 0;
    }
    case 'threshold': {
      onlyOptions(p, ['file', 'inline'], 'threshold');
      if (p.positional.length !== 1) throw new UsageError(`threshold takes one REPORT, got ${p.positional.length}`);
      const file = p.options.get('file');
      const inline = p.options.get('inline');
      if (!file === !inline) throw new UsageError('threshold needs exactly one of --file THRESHOLD.yml or --inline \'{"compliance.min":80}\'');
      let thresholds: Record<string, unknown>;
      try {
        thresholds = parseThresholdYaml(file ? readInput(file, 'threshold file') : inline!);
      } catch (e) {
        if (e instanceof ThresholdError) throw new InputError(`${file ?? '--inline'}: ${e.message}`);
        throw e;
      }
      const report = loadReport(p.positional[0]);
      let result;
      try {
        result = evaluateThreshold(report, thresholds);
      } catch (e) {
        if (e instanceof ThresholdError) throw new InputError(`${file ?? '--inline'}: ${e.message}`);
        throw e;
      }
      for (const k of result.unknownKeys) err(`warning: unknown threshold key "${k}" ignored${unknownKeyHint(k)}\n`);
      // a gate that recognises no rule would always pass: a misspelt file must not turn a CI gate green
      if (result.checked === 0) throw new InputError(`${file ?? '--inline'}: no threshold rule recognised, so nothing would be checked (keys such as compliance.min, failed.total.max, error.critical.max)`);
      if (result.met) {
        out(`All ${result.checked} threshold rules met.\n`);
        return 0;
      }
      err(`${result.violations.length} of ${result.checked} threshold rules not met:\n${result.violations.map((v) => `  ${v.message}\n`).join('')}`);
      return 1;
    }
    case 'compare': {
      onlyOptions(p, ['format'], 'compare');
      const f = format(p, ['text', 'json', 'markdown']);
      if (p.positional.length !== 2) throw new UsageError(`compare takes OLD_REPORT and NEW_REPORT, got ${p.positional.length} file(s)`);
      if (p.positional[0] === '-' && p.positional[1] === '-') throw new UsageError('only one report can come from standard input');
      const c = compareReports(loadReport(p.positional[0]), loadReport(p.positional[1]));
      out(f === 'json' ? `${JSON.stringify(c)}\n` : f === 'markdown' ? toMarkdownComparison(c) : compareText(c));
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

function main(argv: string[]): number {
  const out = (s: string): void => void process.stdout.write(s);
  const err = (s: string): void => void process.stderr.write(s);
  try {
    return run(argv, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`kube-compliance: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      err(`kube-compliance: ${e.message}\n`);
      return 3;
    }
    err(`kube-compliance: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
  }
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});
process.exitCode = main(process.argv.slice(2));
