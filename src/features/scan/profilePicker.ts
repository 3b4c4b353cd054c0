import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import { findProfileFiles } from '../../core/profiles/find';
import { IGNORED_DIRS } from '../../core/profiles';
import { isUrlProfile } from '../../core/scan/argv';
import type { Log } from '../../platform/log';
import { STATE, type State } from '../../platform/state';
import { profileName } from './runsView';
import type { ProfileChoice } from './types';

const MAX_RECENT = 8;
/** Folders the picker never looks into: the profile index's, plus build output (profiles copied into `dist`). */
const PICKER_IGNORED: ReadonlySet<string> = new Set([...IGNORED_DIRS, 'dist']);

interface PickItem extends vscode.QuickPickItem {
  readonly choice?: ProfileChoice;
  readonly action?: 'browseFolder' | 'browseArchive' | 'url' | 'forgetDefault';
}

/**
 * Chooses what to scan with: profiles in the workspace (folders with `inspec.yml`), recently used ones, a folder,
 * archive or URL; then optional inputs and waiver files. One choice can be remembered as the workspace's default
 * (workspaceState), which scans then use without asking.
 */
export class ProfilePicker {
  constructor(
    private readonly state: State,
    private readonly log?: Log,
  ) {}

  getDefault(): ProfileChoice | undefined {
    return this.state.get(STATE.defaultProfile);
  }

  async setDefault(choice: ProfileChoice | undefined): Promise<void> {
    await this.state.update(STATE.defaultProfile, choice);
  }

  recents(): ProfileChoice[] {
    return this.state.get(STATE.recentProfiles, []);
  }

  async remember(choice: ProfileChoice): Promise<void> {
    const rest = this.recents().filter((c) => c.profile !== choice.profile);
    await this.state.update(STATE.recentProfiles, [choice, ...rest].slice(0, MAX_RECENT));
  }

  /** The default when there is one (unless `ask`), else the picker. Undefined when the user cancelled. */
  async resolve(opts: { ask?: boolean; title?: string } = {}): Promise<ProfileChoice | undefined> {
    const def = this.getDefault();
    if (def && !opts.ask) return def;
    const profile = await this.pickProfile(opts.title ?? 'Scan with which InSpec profile?');
    if (!profile) return undefined;
    return this.pickOptions(profile);
  }

