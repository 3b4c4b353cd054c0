import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareFleets, fleetThreshold, type FleetSide } from './core/fleet/compare';
import { fleetCompareMarkdown, fleetCompareText, fleetSummaryJson, fleetSummaryMarkdown, fleetSummaryText } from './core/fleet/format';
import { loadFleetReports, resolveReportPath } from './core/fleet/indexFile';
import { FleetIndexError, isFleetIndexData, parseFleetIndex } from './core/fleet/indexFormat';
import { buildRollup } from './core/fleet/rollup';
import { driftBetween } from './core/history/drift';
import { driftMarkdown, driftText } from './core/history/format';
import { headlessScan, parseScanArgs, SCAN_EXIT, SCAN_HELP, SCAN_USAGE, ScanUsageError } from './core/fleet/headless';
import { EXPORT_HELP, EXPORT_USAGE, ExportInputError, ExportUsageError, parseExportArgs, runExportCommand } from './core/exports/command';
import {
  evaluateThreshold,
  DEFAULT_MAX_REPORT_BYTES,
  isReportError,
  parseReport,
  parseThresholdYaml,
  profileLabel,
  summarize,
  ThresholdError,
  toMarkdownSummary,
  unknownKeyHint,
  type Report,
  type Summary,
} from './core/results';

/**
 * `kube-compliance` headless CLI: the results model for pipelines.
 * Exit codes: 0 ok / thresholds met; 1 thresholds not met; 2 usage error; 3 a file could not be read or is not a report.
 * `scan` (src/core/fleet/headless.ts): 0 every scannable container scanned; 2 usage; 3 could not start; 4 some
 * containers failed; 5 nothing matched / nothing scannable; 130 cancelled.
 */

const USAGE = `Usage:
  kube-compliance summary REPORT [--format text|json|markdown]
  kube-compliance threshold REPORT (--file THRESHOLD.yml | --inline '{"compliance.min":80}')
  kube-compliance compare OLD_REPORT NEW_REPORT [--format text|json|markdown]
${SCAN_USAGE}
${EXPORT_USAGE}
  kube-compliance --version | --help

REPORT is an InSpec / CINC Auditor JSON report (exec JSON, HDF), e.g. from
  cinc-auditor exec PROFILE -t 'k8s-container://NS/POD/CONTAINER?namespace=NS' --reporter json:REPORT
or a fleet index (fleet-index.json: one report per container of a fleet scan).
Use - to read a report from standard input.

summary    counts controls as Heimdall does (Passed, Failed, Not Applicable, Not Reviewed,
           Profile Error) and the compliance % (Passed / all but Not Applicable, rounded).
           --format json prints one JSON object: controls, passed, failed, notApplicable,
           notReviewed, profileError, compliance, severity.
threshold  checks a SAF CLI threshold file (saf validate threshold semantics, e.g.
           "compliance: {min: 70}", "failed: {critical: {max: 0}}", "error: {total: {max: 0}}").
           Exit 0 when every rule is met, 1 listing each unmet rule.
compare    what changed between two runs: new failures, fixed, regressed (Passed →
           Not Reviewed / Profile Error), other status changes, added and removed
           controls, each result that differs (code_desc, status and message, was | now),
           what changed between (profile version and hash, inputs, auditor), compliance delta.
${EXPORT_HELP}

With a fleet index: summary rolls the containers' reports up (cluster, namespace,
workload, container) and names the most failed controls; threshold requires every
container to meet every rule (a container that was to be scanned but has no report
fails the gate; one that cannot be scanned is listed); compare takes two indexes and
compares them container by container (matched by namespace, workload and container),
then prints the drift of each container that changed, with its image digest, pod
template hash, profile hash and inputs hash when they changed.

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

type Input = { kind: 'report'; report: Report } | { kind: 'fleet'; side: FleetSide; indexPath: string; reportErrors: string[] };

/** A report or a fleet index, told apart by the index's `kind`; a fleet's reports are read too. */
function loadInput(file: string): Input {
  const text = readInput(file, 'report');
  const name = file === '-' ? 'standard input' : file;
  let data: unknown;
  try {
    data = text.length > DEFAULT_MAX_REPORT_BYTES ? undefined : JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    data = undefined; // parseReport says what is wrong and where
  }
  if (isFleetIndexData(data)) {
    try {
      return { kind: 'fleet', side: { index: parseFleetIndex(data), reportOf: () => undefined }, indexPath: file === '-' ? join(process.cwd(), 'stdin.json') : resolve(file), reportErrors: [] };
    } catch (e) {
      if (e instanceof FleetIndexError) throw new InputError(`${name} is not a usable fleet index: ${e.message}`);
      throw e;
    }
  }
  try {
    return { kind: 'report', report: parseReport(data ?? text) };
  } catch (e) {
    if (isReportError(e)) throw new InputError(`${name} is not a usable report: ${e.message}`);
    throw e;
  }
}

/** Reads the reports a fleet index points at (each once); unusable ones are noted, never fatal. */
async function withReports(input: Input & { kind: 'fleet' }): Promise<Input & { kind: 'fleet' }> {
  const loaded = await loadFleetReports(input.indexPath, input.side.index);
  const reportErrors = [...loaded.values()].flatMap((r) => (r.ok ? [] : [r.error]));
  return { ...input, side: { index: input.side.index, reportOf: (item) => loaded.get(resolveReportPath(input.indexPath, item) ?? '') }, reportErrors };
}

function fleetNotes(input: Input & { kind: 'fleet' }, err: (s: string) => void): void {
  const name = input.indexPath;
  if (!input.side.index.complete) err(`note: ${name}: the fleet run did not finish (the index is not marked complete)\n`);
  for (const e of input.reportErrors) err(`note: ${e}\n`);
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

async function run(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
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
  if (cmd === 'scan') {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(`Usage:\n${SCAN_USAGE}\n\n${SCAN_HELP}\n`);
      return 0;
    }
    let options;
    try {
      options = parseScanArgs(rest);
    } catch (e) {
      if (e instanceof ScanUsageError) throw new UsageError(e.message);
      throw e;
    }
    return scanCommand(options, out, err);
  }
  if (cmd === 'export') {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(`Usage:\n${EXPORT_USAGE}\n\n${EXPORT_HELP}\n`);
      return 0;
    }
    try {
      return await runExportCommand(parseExportArgs(rest), { out, err, stdin: async () => readInput('-', 'report') });
    } catch (e) {
      if (e instanceof ExportUsageError) throw new UsageError(e.message);
      if (e instanceof ExportInputError) throw new InputError(e.message);
      throw e;
    }
  }
  const p = parseArgs(rest);
  switch (cmd) {
    case 'summary': {
      onlyOptions(p, ['format'], 'summary');
      const f = format(p, ['text', 'json', 'markdown']);
      if (p.positional.length !== 1) throw new UsageError(`summary takes one REPORT, got ${p.positional.length}`);
      const input = loadInput(p.positional[0]);
      if (input.kind === 'fleet') {
        const fleet = await withReports(input);
        const r = buildRollup(fleet.side.index, fleet.side.reportOf);
        const idx = fleet.side.index;
        out(f === 'json' ? `${JSON.stringify(fleetSummaryJson(r))}\n` : f === 'markdown' ? fleetSummaryMarkdown(idx, r) : fleetSummaryText(idx, r));
        fleetNotes(fleet, err);
        return 0;
      }
      const report = input.report;
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
      const input = loadInput(p.positional[0]);
      if (input.kind === 'fleet') return fleetGate(await withReports(input), thresholds, file ?? '--inline', out, err);
      const report = input.report;
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
      const [a, b] = [loadInput(p.positional[0]), loadInput(p.positional[1])];
      if (a.kind === 'fleet' || b.kind === 'fleet') {
        if (a.kind !== 'fleet' || b.kind !== 'fleet') throw new UsageError('compare takes two reports or two fleet indexes, not one of each');
        const [x, y] = [await withReports(a), await withReports(b)];
        const c = compareFleets(x.side, y.side);
        out(f === 'json' ? `${JSON.stringify(c)}\n` : f === 'markdown' ? fleetCompareMarkdown(c) : fleetCompareText(c));
        fleetNotes(x, err);
        fleetNotes(y, err);
        return 0;
      }
      const d = driftBetween(a.report, b.report, { label: p.positional[0] }, { label: p.positional[1] });
      out(f === 'json' ? `${JSON.stringify(d)}\n` : f === 'markdown' ? driftMarkdown(d, 'Scan comparison') : driftText(d));
      if (f !== 'text') for (const w of d.warnings) err(`note: ${w}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

