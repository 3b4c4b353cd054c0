import * as vscode from 'vscode';
import type { Log } from './log';

/** What every command handler may use. Later features add their services here. */
export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: Log;
}

export type CommandFactory = (ctx: CommandContext) => (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Registers a command through one place (vscode-go's factory habit): the handler is built from the context,
 * errors are logged and shown once with a way to the log, and the registration is owned by the extension.
 */
export function registerCommand(ctx: CommandContext, id: string, factory: CommandFactory): void {
  const handler = factory(ctx);
  ctx.extension.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.log.error(`${id} failed: ${message}`);
        void vscode.window.showErrorMessage(`Kube Compliance: ${message}`, 'Show Log').then((choice) => {
          if (choice === 'Show Log') ctx.log.show();
        });
        return undefined;
      }
    }),
  );
}

/** Sets a `when`-clause context key. */
export function setContext(key: string, value: unknown): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}
