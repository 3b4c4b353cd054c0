// Editor feedback from the latest run: a diagnostic on the `control` line of each failed or errored control, and
// a CodeLens above every `control 'ID' do` with its last status. Reusable by profile authoring:
// `const fb = new EditorFeedback(); fb.update(report, cwd); … fb.clear();`
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import type { Control, ControlStatus, Report, Severity } from '../../core/results';
import { ReportSources } from './sourceLinks';
import { transportNoteFor } from './panelData';
import type { TransportInfo } from '../../core/scan/auditorFailure';

export const DIAGNOSTIC_SOURCE = 'Kube Compliance';
/** Command a CodeLens runs: reveals the control in the results panel (argument: the control id). */
export const REVEAL_CONTROL_COMMAND = 'kubeCompliance.revealControl';

const CONTROL_LINE = /^\s*control\s+(['"])(.+?)\1\s*(?:,|do\b)/;

/** critical/high → Error, medium → Warning, low → Information, none → Hint; Profile Error → Error whatever the severity. */
export function diagnosticSeverity(status: ControlStatus, severity: Severity): vscode.DiagnosticSeverity {
  if (status === 'Profile Error') return vscode.DiagnosticSeverity.Error;
  switch (severity) {
    case 'critical':
    case 'high':
      return vscode.DiagnosticSeverity.Error;
    case 'medium':
      return vscode.DiagnosticSeverity.Warning;
    case 'low':
      return vscode.DiagnosticSeverity.Information;
    default:
      return vscode.DiagnosticSeverity.Hint;
  }
}

const STATUS_ICON: Record<ControlStatus, string> = {
  Passed: '$(pass)',
  Failed: '$(error)',
  'Not Applicable': '$(circle-slash)',
  'Not Reviewed': '$(eye-closed)',
  'Profile Error': '$(warning)',
};

function problemText(c: Control, transport?: TransportInfo): string {
  const bad = c.results.filter((r) => r.status === 'failed' || r.status === 'error');
  const first = bad[0];
  const what = first ? `${first.codeDesc}${first.message ? `: ${first.message.split('\n')[0]}` : ''}` : 'no results (the control did not run)';
  const more = bad.length > 1 ? ` (+${bad.length - 1} more)` : '';
  const status = c.status === 'Profile Error' ? 'errored' : 'failed';
  const note = transportNoteFor(c, transport);
  return `${c.id} ${status} (${c.severity}): ${c.title ?? ''}\n${what}${more}${note ? `\n${note}` : ''}`;
}

export class EditorFeedback extends Disposable {
  readonly diagnostics: vscode.DiagnosticCollection;
  private statusById = new Map<string, Control>();
  private label = '';
  private generation = 0;
  private readonly lensEmitter = new vscode.EventEmitter<void>();

  constructor() {
    super();
    this.diagnostics = vscode.languages.createDiagnosticCollection('kube-compliance');
    const provider: vscode.CodeLensProvider = {
      onDidChangeCodeLenses: this.lensEmitter.event,
      provideCodeLenses: (doc) => this.lenses(doc),
    };
    this.registerAll(
      this.diagnostics,
      this.lensEmitter,
      vscode.languages.registerCodeLensProvider([{ scheme: 'file', pattern: '**/*.rb' }, { scheme: 'file', language: 'ruby' }], provider),
    );
  }

  /** Replaces everything with the outcome of `report` (the latest run). `label` names the run in the CodeLens tooltip. */
  async update(report: Report, cwd?: string, label = 'the latest run', transport?: TransportInfo): Promise<void> {
    const gen = ++this.generation;
    this.diagnostics.clear();
    this.profileDirCache.clear();
    this.statusById = new Map(report.controls.map((c) => [c.id, c]));
    this.label = label;
    this.lensEmitter.fire();
    const sources = new ReportSources(report, cwd);
    const bad = report.controls.filter((c) => c.status === 'Failed' || c.status === 'Profile Error');
    const byFile = new Map<string, vscode.Diagnostic[]>();
    await Promise.all(
      bad.map(async (c) => {
        const where = await sources.resolve(c);
        if (!where.found) return;
        const range = await this.controlRange(where.path, where.line, c.id);
        const d = new vscode.Diagnostic(range, problemText(c, transport), diagnosticSeverity(c.status, c.severity));
        d.source = DIAGNOSTIC_SOURCE;
        d.code = c.id;
        let list = byFile.get(where.path);
        if (!list) byFile.set(where.path, (list = []));
        list.push(d);
      }),
    );
    if (gen !== this.generation) return; // a newer run replaced this one meanwhile
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  /** Removes all diagnostics and lenses. */
  clear(): void {
    this.generation++;
    this.profileDirCache.clear();
    this.diagnostics.clear();
    this.statusById = new Map();
    this.lensEmitter.fire();
  }

  /**
   * The range of the `control 'id'` line near the reported (1-based) line: STIG reports say line 1 for every control.
   * The range ends at the line's real end (the workbench drops markers whose columns are out of range).
   */
  private async controlRange(file: string, reported: number, id: string): Promise<vscode.Range> {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const at = reported - 1;
      let line = Math.max(0, Math.min(doc.lineCount - 1, at));
      if (!(at >= 0 && at < doc.lineCount && CONTROL_LINE.exec(doc.lineAt(at).text)?.[2] === id)) {
        for (let i = 0; i < doc.lineCount; i++) {
          if (CONTROL_LINE.exec(doc.lineAt(i).text)?.[2] === id) {
            line = i;
            break;
          }
        }
      }
      const text = doc.lineAt(line).text;
      return new vscode.Range(line, text.length - text.trimStart().length, line, Math.max(1, text.length));
    } catch {
      const line = Math.max(0, reported - 1);
      return new vscode.Range(line, 0, line, 1);
    }
  }

  private readonly profileDirCache = new Map<string, boolean>();

  /** Is the file inside an InSpec profile (a folder up the tree holds an `inspec.yml`)? */
  private inProfile(file: string): boolean {
    let dir = path.dirname(file);
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const cached = this.profileDirCache.get(dir);
      if (cached !== undefined) {
        for (const d of seen) this.profileDirCache.set(d, cached);
        return cached;
      }
      seen.push(dir);
      if (existsSync(path.join(dir, 'inspec.yml'))) {
        for (const d of seen) this.profileDirCache.set(d, true);
        return true;
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    for (const d of seen) this.profileDirCache.set(d, false);
    return false;
  }

  private lenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (this.statusById.size === 0) return [];
    if (doc.uri.scheme !== 'file' || !this.inProfile(doc.uri.fsPath)) return [];
    const out: vscode.CodeLens[] = [];
    for (let i = 0; i < doc.lineCount; i++) {
      const m = CONTROL_LINE.exec(doc.lineAt(i).text);
      if (!m) continue;
      const c = this.statusById.get(m[2]);
      const range = new vscode.Range(i, 0, i, 0);
      if (c) {
        out.push(
          new vscode.CodeLens(range, {
            title: `${STATUS_ICON[c.status]} ${c.status} · ${c.severity}`,
            tooltip: `${m[2]}: ${c.status} in ${this.label} — show it in the results panel`,
            command: REVEAL_CONTROL_COMMAND,
            arguments: [m[2]],
          }),
        );
      } else {
        out.push(new vscode.CodeLens(range, { title: '$(circle-outline) not in the latest run', tooltip: `${m[2]} was not part of ${this.label}`, command: '' }));
      }
    }
    return out;
  }

  /** Last status of a control id (undefined when the latest run did not include it). */
  statusOf(id: string): ControlStatus | undefined {
    return this.statusById.get(id)?.status;
  }
}
