import * as vscode from 'vscode';
import { redact } from '../core/redact';

/**
 * The one log of the extension: a LogOutputChannel named "Kube Compliance".
 * Every line goes through `redact`, so tokens, client keys and kubeconfig contents never reach it.
 */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Kube Compliance', { log: true });
  }

  trace(message: string, ...args: unknown[]): void {
    this.channel.trace(redact(message), ...args.map(safe));
  }
  debug(message: string, ...args: unknown[]): void {
    this.channel.debug(redact(message), ...args.map(safe));
  }
  info(message: string, ...args: unknown[]): void {
    this.channel.info(redact(message), ...args.map(safe));
  }
  warn(message: string, ...args: unknown[]): void {
    this.channel.warn(redact(message), ...args.map(safe));
  }
  error(message: string | Error, ...args: unknown[]): void {
    const text = message instanceof Error ? `${message.message}${message.stack ? `\n${message.stack}` : ''}` : message;
    this.channel.error(redact(text), ...args.map(safe));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}

function safe(v: unknown): unknown {
  if (typeof v === 'string') return redact(v);
  if (v instanceof Error) return redact(v.message);
  if (v && typeof v === 'object') {
    try {
      return redact(JSON.stringify(v));
    } catch {
      return '[unserialisable]';
    }
  }
  return v;
}
