// Source links: where a control's `source_location` is in this workspace. The rules (absolute, relative to the
// scan cwd / a profile root, `controls/FILE.rb` suffix match preferring the profile whose inspec.yml name matches,
// vendored `NAME-<sha>/` and cache paths, generated ids, the group file) are RESULTS-CORE's `resolveSourceLocation`
// (src/core/results); this file only gives it the workspace (files, search) and opens the result in an editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveSourceLocation, type Control, type Report, type SourceLookup, type SourceResolution } from '../../core/results';

const EXCLUDE = '{**/node_modules/**,**/.git/**}';

/** `SourceLookup` over the workspace, memoised for one batch (a report's worth of controls). */
export class WorkspaceSourceLookup implements SourceLookup {
  private readonly existsCache = new Map<string, Promise<boolean>>();
  private readonly findCache = new Map<string, Promise<readonly string[]>>();
  private readonly readCache = new Map<string, Promise<string | undefined>>();

  exists(p: string): Promise<boolean> {
    let r = this.existsCache.get(p);
    if (!r) {
      r = Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.file(p))).then(
        (s) => (s.type & vscode.FileType.File) !== 0,
        () => false,
      );
      this.existsCache.set(p, r);
    }
    return r;
  }

  findFiles(suffix: string): Promise<readonly string[]> {
    const clean = suffix.replace(/\\/g, '/').replace(/^\/+/, '');
    let r = this.findCache.get(clean);
    if (!r) {
      // glob metacharacters in a report's path must not widen the search
      const glob = `**/${clean.replace(/[[\]{}*?!]/g, (ch) => `[${ch}]`)}`;
      r = Promise.resolve(vscode.workspace.findFiles(glob, EXCLUDE, 200)).then(
        (uris) => uris.map((u) => u.fsPath.replace(/\\/g, '/')).sort(),
        () => [],
      );
      this.findCache.set(clean, r);
    }
    return r;
  }

  readFile(p: string): Promise<string | undefined> {
    let r = this.readCache.get(p);
    if (!r) {
      r = Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.file(p))).then(
        (b) => new TextDecoder('utf-8').decode(b),
        () => undefined,
      );
      this.readCache.set(p, r);
    }
    return r;
  }

  /** Folders of the workspace that hold an `inspec.yml`. */
  async profileRoots(): Promise<string[]> {
    const files = await this.findFiles('inspec.yml');
    return files.map((f) => path.posix.dirname(f));
  }
}

/** Resolves controls of one report against the workspace, caching per control. */
export class ReportSources {
  private readonly lookup = new WorkspaceSourceLookup();
  private readonly cache = new Map<string, Promise<SourceResolution>>();
  private roots: Promise<string[]> | undefined;

  constructor(
    readonly report: Report,
    private readonly cwd: string | undefined,
  ) {}

  resolve(control: Control): Promise<SourceResolution> {
    let r = this.cache.get(control.key);
    if (!r) {
      this.roots ??= this.lookup.profileRoots();
      r = this.roots.then((profileRoots) => resolveSourceLocation(this.report, control, this.lookup, { cwd: this.cwd, profileRoots }));
      this.cache.set(control.key, r);
    }
    return r;
  }
}

/** Opens the file at the (1-based) line, in the editor group `column`. */
export async function openAt(file: string, line: number, column: vscode.ViewColumn, preserveFocus = false): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const l = Math.max(0, Math.min(doc.lineCount - 1, line - 1));
  const text = doc.lineAt(l).text;
  const start = text.length - text.trimStart().length;
  const range = new vscode.Range(l, start, l, start);
  return vscode.window.showTextDocument(doc, { viewColumn: column, selection: range, preview: true, preserveFocus });
}
