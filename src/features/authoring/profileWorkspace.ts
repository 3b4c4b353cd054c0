import { dirname, sep } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import { setContext } from '../../platform/commands';
import { diffControls, ProfileIndex, type ControlChanges, type IndexedProfile, type SourceProblem } from '../../core/profiles';
import type { Log } from '../../platform/log';
import { DiagnosticsByFile } from './lineDiagnostics';

export const PROFILE_DIAGNOSTIC_SOURCE = 'Kube Compliance (profile)';

/** Something in the index changed: which profile roots (undefined: everything). */
export interface IndexChange {
  readonly roots?: readonly string[];
}

/**
 * Keeps the core ProfileIndex current with the workspace: an initial search, a FileSystemWatcher for `inspec.yml`
 * and `*.rb` files, and the text of open documents as they are edited (so the tree follows unsaved edits).
 * Publishes the index's own problems (invalid inspec.yml, duplicate control ids, unbalanced control blocks) as
 * diagnostics. Remembers the text of each control file as of its last save, the base of run-on-save's change detection.
 */
export class ProfileWorkspace extends Disposable {
  readonly index = new ProfileIndex();
  private readonly emitter = new vscode.EventEmitter<IndexChange>();
  readonly onDidChange = this.emitter.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('kube-compliance-profiles');
  /** Text of each control file as last saved or read from disk. */
  private readonly savedText = new Map<string, string>();
  private ready: Promise<void>;
  private pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Log) {
    super();
    const watcher = vscode.workspace.createFileSystemWatcher('**/{inspec.yml,*.rb}');
    // a deleted folder only reports the folder itself; files written right after their folder was created can be
    // missed by the recursive watcher, so a new folder is searched once
    const folderWatcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    this.registerAll(
      watcher,
      folderWatcher,
      this.diagnostics,
      this.emitter,
      watcher.onDidCreate((u) => void this.readFromDisk(u)),
      watcher.onDidChange((u) => {
        // the open document is the source of truth while it is open
        if (!this.openDocument(u)) void this.readFromDisk(u);
      }),
      watcher.onDidDelete((u) => this.remove(u)),
      folderWatcher.onDidCreate((u) => void this.folderCreated(u)),
      folderWatcher.onDidDelete((u) => {
        // only deletions that touch a profile (a folder holding one, or anything inside one)
        const p = u.fsPath;
        if (this.index.profileOf(p) || this.index.profiles.some((x) => x.root === p || x.root.startsWith(p + sep))) this.remove(u);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.isRelevant(e.document.uri)) this.schedule(e.document);
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (this.isRelevant(d.uri) && d.getText() !== this.index.file(d.uri.fsPath)?.text) this.schedule(d);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.ready = this.scan();
      }),
    );
    this.ready = this.scan();
  }

  /** Resolves once the initial workspace search is indexed. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private isRelevant(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && (uri.path.endsWith('/inspec.yml') || uri.path.endsWith('.rb'));
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  }

  private async scan(): Promise<void> {
    const started = Date.now();
    const files = await vscode.workspace.findFiles('**/{inspec.yml,controls/**/*.rb}', '{**/node_modules/**,**/.git/**}');
    const manifests = files.filter((u) => u.path.endsWith('/inspec.yml')).filter((u) => this.index.isManifest(u.fsPath));
    await Promise.all(manifests.map((u) => this.readFromDisk(u, false)));
    const rbs = files.filter((u) => u.path.endsWith('.rb') && this.index.isControlFile(u.fsPath));
    await Promise.all(rbs.map((u) => this.readFromDisk(u, false)));
    this.publishProblems();
    void setContext('kubeCompliance.hasProfiles', this.index.profiles.length > 0);
    this.log.info(`Authoring: indexed ${this.index.profiles.length} profile(s), ${this.controlCount()} control(s) in ${Date.now() - started} ms`);
    this.emitter.fire({});
  }

  private controlCount(): number {
    return this.index.profiles.reduce((n, p) => n + [...p.files.values()].reduce((m, f) => m + f.controls.length, 0), 0);
  }

  private async folderCreated(uri: vscode.Uri): Promise<void> {
    if (this.isRelevant(uri) || /[\\/](node_modules|\.git)([\\/]|$)/.test(uri.fsPath)) return;
    try {
      if ((await vscode.workspace.fs.stat(uri)).type !== vscode.FileType.Directory) return;
    } catch {
      return;
    }
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(uri, '**/{inspec.yml,*.rb}'), '{**/node_modules/**,**/.git/**}');
    const manifests = found.filter((u) => u.path.endsWith('/inspec.yml') && this.index.isManifest(u.fsPath) && !this.index.profile(dirname(u.fsPath)));
    for (const u of manifests) await this.readFromDisk(u, false);
    for (const u of found.filter((x) => x.path.endsWith('.rb') && this.index.isControlFile(x.fsPath) && !this.index.file(x.fsPath))) await this.readFromDisk(u, false);
    if (manifests.length || found.length) {
      this.publishProblems();
      void setContext('kubeCompliance.hasProfiles', this.index.profiles.length > 0);
      this.emitter.fire({});
    }
  }

  private async readFromDisk(uri: vscode.Uri, notify = true): Promise<void> {
    let text: string;
    try {
      const open = this.openDocument(uri);
      text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      if (!open) this.savedText.set(uri.fsPath, text);
      else if (!this.savedText.has(uri.fsPath)) this.savedText.set(uri.fsPath, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    } catch (err) {
      this.log.debug(`Authoring: cannot read ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.apply(uri.fsPath, text, notify);
  }

  private schedule(doc: vscode.TextDocument): void {
    this.pending.add(doc.uri.toString());
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const uris = [...this.pending];
      this.pending.clear();
      for (const u of uris) {
        const d = vscode.workspace.textDocuments.find((x) => x.uri.toString() === u);
        if (d) this.apply(d.uri.fsPath, d.getText(), true);
      }
    }, 150);
  }

  /** Re-indexes one file from the given text; returns the change against the previously indexed text. */
  apply(path: string, text: string, notify = true): ControlChanges | undefined {
    let root: string | undefined;
    let changes: ControlChanges | undefined;
    if (this.index.isManifest(path)) {
      root = this.index.setManifest(path, text).root;
    } else if (path.endsWith('.rb')) {
      changes = this.index.setControlFile(path, text);
      root = this.index.profileOf(path)?.root;
    }
    if (notify) {
      this.publishProblems();
      void setContext('kubeCompliance.hasProfiles', this.index.profiles.length > 0);
      this.emitter.fire({ roots: root ? [root] : undefined });
    }
    return changes;
  }

  private remove(uri: vscode.Uri): void {
    this.index.removeFile(uri.fsPath);
    this.savedText.delete(uri.fsPath);
    this.publishProblems();
    void setContext('kubeCompliance.hasProfiles', this.index.profiles.length > 0);
    this.emitter.fire({});
  }

  /**
   * A control file was saved: indexes the saved text and returns which controls differ from the text of the
   * previous save (what run-on-save re-runs). Undefined when the file is not a control file of a profile.
   */
  saved(doc: vscode.TextDocument): (ControlChanges & { profile: IndexedProfile }) | undefined {
    const path = doc.uri.fsPath;
    const text = doc.getText();
    const before = this.savedText.get(path);
    this.savedText.set(path, text);
    this.apply(path, text);
    const profile = this.index.profileOf(path);
    if (!profile || !path.endsWith('.rb') || !profile.files.has(path)) return undefined;
    // saved-vs-saved, whatever the live index saw in between
    return { ...diffControls(before ?? '', text), profile };
  }

  private publishProblems(): void {
    const found = new DiagnosticsByFile(PROFILE_DIAGNOSTIC_SOURCE);
    const byFile = found.byFile;
    const add = (file: string, p: Pick<SourceProblem, 'line' | 'column' | 'message' | 'severity'>, code?: string, related?: vscode.DiagnosticRelatedInformation[]) => found.add(file, p, code, related);
    for (const profile of this.index.profiles) {
      for (const p of profile.manifestProblems) add(profile.manifestPath, p, 'inspec-yml');
      for (const f of profile.files.values()) {
        // the scanner is a heuristic, not Ruby: its findings are warnings; `AUDITOR check` reports real syntax errors
        for (const p of f.problems) add(f.path, { ...p, severity: 'warning', message: `${p.message} (control index)` }, 'control-index');
      }
    }
    for (const dup of this.index.duplicates()) {
      for (const loc of dup.locations) {
        const others = dup.locations.filter((l) => l !== loc);
        add(
          loc.file,
          { line: loc.line, column: loc.column, severity: 'warning', message: `Control id '${dup.id}' is defined ${dup.locations.length} times in this profile; the auditor keeps only one of them` },
          'duplicate-control',
          others.map((o) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(o.file), new vscode.Position(o.line - 1, o.column)), `also defined here`)),
        );
      }
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  /** Index diagnostics of one file (for tests and the check integration). */
  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }

  override dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    super.dispose();
  }
}
