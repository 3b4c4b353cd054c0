/**
 * Turns the output of `AUDITOR check PROFILE [--format json]` into file/line problems.
 *
 * - JSON (`--format json`): `{ summary: { valid, … }, errors: [{ file, line, column, control_id, msg }], warnings: […] }`.
 * - Text: lines `  ✖  FILE:LINE:COL: MESSAGE` (errors) and `  !  FILE:LINE:COL: MESSAGE` (warnings), with colour codes.
 * - Ruby syntax errors, wherever they appear (stdout, stderr, inside a JSON message):
 *   `PATH.rb:LINE: syntax error, …` (Ruby ≤ 3.3) or `PATH.rb:LINE: syntax errors found` followed by
 *   `> LINE | code` / `^ message` lines (Prism, Ruby ≥ 3.4).
 * Files are resolved against the profile root when relative.
 */
import { isAbsolute, join, normalize } from 'node:path';

export interface CheckProblem {
  /** Absolute path, or undefined for a profile-level problem (shown on inspec.yml). */
  readonly file?: string;
  readonly line: number; // 1-based; 1 when unknown
  readonly column: number; // 0-based
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly controlId?: string;
}

export interface CheckOutcome {
  readonly valid: boolean | undefined;
  readonly problems: CheckProblem[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function parseCheckOutput(stdout: string, stderr: string, profileRoot: string): CheckOutcome {
  const resolveFile = (f: unknown): string | undefined => {
    if (typeof f !== 'string' || !f) return undefined;
    return normalize(isAbsolute(f) ? f : join(profileRoot, f));
  };
  const problems: CheckProblem[] = [];
  const seen = new Set<string>();
  const add = (p: CheckProblem) => {
    const key = `${p.file}|${p.line}|${p.severity}|${p.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(p);
  };

  let valid: boolean | undefined;
  const json = firstJsonObject(stdout);
  if (json && typeof json === 'object' && ('errors' in json || 'summary' in json)) {
    const o = json as { summary?: { valid?: unknown }; errors?: unknown; warnings?: unknown };
    if (typeof o.summary?.valid === 'boolean') valid = o.summary.valid;
    for (const [list, severity] of [
      [o.errors, 'error'],
      [o.warnings, 'warning'],
    ] as const) {
      if (!Array.isArray(list)) continue;
      for (const item of list as Array<Record<string, unknown>>) {
        const msg = String(item.msg ?? item.message ?? '').trim();
        if (!msg) continue;
        const fromMsg = syntaxErrors(msg, resolveFile);
        if (fromMsg.length) {
          fromMsg.forEach(add);
          continue;
        }
        add({
          file: resolveFile(item.file),
          line: positive(item.line) ?? 1,
          column: Math.max(0, (positive(item.column) ?? 1) - 1),
          message: msg,
          severity,
          controlId: typeof item.control_id === 'string' && item.control_id ? item.control_id : undefined,
        });
      }
    }
  } else {
    const text = stdout.replace(ANSI, '');
    for (const raw of text.split(/\r?\n/)) {
      const m = /^\s*(✖|×|x|!)\s{1,}(.*)$/.exec(raw);
      if (!m) {
        const v = /^\s*Valid\s*:\s*(true|false)/i.exec(raw);
        if (v) valid = v[1].toLowerCase() === 'true';
        continue;
      }
      const severity = m[1] === '!' ? 'warning' : 'error';
      const rest = m[2].trim();
      const pos = /^(.+?\.(?:rb|yml|yaml)):(\d+)(?::(\d+))?:\s*(.*)$/.exec(rest);
      if (pos) {
        const fromMsg = syntaxErrors(rest, resolveFile);
        if (fromMsg.length) fromMsg.forEach(add);
        else add({ file: resolveFile(pos[1]), line: Number(pos[2]) || 1, column: Math.max(0, (Number(pos[3]) || 1) - 1), message: pos[4], severity });
      } else {
        add({ line: 1, column: 0, message: rest, severity });
      }
    }
  }
  // syntax errors the auditor printed outside the structured lists (stderr, log lines)
  const unstructured = json ? stderr : `${stdout}\n${stderr}`;
  for (const p of syntaxErrors(unstructured.replace(ANSI, ''), resolveFile)) if (!problems.some((q) => q.file === p.file && q.line === p.line && q.severity === 'error')) add(p);
  if (valid === undefined && problems.some((p) => p.severity === 'error')) valid = false;
  return { valid, problems };
}

/** `FILE.rb:LINE: syntax error…` (classic parser) and Prism's `FILE.rb:LINE: syntax errors found` + `> N | …` / `^ msg`. */
function syntaxErrors(text: string, resolveFile: (f: unknown) => string | undefined): CheckProblem[] {
  const out: CheckProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /((?:[A-Za-z]:)?[^\s:'"`]*\.rb):(\d+):\s*(?:[^:]*:\s*)?(syntax errors? (?:found|error)?.*|syntax error.*)$/i.exec(lines[i]);
    if (!m) continue;
    const file = resolveFile(m[1]);
    const headerLine = Number(m[2]) || 1;
    let message = m[3].trim();
    // Prism: the detail lines that follow point at the exact lines
    const details: CheckProblem[] = [];
    let lastCodeLine: number | undefined;
    for (let j = i + 1; j < lines.length && j < i + 40; j++) {
      const code = /^\s*>?\s*(\d+)\s*\|/.exec(lines[j]);
      if (code) {
        if (/^\s*>/.test(lines[j])) lastCodeLine = Number(code[1]);
        continue;
      }
      const caret = /^\s*\|?\s*\^+~*\s*(.+)$/.exec(lines[j]);
      if (caret && lastCodeLine !== undefined) {
        details.push({ file, line: lastCodeLine, column: Math.max(0, lines[j].indexOf('^') - (lines[j].indexOf('|') + 2)), message: `syntax error: ${caret[1].trim()}`, severity: 'error' });
        continue;
      }
      if (/^\s*$/.test(lines[j]) || /\.rb:\d+:/.test(lines[j])) break;
      if (!/^\s*[|>]/.test(lines[j]) && !details.length) message += ` ${lines[j].trim()}`;
    }
    if (details.length) out.push(...details);
    else out.push({ file, line: headerLine, column: 0, message: message.startsWith('syntax') ? message : `syntax error: ${message}`, severity: 'error' });
  }
  return out;
}

function positive(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined;
}

/** The first balanced `{…}` in the text that parses as JSON (the auditor may print log lines around it). */
function firstJsonObject(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    const end = text.lastIndexOf('}');
    if (end <= start) return undefined;
    try {
      return JSON.parse(text.slice(start, end + 1));
    } catch {
      return undefined;
    }
  }
}
