import type { Control, ControlStatus } from '../results/types';
import { capText, checkText, fixText, rawResultStatus, stigProfile, tagText, xmlText, type ChecklistOptions, type ExportEntry } from './common';

/**
 * XCCDF 1.2 results: a Benchmark with one Group/Rule per control and one TestResult per container. Ids, Rule
 * content and messages follow Heimdall's exporter (mitre/heimdall2
 * libs/hdf-converters/src/converters-from-hdf/xccdf/reverse-xccdf-mapper.ts and hdf2xccdf-results-template.xml:
 * `xccdf_hdf_rule_<rid>` ids, `<version>` = stig_id, CCIs as `<ident system="http://iase.disa.mil/cci">`), with the
 * children in the order the XCCDF 1.2 schema requires (NISTIR 7275r4 §6: Benchmark status … version, Group*,
 * TestResult*; TestResult target+ … rule-result*, score+; rule-result result, ident*, message*, check*), and
 * ids that match its patterns (`xccdf_<reverse-DNS>_<type>_<name>`).
 *
 * The rule-result comes from Heimdall's control status (Passed → pass, Failed → fail, Not Applicable →
 * notapplicable, Not Reviewed → notchecked, Profile Error → error), the XCCDF 1.2 result values of NISTIR 7275r4
 * Table 27. Heimdall's own mapper reads raw results instead and would call a control with no results "pass".
 */

const NS = 'http://checklists.nist.gov/xccdf/1.2';
export const XCCDF_RESULTS = ['pass', 'fail', 'error', 'unknown', 'notapplicable', 'notchecked', 'notselected', 'informational', 'fixed'] as const;

const RESULT: Record<ControlStatus, (typeof XCCDF_RESULTS)[number]> = {
  Passed: 'pass',
  Failed: 'fail',
  'Not Applicable': 'notapplicable',
  'Not Reviewed': 'notchecked',
  'Profile Error': 'error',
};

export const xccdfResult = (c: Control): (typeof XCCDF_RESULTS)[number] => RESULT[c.status];

/** NCName-safe id part (Heimdall: `_` → `-`, anything not word, `-` or `.` → `_`). */
const idPart = (s: string): string => s.replace(/_/g, '-').replace(/[^\w.-]/g, '_');

export const ruleId = (c: Control): string => `xccdf_hdf_rule_${tagText(c, 'rid') ? idPart(tagText(c, 'rid')) : `${idPart(c.id)}_rule`}`;
const groupId = (c: Control): string => `xccdf_hdf_group_${idPart(c.id)}`;

/** XCCDF severity (Heimdall's `getSeverity`: < 0.1 info, < 0.4 low, < 0.7 medium, else high). */
const severity = (c: Control): string => (c.impact < 0.1 ? 'info' : c.impact < 0.4 ? 'low' : c.impact < 0.7 ? 'medium' : 'high');

const t = (name: string, value: string, attrs = ''): string => `<${name}${attrs}>${xmlText(capText(value))}</${name}>`;

function ruleXml(c: Control): string {
  const fixId = tagText(c, 'fix_id');
  return (
    `<Group id="${xmlText(groupId(c))}">${t('title', tagText(c, 'gtitle') || c.title || c.id)}` +
    `<Rule id="${xmlText(ruleId(c))}" severity="${severity(c)}">` +
    t('version', tagText(c, 'stig_id')) +
    t('title', c.title ?? '') +
    t('description', c.desc ?? '') +
    c.cci.map((cci) => t('ident', cci, ' system="http://iase.disa.mil/cci"')).join('') +
    t('fixtext', fixText(c), fixId ? ` fixref="${xmlText(fixId)}"` : '') +
    (fixId ? `<fix id="${xmlText(fixId)}"/>` : '') +
    `<check system="http://www.w3.org/1999/xhtml">${t('check-content', checkText(c))}</check>` +
    '</Rule></Group>'
  );
}

/** One line per result, as Heimdall's `toMessageLine` writes it. */
function message(c: Control): string {
  return c.results
    .map((r) => {
      const raw = rawResultStatus(r);
      if (r.status === 'error') return `ERROR -- Test: ${r.codeDesc}\nMessage: ${r.message ?? r.exception ?? ''}`;
      if (raw === 'skipped') return `SKIPPED -- ${r.skipMessage ?? r.codeDesc}`;
      if (raw === 'failed') return `FAILED -- Test: ${r.codeDesc}\nMessage: ${r.message ?? ''}`;
      if (raw === 'passed') return `PASSED -- ${r.codeDesc}`;
      return `${raw.toUpperCase()} -- ${r.codeDesc}`;
    })
    .join('\n\n');
}

