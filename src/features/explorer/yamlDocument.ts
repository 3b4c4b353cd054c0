/**
 * "Show YAML": a read-only virtual document per object (`kube-compliance-yaml:` URIs), fetched fresh through the
 * cluster client. Secrets-free: managedFields and last-applied annotations are dropped, literal env values are
 * hidden, and the text goes through `redact`.
 */
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import type { RawObject } from '../../core/cluster/client';
import { apiPath, sanitizeForDisplay, type YamlTarget } from '../../core/cluster/display';
import type { ClusterPool } from '../../core/cluster/pool';
import { redact } from '../../core/redact';

export const YAML_SCHEME = 'kube-compliance-yaml';

export type { YamlTarget };

export function yamlUri(t: YamlTarget): vscode.Uri {
  const parts = [t.context, t.namespace ?? '_', t.kind, `${t.name}.yaml`].map(encodeURIComponent);
  return vscode.Uri.from({ scheme: YAML_SCHEME, path: `/${parts.join('/')}` });
}

export function parseYamlUri(uri: vscode.Uri): YamlTarget | undefined {
  const parts = uri.path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length !== 4) return undefined;
  const [context, ns, kind, file] = parts;
  return { context, namespace: ns === '_' ? undefined : ns, kind, name: file.replace(/\.yaml$/, '') };
}

export function registerYamlDocuments(extension: vscode.ExtensionContext, pool: ClusterPool): void {
  const provider: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri, token) {
      const t = parseYamlUri(uri);
      const path = t && apiPath(t);
      if (!t || !path) return `# Kube Compliance cannot show ${uri.toString()}\n`;
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      try {
        const obj = await pool.client(t.context).request<RawObject>('GET', path, { signal: ac.signal });
        return redact(`# ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name} — context ${t.context} (read-only)\n${stringify(sanitizeForDisplay(obj))}`);
      } catch (err) {
        return `# Could not read ${t.kind} ${t.name}: ${redact(err instanceof Error ? err.message : String(err))}\n`;
      }
    },
  };
  extension.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(YAML_SCHEME, provider));
}
