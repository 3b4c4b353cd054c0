import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { redact } from '../../core/redact';
import { killGroup } from '../../core/processGroup';

/** The task type of every scan; also usable from tasks.json (schema in package.json `taskDefinitions`). */
export const TASK_TYPE = 'kube-compliance';

export interface KubeComplianceTaskDefinition extends vscode.TaskDefinition {
  readonly type: typeof TASK_TYPE;
  /** kubeconfig context; default: the current context. */
  readonly context?: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** Profile folder, archive or URL. */
  readonly profile: string;
  readonly controls?: string[];
  readonly inputFile?: string;
  readonly waiverFile?: string;
  /** A kubeconfig to use as it is (e.g. a scanner identity's); default: a temporary single-context copy of yours. */
  readonly kubeconfig?: string;
  /** Set by the extension to tell runs apart; leave it out in tasks.json. */
  readonly runId?: string;
}

/** How the auditor process is started: argv, never a shell command line. */
export interface ProcessSpec {
  readonly executable: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The first terminal line: the command as it would be typed (quoted for display, secrets never in it). */
  readonly display: string;
}

export interface ProcessOutcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly cancelled: boolean;
  /** The auditor's error output (the last 64 KB). */
  readonly stderr: string;
  readonly durationMs: number;
  /** Set when the process could not be started at all. */
  readonly spawnError?: string;
}

/** What a scan run does around the process: prepare it, then interpret how it ended (lines for the terminal). */
export interface RunLifecycle {
  start(): Promise<ProcessSpec>;
  finish(outcome: ProcessOutcome): Promise<{ lines: string[]; exitCode: number }>;
  /** Called when preparing failed (nothing was started). */
  failed(err: unknown): Promise<{ lines: string[]; exitCode: number }>;
}

const STDERR_CAP = 64 * 1024;
const KILL_GRACE_MS = 3000;

/**
 * The scan's terminal: runs the auditor with argv in its own process group (so cancel reaches the kubectl children
 * too), streams its output, keeps its stderr, and writes the outcome in words when it ends.
 */
export class AuditorTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private child: ChildProcess | undefined;
  private cancelled = false;
  private closed = false;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(private readonly lifecycle: RunLifecycle) {}

  open(): void {
    void this.run();
  }

  /** The terminal was closed or the task terminated: stop the auditor and everything it started. */
  close(): void {
    this.cancel();
  }

  handleInput(data: string): void {
    if (data === '\x03') {
      this.write('^C\n');
      this.cancel();
    }
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child.pid, 'SIGTERM');
    this.killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
  }

  private write(text: string): void {
    this.writeEmitter.fire(text.replace(/\r?\n/g, '\r\n'));
  }

  private async run(): Promise<void> {
    let spec: ProcessSpec;
    try {
      spec = await this.lifecycle.start();
    } catch (err) {
      const r = await this.lifecycle.failed(err);
      this.end(r.lines, r.exitCode);
      return;
    }
    if (this.cancelled) {
      const r = await this.lifecycle.finish({ code: null, signal: null, cancelled: true, stderr: '', durationMs: 0 });
      this.end(r.lines, r.exitCode);
      return;
    }
    this.write(`\x1b[2m$ ${redact(spec.display)}\x1b[0m\n`);
    const started = Date.now();
    let stderr = '';
    let spawnError: string | undefined;
    const outcome = await new Promise<ProcessOutcome>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(spec.executable, [...spec.args], { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      } catch (err) {
        resolve({ code: null, signal: null, cancelled: false, stderr: '', durationMs: 0, spawnError: err instanceof Error ? err.message : String(err) });
        return;
      }
      this.child = child;
      child.stdout?.setEncoding('utf8');
      child.stderr?.setEncoding('utf8');
      child.stdout?.on('data', (d: string) => this.write(d));
      child.stderr?.on('data', (d: string) => {
        stderr = (stderr + d).slice(-STDERR_CAP);
        this.write(`\x1b[31m${d}\x1b[0m`);
      });
      child.on('error', (err) => {
        spawnError = err.message;
      });
      child.on('close', (code, signal) => {
        if (this.killTimer) clearTimeout(this.killTimer);
        // the auditor is gone; make sure nothing it started outlives it
        if (child.pid) killGroup(child.pid, 'SIGKILL');
        resolve({ code, signal, cancelled: this.cancelled, stderr, durationMs: Date.now() - started, spawnError });
      });
      if (this.cancelled && child.pid) killGroup(child.pid, 'SIGTERM');
    });
    const r = await this.lifecycle.finish(outcome);
    this.end(r.lines, r.exitCode);
  }

  private end(lines: string[], exitCode: number): void {
    if (this.closed) return;
    this.closed = true;
    if (lines.length) this.write(`\n${lines.map((l) => `\x1b[1m${l}\x1b[0m`).join('\n')}\n`);
    this.closeEmitter.fire(exitCode);
  }
}

export function isScanTaskDefinition(d: vscode.TaskDefinition): d is KubeComplianceTaskDefinition {
  return d.type === TASK_TYPE && typeof d.namespace === 'string' && typeof d.pod === 'string' && typeof d.container === 'string' && typeof d.profile === 'string';
}
