import * as vscode from 'vscode';

/** A problem at a 1-based line and 0-based column, as the control index and `AUDITOR check` report them. */
export interface LineProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/**
 * Diagnostics grouped by file: each problem marks its line from its column to the end, Error or Warning, with the
 * given source and optional code and related locations.
 */
export class DiagnosticsByFile {
  readonly byFile = new Map<string, vscode.Diagnostic[]>();

  constructor(private readonly source: string) {}

  add(file: string, p: LineProblem, code?: string, related?: vscode.DiagnosticRelatedInformation[]): void {
    const line = Math.max(0, p.line - 1);
    const d = new vscode.Diagnostic(new vscode.Range(line, p.column, line, Number.MAX_SAFE_INTEGER), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    d.source = this.source;
    if (code) d.code = code;
    if (related) d.relatedInformation = related;
    const list = this.byFile.get(file) ?? [];
    list.push(d);
    this.byFile.set(file, list);
  }
}
