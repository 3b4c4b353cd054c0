/**
 * Messages between the extension host and the results panel. Both bundles import this module, so a change
 * to a message is a type error on both sides. Three kinds, as GitLens types them:
 * - Command: panel → host, no reply;  - Request: panel → host, typed reply;  - Notification: host → panel.
 * The panel sends `ready` once its script runs; the host pushes state only after that.
 */

export interface ReadyCommand {
  readonly type: 'ready';
}

export type PanelToHost = ReadyCommand;

export interface HelloNotification {
  readonly type: 'hello';
  readonly version: string;
}

export type HostToPanel = HelloNotification;