/**
 * TestResult `@test-system`: "the benchmark consumer program that generated this TestResult … should be a CPE name"
 * (NISTIR 7275r4 §6.6.2; OpenSCAP's Schematron warns without it), written as OpenSCAP (`cpe:/a:redhat:openscap:1.3.6`)
 * and SCC (`cpe:/a:spawar:scc:5.14.1`) write theirs. The program that evaluated the controls is InSpec (CINC Auditor
 * is its rebuild and reports the same version), at the report's top-level `version`. STIG Manager's XCCDF import
 * reads it unconditionally (ReviewParser.js `reviewsFromXccdf`: `testSystem.match(…)`) and fails without it.
 */
function testSystem(e: ExportEntry): string {
  const v = (e.report.auditorVersion ?? '').replace(/[^A-Za-z0-9._~-]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `cpe:/a:chef:inspec${v ? `:${v}` : ''}`;
}

function testResult(e: ExportEntry, index: number, now: string): string {
  const controls = e.report.controls;
  const start = controls.flatMap((c) => c.results.map((r) => r.startTime)).find((s) => s && !Number.isNaN(Date.parse(s)));
  const passed = controls.filter((c) => c.status === 'Passed').length;
  const counted = controls.filter((c) => c.status !== 'Not Applicable').length;
  const facts = [
    ['urn:xccdf:fact:asset:identifier:host_name', e.label],
    ...(e.image ? [['urn:xccdf:fact:kube-compliance:image', e.image]] : []),
    ...(e.imageDigest ? [['urn:xccdf:fact:kube-compliance:image-digest', e.imageDigest]] : []),
    ...(e.report.platform.name ? [['urn:xccdf:fact:kube-compliance:platform', [e.report.platform.name, e.report.platform.release].filter(Boolean).join(' ')]] : []),
  ];
  return (
    `<TestResult id="xccdf_hdf_testresult_${index + 1}_${idPart(e.label)}"${start ? ` start-time="${xmlText(new Date(start).toISOString())}"` : ''} end-time="${now}" test-system="${xmlText(testSystem(e))}">` +
    t('title', e.label) +
    t('target', e.label) +
    `<target-facts>${facts.map(([n, v]) => t('fact', v, ` name="${xmlText(n)}" type="string"`)).join('')}</target-facts>` +
    controls
      .map(
        (c) =>
          `<rule-result idref="${xmlText(ruleId(c))}" severity="${severity(c)}">` +
          `<result>${xccdfResult(c)}</result>` +
          c.cci.map((cci) => t('ident', cci, ' system="http://iase.disa.mil/cci"')).join('') +
          (c.results.length ? t('message', message(c), ` severity="${c.results.some((r) => r.status === 'error') ? 'error' : 'info'}"`) : '') +
          '</rule-result>',
      )
      .join('') +
    // urn:xccdf:scoring:default-style percentage of the controls that count (Not Applicable excluded, as Heimdall)
    `<score system="urn:xccdf:scoring:default" maximum="100">${counted ? ((100 * passed) / counted).toFixed(2) : '0.00'}</score>` +
    '</TestResult>'
  );
}

export function toXccdf(entries: readonly ExportEntry[], options: Pick<ChecklistOptions, 'now' | 'uuid'> = {}, notes: ReadonlyMap<string, string> = new Map()): string {
  const now = (options.now ?? new Date()).toISOString();
  const first = entries[0]?.report;
  const p = first ? stigProfile(first) : undefined;
  // one Rule per control id across containers (a fleet shares its profile; a control seen twice is written once)
  const rules = new Map<string, Control>();
  for (const e of entries) for (const c of e.report.controls) if (!rules.has(ruleId(c))) rules.set(ruleId(c), c);
  const description = ['Kube Compliance scan results (InSpec / CINC Auditor HDF) as XCCDF 1.2.', ...notes.values()].join('\n');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Benchmark xmlns="${NS}" id="xccdf_hdf_benchmark_${idPart(p?.name ?? 'report')}" resolved="1" xml:lang="en">` +
    `<status date="${now.slice(0, 10)}">accepted</status>` +
    t('title', p?.title || p?.name || 'Kube Compliance results') +
    t('description', description) +
    t('version', p?.version ?? '0') +
    [...rules.values()].map(ruleXml).join('') +
    entries.map((e, i) => testResult(e, i, now)).join('') +
    '</Benchmark>\n'
  );
}
