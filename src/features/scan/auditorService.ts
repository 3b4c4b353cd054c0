import * as vscode from 'vscode';
import { setContext } from '../../platform/commands';
import { discoverAuditor, type AuditorDiscovery, type AuditorInfo } from '../../core/scan/auditor';
import { AUDITOR_SETUP_MARKDOWN } from '../../core/auditorSetup';
import { Disposable } from '../../core/disposable';
import type { Log } from '../../platform/log';
import { STATE } from '../../platform/state';
import type { Platform } from '../../services';

/** The Chef licence answers (docs.chef.io/licensing/accept): never chosen on the user's behalf. */
export type ChefLicenseAnswer = 'accept-no-persist' | 'accept' | 'decline';
const CACHE_MS = 10 * 60 * 1000;

export class ScanSetupError extends Error {
  override readonly name = 'ScanSetupError';
  constructor(
    message: string,
    readonly discovery?: AuditorDiscovery,
  ) {
    super(message);
  }
}

/**
 * VS Code side of auditor discovery: caches the result, keeps the `kubeCompliance.auditorMissing` context key (the
 * Runs welcome view) current, tells the user what to install (a notification with a command that runs the install
 * steps in a terminal after confirmation), and asks once for the Chef licence answer when the auditor is Chef InSpec.
 */
export class AuditorService extends Disposable {
  private cached: { at: number; discovery: AuditorDiscovery } | undefined;
  private pending: Promise<AuditorDiscovery> | undefined;
  /** Increases with every discovery started; only the newest one may update the cache and the context key. */
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<AuditorDiscovery>();
  readonly onDidChange = this.changed.event;

  private readonly log: Log;

  constructor(private readonly p: Platform) {
    super();
    this.log = p.log;
    this.register(this.changed);
    this.register(
      p.config.onDidChange(['auditor.path'], () => {
        this.cached = undefined;
        void this.discover(true);
      }),
    );
  }

  get last(): AuditorDiscovery | undefined {
    return this.cached?.discovery;
  }

  /** Runs discovery (or returns the cached answer) and updates the welcome view's context key. */
  discover(force = false): Promise<AuditorDiscovery> {
    // a discovery in flight is newer than the cache (e.g. started by a settings change)
    if (this.pending && !force) return this.pending;
    if (!force && this.cached && Date.now() - this.cached.at < CACHE_MS) return Promise.resolve(this.cached.discovery);
    const configuredPath = this.p.config.text('auditor.path');
    const env = { ...process.env };
    const answer = this.licenseAnswer();
    if (answer && answer !== 'decline') env.CHEF_LICENSE = answer;
    const generation = ++this.generation;
    const p = discoverAuditor({ configuredPath, env }).then((discovery) => {
      // a slower discovery that started before a newer one (e.g. before a settings change) must not overwrite it
      if (generation !== this.generation) return this.pending ?? discovery;
      this.cached = { at: Date.now(), discovery };
      if (this.pending === p) this.pending = undefined;
      const a = discovery.auditor;
      this.log.info(
        `auditor: ${a ? `${a.path} (${a.flavor} ${a.version ?? 'unknown version'}, transport ${a.transport ? `${a.transport.name} ${a.transport.version ?? ''}`.trim() : 'none'}, enhanced outcomes ${a.supportsEnhancedOutcomes ? 'yes' : 'no'})` : 'not found'}` +
          (discovery.problems.length ? `; ${discovery.problems.map((x) => x.message).join(' | ')}` : ''),
      );
      void setContext('kubeCompliance.auditorMissing', !discovery.ready);
      this.changed.fire(discovery);
      return discovery;
    });
    this.pending = p;
    return p;
  }

  /** Returns a ready auditor, or shows what to install and throws. Asks for the Chef licence when needed. */
  async require(): Promise<{ auditor: AuditorInfo; license?: ChefLicenseAnswer }> {
    let d = await this.discover();
    if (d.problems.some((p) => p.kind === 'license') && (await this.ensureLicense()) !== 'decline') d = await this.discover(true);
    if (!d.ready || !d.auditor) {
      const message = `Scanning needs a working auditor: ${d.problems.filter((p) => p.blocking).map((p) => p.message).join(' ')}`;
      this.notifyMissing(d, message);
      throw new ScanSetupError(message, d);
    }
    let license: ChefLicenseAnswer | undefined;
    if (d.auditor.needsLicense) {
      license = await this.ensureLicense();
      if (license === 'decline') {
        const message =
          'Chef InSpec needs the Chef License to be accepted, and you declined it. Use CINC Auditor (the community build, no licence) by setting kubeCompliance.auditor.path, or change your answer.';
        void vscode.window.showWarningMessage(`Kube Compliance: ${message}`, 'Change My Answer', 'Install CINC Auditor…').then(async (c) => {
          if (c === 'Change My Answer') {
            await this.forgetLicense();
            await this.ensureLicense();
          } else if (c === 'Install CINC Auditor…') await this.installInTerminal();
        });
        throw new ScanSetupError(message, d);
      }
    }
    for (const p of d.problems.filter((x) => !x.blocking)) this.log.warn(p.message);
    return { auditor: d.auditor, license };
  }

