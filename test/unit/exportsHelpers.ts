import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseReport, type Report } from '../../src/core/results';
import type { ExportEntry } from '../../src/core/exports';

/** Shared by the export tests: fixture loading, a hostile copy of a real report, and fast-xml-parser as the XML oracle. */

export const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
export const rawFixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(fixtures, 'reports', name), 'utf8'));
export const load = (name: string): Report => parseReport(readFileSync(join(fixtures, 'reports', name), 'utf8'));
export const entry = (name: string, label = name, extra: Partial<ExportEntry> = {}): ExportEntry => ({ report: load(name), label, ...extra });

let n = 0;
/** Deterministic ids for tests that compare two exports. */
export const counterUuid = (): (() => string) => {
  n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
};

/** Strings every exporter must carry through escaped and valid: XML/HTML metacharacters, a CDATA end, C0 controls, a lone surrogate. */
export const HOSTILE = `<script>alert("x")</script> & 'q' ]]> \u0001\u0008\u000b\u001b\uFFFE \uD800 end`;

/** A copy of the container-baseline report with hostile text in a title, a tag, a description, a result message and the label. */
export function hostileReport(): Report {
  const raw = rawFixture('container-baseline-local.json') as { profiles: Array<{ controls: Array<Record<string, unknown>> }> };
  const c = raw.profiles[0].controls[0] as { title: string; tags: Record<string, unknown>; desc: string; results: Array<Record<string, unknown>>; descriptions: Array<{ label: string; data: string }> };
  c.title = HOSTILE;
  c.desc = HOSTILE;
  c.tags.gid = `V-1${HOSTILE}`;
  c.tags.rid = `SV-1r1_rule${HOSTILE}`;
  c.descriptions.push({ label: 'check', data: HOSTILE });
  c.results[0].message = `${HOSTILE}\n${'x'.repeat(40_000)}`;
  c.results[0].status = 'failed';
  return parseReport(raw);
}

/** fast-xml-parser's validator: true, or the error it found (with line and column). */
export function xmlValid(xml: string): true | string {
  const v = XMLValidator.validate(xml);
  return v === true ? true : `${v.err.code}: ${v.err.msg} at ${v.err.line}:${v.err.col}`;
}

/** Characters XML 1.0 forbids outright (XMLValidator does not look for them). */
// eslint-disable-next-line no-control-regex
export const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Parses XML into objects with text kept as strings and the repeating elements always arrays. */
export function parseXml(xml: string, arrays: readonly string[]): Record<string, unknown> {
  const p = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    isArray: (name) => arrays.includes(name),
  });
  return p.parse(xml) as Record<string, unknown>;
}

export function count<T>(list: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}