/** threshold over a fleet: every container with a report must meet every rule (see `fleetThreshold`). */
function fleetGate(input: Input & { kind: 'fleet' }, thresholds: Record<string, unknown>, source: string, out: (s: string) => void, err: (s: string) => void): number {
  let g;
  try {
    g = fleetThreshold(input.side.index, input.side.reportOf, thresholds);
  } catch (e) {
    if (e instanceof ThresholdError) throw new InputError(`${source}: ${e.message}`);
    throw e;
  }
  for (const k of g.unknownKeys) err(`warning: unknown threshold key "${k}" ignored${unknownKeyHint(k)}\n`);
  const evaluated = g.containers.filter((c) => c.result).length;
  if (evaluated > 0 && g.checked === 0) throw new InputError(`${source}: no threshold rule recognised, so nothing would be checked (keys such as compliance.min, failed.total.max, error.critical.max)`);
  fleetNotes(input, err);
  for (const s of g.skipped) err(`note: not scannable, not checked: ${s}\n`);
  const rules = `${g.checked} threshold rule${g.checked === 1 ? '' : 's'}`;
  if (g.met) {
    out(`All ${rules} met by each of ${evaluated} container${evaluated === 1 ? '' : 's'}${g.skipped.length ? ` (${g.skipped.length} not scannable)` : ''}.\n`);
    return 0;
  }
  const failing = g.containers.filter((c) => c.problem || (c.result && !c.result.met)).length;
  err(`${failing} of ${g.containers.length - g.skipped.length} containers do not meet the thresholds (${rules} each):\n${g.violations.map((v) => `  ${v}\n`).join('')}`);
  return 1;
}

/** `scan`: SIGINT/SIGTERM cancel the run (auditors stopped, the temporary kubeconfig removed, the index says cancelled). */
async function scanCommand(options: Parameters<typeof headlessScan>[0], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!ac.signal.aborted) err(`kube-compliance: ${sig}: cancelling (stopping running auditors)…\n`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const r = await headlessScan(options, { out, err, signal: ac.signal });
    return r.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (ac.signal.aborted) process.exitCode = SCAN_EXIT.cancelled;
  }
}

async function main(argv: string[]): Promise<number> {
  const out = (s: string): void => void process.stdout.write(s);
  const err = (s: string): void => void process.stderr.write(s);
  try {
    return await run(argv, out, err);
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
void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
