import * as vscode from 'vscode';
import { parseCheckOutput, type CheckOutcome } from '../../core/profiles/check';
import { discoverAuditor, runProcess } from '../../core/scan/auditor';
import { findExecutable } from '../../core/executables';
import { Disposable } from '../../core/disposable';
import type { Config } from '../../platform/config';
import type { Log } from '../../platform/log';
import { DiagnosticsByFile } from './lineDiagnostics';

export const CHECK_DIAGNOSTIC_SOURCE = 'Kube Compliance (auditor check)';

/**
 * `AUDITOR check PROFILE --format json` turned into diagnostics (syntax errors at their file:line). One check per
 * profile at a time: a newer save supersedes the check in flight. The auditor is found with SCAN's discovery.
 */
export class ProfileChecker extends Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('kube-compliance-check');
  /** Files that got diagnostics from each profile's last check (to clear them next time). */
  private readonly filesByRoot = new Map<string, Set<string>>();
  private readonly generation = new Map<string, number>();
  private auditorPath: Promise<string | undefined> | undefined;

  constructor(
    private readonly log: Log,
    private readonly config: Config,
  ) {
    super();
    this.register(this.diagnostics);
    this.register(config.onDidChange(['auditor.path'], () => (this.auditorPath = undefined)));
  }

  private findAuditor(): Promise<string | undefined> {
    if (!this.auditorPath) {
      const configuredPath = this.config.text('auditor.path');
      this.auditorPath = discoverAuditor({ configuredPath, timeoutMs: 20000 })
        .then((d) => d.auditor?.path)
        .catch(() => (configuredPath ? findExecutable(configuredPath) : (findExecutable('cinc-auditor') ?? findExecutable('inspec'))));
    }
    return this.auditorPath;
  }

  /** Runs the check for one profile and replaces that profile's check diagnostics. Undefined when no auditor is installed. */
  async check(profileRoot: string, manifestPath: string): Promise<CheckOutcome | undefined> {
    const gen = (this.generation.get(profileRoot) ?? 0) + 1;
    this.generation.set(profileRoot, gen);
    const auditor = await this.findAuditor();
    if (!auditor) {
      this.log.debug('Authoring: no auditor found, skipping `check`');
      return undefined;
    }
    const started = Date.now();
    const r = await runProcess(auditor, ['check', profileRoot, '--format', 'json'], process.env, 60000);
    if (this.generation.get(profileRoot) !== gen) return undefined; // superseded by a newer save
    if (r.error) {
      this.log.warn(`Authoring: \`${auditor} check\` did not run: ${r.error}`);
      return undefined;
    }
    if (r.code === 172) {
      this.log.warn('Authoring: `check` needs the Chef licence to be accepted (exit 172); skipping its diagnostics');
      return undefined;
    }
    const outcome = parseCheckOutput(r.stdout, r.stderr, profileRoot);
    if (outcome.valid === undefined && !outcome.problems.length && r.code !== 0) {
      this.log.warn(`Authoring: \`check\` exited ${r.code} without output we understand: ${r.stderr.split('\n').slice(-3).join(' ').trim()}`);
      return outcome;
    }
    this.log.info(`Authoring: check ${profileRoot}: ${outcome.valid === false ? 'invalid' : 'valid'}, ${outcome.problems.length} problem(s) in ${Date.now() - started} ms`);
    this.publish(profileRoot, manifestPath, outcome);
    return outcome;
  }

  private publish(root: string, manifestPath: string, outcome: CheckOutcome): void {
    for (const f of this.filesByRoot.get(root) ?? []) this.diagnostics.delete(vscode.Uri.file(f));
    const found = new DiagnosticsByFile(CHECK_DIAGNOSTIC_SOURCE);
    for (const p of outcome.problems) found.add(p.file ?? manifestPath, p, p.controlId);
    const byFile = found.byFile;
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
    this.filesByRoot.set(root, new Set(byFile.keys()));
  }

  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }
}