  licenseAnswer(): ChefLicenseAnswer | undefined {
    return this.p.state.get(STATE.chefLicense);
  }

  /** Forgets the Chef licence answer; the next scan with Chef InSpec asks again. */
  async forgetLicense(): Promise<void> {
    await this.p.state.update(STATE.chefLicense, undefined);
  }

  /** Asks once (modal) and remembers the answer; dismissing the question asks again next time. */
  async ensureLicense(): Promise<ChefLicenseAnswer> {
    const known = this.licenseAnswer();
    if (known) return known;
    const perRun = 'Accept for each run (accept-no-persist)';
    const persist = 'Accept and persist (accept)';
    const decline = 'Decline';
    const choice = await vscode.window.showInformationMessage(
      'Chef InSpec requires you to accept the Chef License (EULA, https://www.chef.io/end-user-license-agreement) before it runs.',
      {
        modal: true,
        detail:
          'Kube Compliance never accepts it for you. "Accept for each run" passes CHEF_LICENSE=accept-no-persist to every scan and writes nothing; ' +
          '"Accept and persist" lets InSpec record your acceptance on this machine. Declining keeps scans with Chef InSpec disabled; CINC Auditor needs no licence.',
      },
      perRun,
      persist,
      decline,
    );
    if (!choice) throw new ScanSetupError('The scan was not started: the Chef License question was dismissed.');
    const answer: ChefLicenseAnswer = choice === perRun ? 'accept-no-persist' : choice === persist ? 'accept' : 'decline';
    await this.p.state.update(STATE.chefLicense, answer);
    this.log.info(`Chef License answer recorded: ${answer}`);
    return answer;
  }

  private notifyMissing(d: AuditorDiscovery, message: string): void {
    const hasSteps = d.problems.some((p) => p.steps.length);
    const actions = [...(hasSteps ? ['Install…'] : []), 'Show Install Steps', 'Open Settings'];
    void vscode.window.showErrorMessage(`Kube Compliance: ${message}`, ...actions).then((c) => {
      if (c === 'Install…') void this.installInTerminal();
      else if (c === 'Show Install Steps') void this.showSetup();
      else if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'kubeCompliance.auditor.path');
    });
  }

  /** Shows the exact install steps for what is missing and, after confirmation, runs them in a terminal. */
  async installInTerminal(): Promise<boolean> {
    const d = await this.discover(true);
    const steps = d.problems.flatMap((p) => p.steps);
    if (!steps.length) {
      if (d.ready) void vscode.window.showInformationMessage(`Kube Compliance: the auditor is ready (${d.auditor?.path}, ${d.auditor?.transport?.name ?? 'transport'} installed).`);
      else void vscode.window.showWarningMessage(`Kube Compliance: ${d.problems.map((p) => p.message).join(' ')}`);
      return false;
    }
    if (process.platform === 'win32') {
      await this.showSetup();
      return false;
    }
    const run = 'Run in Terminal';
    const choice = await this.p.confirmations.modal({
      id: 'scan.installAuditor',
      title: 'Install the missing auditor pieces?',
      detail: `Kube Compliance will run these commands in a new terminal (you may be asked for your password):\n\n${steps.map((s) => `• ${s.title}\n  ${s.command}`).join('\n\n')}`,
      actions: [run],
    });
    if (choice !== run) return false;
    const terminal = vscode.window.createTerminal({ name: 'Kube Compliance: install auditor' });
    terminal.show();
    terminal.sendText(steps.map((s) => s.command).join(' && '), true);
    const sub = vscode.window.onDidCloseTerminal((t) => {
      if (t !== terminal) return;
      sub.dispose();
      void this.discover(true);
    });
    this.register(sub);
    void vscode.window.showInformationMessage('Kube Compliance: when the install finishes, choose Refresh in the Scan runs view (or close the terminal) to check the auditor again.');
    return true;
  }

  /** The install steps for every platform, as a Markdown document. */
  async showSetup(): Promise<void> {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: AUDITOR_SETUP_MARKDOWN });
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