  /**
   * Profile folders in the workspace, by their `inspec.yml`: through the editor's search service (which honours
   * `files.exclude`), or — when it has not answered within `searchTimeoutMs` — by reading the workspace folders
   * directly (bounded), so a slow or stuck search never leaves the picker empty. 0 reads the folders directly.
   */
  async workspaceProfiles(searchTimeoutMs = 5000): Promise<Array<{ path: string; name: string; title?: string }>> {
    const exclude = `**/{${[...PICKER_IGNORED].join(',')}}/**`;
    const cts = new vscode.CancellationTokenSource();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), searchTimeoutMs)));
    let files: string[];
    try {
      const search = vscode.workspace.findFiles('**/inspec.yml', exclude, 500, cts.token).then(
        (u) => u.map((f) => f.fsPath),
        (err: unknown) => {
          this.log?.warn(`profile picker: the search service failed (${err instanceof Error ? err.message : String(err)})`);
          return undefined;
        },
      );
      const searched = searchTimeoutMs > 0 ? await Promise.race([search, timedOut]) : undefined;
      if (searched) files = searched;
      else {
        cts.cancel();
        const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
        const found = await findProfileFiles(roots, { ignore: PICKER_IGNORED });
        if (searchTimeoutMs > 0) this.log?.warn(`profile picker: no answer from the search service within ${searchTimeoutMs} ms; read the workspace folders directly (${found.files.length} profile(s)${found.truncated ? ', stopped early: very large workspace' : ''})`);
        files = found.files.slice(0, 500);
      }
    } finally {
      clearTimeout(timer);
      cts.dispose();
    }
    return files
      .map((file) => {
        const path = dirname(file);
        try {
          const meta = parse(readFileSync(file, 'utf8')) as { name?: unknown; title?: unknown } | null;
          return { path, name: typeof meta?.name === 'string' ? meta.name : profileName(path), title: typeof meta?.title === 'string' ? meta.title : undefined };
        } catch {
          return { path, name: profileName(path), title: 'inspec.yml could not be read' };
        }
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  private async pickProfile(title: string): Promise<ProfileChoice | undefined> {
    // the picker opens at once, busy, while the workspace is searched (a cold search can take a while)
    const picked = await vscode.window.showQuickPick(this.profileItems(), { title, placeHolder: 'Profiles are folders with an inspec.yml', matchOnDescription: true, ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.choice) return picked.choice;
    switch (picked.action) {
      case 'forgetDefault':
        await this.setDefault(undefined);
        return this.pickProfile(title);
      case 'browseFolder': {
        const f = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, openLabel: 'Scan with this profile', title: 'Choose an InSpec profile folder' });
        return f?.[0] ? { profile: f[0].fsPath } : undefined;
      }
      case 'browseArchive': {
        const f = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: false, filters: { 'Profile archives': ['gz', 'tgz', 'zip'] }, openLabel: 'Scan with this archive', title: 'Choose an InSpec profile archive' });
        return f?.[0] ? { profile: f[0].fsPath } : undefined;
      }
      case 'url': {
        const url = await vscode.window.showInputBox({
          title: 'Profile URL',
          prompt: 'The auditor downloads the profile from this URL.',
          placeHolder: 'https://github.com/dev-sec/linux-baseline/archive/refs/heads/master.tar.gz',
          ignoreFocusOut: true,
          validateInput: (v) => (isUrlProfile(v.trim()) ? undefined : 'Enter a URL such as https://… or git://…'),
        });
        return url?.trim() ? { profile: url.trim() } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The picker's entries: the workspace default, the workspace's profiles, recent ones, and the other ways. */
  private async profileItems(): Promise<PickItem[]> {
    const started = Date.now();
    const def = this.getDefault();
    const items: PickItem[] = [];
    if (def) {
      items.push({ label: 'Workspace default', kind: vscode.QuickPickItemKind.Separator });
      items.push({ label: `$(star-full) ${profileName(def.profile)}`, description: describe(def), choice: def });
      items.push({ label: '$(close) Forget the workspace default', action: 'forgetDefault' });
    }
    const ws = await this.workspaceProfiles();
    if (ws.length) {
      items.push({ label: 'In this workspace', kind: vscode.QuickPickItemKind.Separator });
      for (const p of ws) items.push({ label: `$(folder) ${p.name}`, description: vscode.workspace.asRelativePath(p.path), detail: p.title, choice: { profile: p.path } });
    }
    const known = new Set(items.map((i) => i.choice?.profile).filter(Boolean));
    const recent = this.recents().filter((r) => !known.has(r.profile));
    if (recent.length) {
      items.push({ label: 'Recently used', kind: vscode.QuickPickItemKind.Separator });
      for (const r of recent) items.push({ label: `$(history) ${profileName(r.profile)}`, description: describe(r), choice: r });
    }
    items.push({ label: 'Other', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: '$(folder-opened) Choose a profile folder…', action: 'browseFolder' });
    items.push({ label: '$(file-zip) Choose a profile archive (.tar.gz, .zip)…', action: 'browseArchive' });
    items.push({ label: '$(link) Enter a profile URL…', action: 'url', detail: 'https://, git or Supermarket URL; the auditor fetches it.' });
    this.log?.info(`profile picker: ${ws.length} workspace profile(s), ${recent.length} recent, found in ${Date.now() - started} ms`);
    return items;
  }

  /** Second step: inputs file, waiver file, "remember as default", then scan. */
  private async pickOptions(start: ProfileChoice): Promise<ProfileChoice | undefined> {
    let choice = { ...start };
    for (;;) {
      type Opt = vscode.QuickPickItem & { id: 'scan' | 'default' | 'inputs' | 'waivers' | 'clearInputs' | 'clearWaivers' };
      const items: Opt[] = [
        { id: 'scan', label: '$(play) Scan', description: describe(choice) },
        { id: 'default', label: '$(star-empty) Scan, and use this profile by default in this workspace' },
        { id: 'inputs', label: `$(symbol-parameter) Inputs file: ${choice.inputFile ? vscode.workspace.asRelativePath(choice.inputFile) : 'none'}`, description: 'YAML passed with --input-file' },
        { id: 'waivers', label: `$(shield) Waiver file: ${choice.waiverFile ? vscode.workspace.asRelativePath(choice.waiverFile) : 'none'}`, description: 'YAML passed with --waiver-file' },
      ];
      if (choice.inputFile) items.push({ id: 'clearInputs', label: '$(close) No inputs file' });
      if (choice.waiverFile) items.push({ id: 'clearWaivers', label: '$(close) No waiver file' });
      const picked = await vscode.window.showQuickPick(items, { title: `Scan with ${profileName(choice.profile)}`, ignoreFocusOut: true });
      if (!picked) return undefined;
      switch (picked.id) {
        case 'scan':
          await this.remember(choice);
          return choice;
        case 'default':
          await this.remember(choice);
          await this.setDefault(choice);
          return choice;
        case 'inputs':
        case 'waivers': {
          const f = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { YAML: ['yml', 'yaml'] }, title: picked.id === 'inputs' ? 'Choose an inputs file' : 'Choose a waiver file' });
          if (f?.[0]) choice = picked.id === 'inputs' ? { ...choice, inputFile: f[0].fsPath } : { ...choice, waiverFile: f[0].fsPath };
          break;
        }
        case 'clearInputs':
          choice = { ...choice, inputFile: undefined };
          break;
        case 'clearWaivers':
          choice = { ...choice, waiverFile: undefined };
          break;
      }
    }
  }
}

function describe(c: ProfileChoice): string {
  const parts = [isUrlProfile(c.profile) ? c.profile : vscode.workspace.asRelativePath(c.profile)];
  if (c.inputFile) parts.push(`inputs ${vscode.workspace.asRelativePath(c.inputFile)}`);
  if (c.waiverFile) parts.push(`waivers ${vscode.workspace.asRelativePath(c.waiverFile)}`);
  return parts.join(' · ');
}
