import * as vscode from 'vscode';

/**
 * Read-only virtual documents under one URI scheme: generated manifests, patches, "before/after" YAML. Each `put`
 * makes a new URI, so a document shown once never changes under the user's eyes. Register with `register(context)`.
 */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private seq = 0;

  constructor(readonly scheme: string) {}

  /** Registers the provider for this scheme; the registration is owned by the extension. */
  register(context: vscode.ExtensionContext): this {
    context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(this.scheme, this));
    return this;
  }

  put(name: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: this.scheme, path: `/${++this.seq}/${name}` });
    this.docs.set(uri.toString(), content);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }
}
