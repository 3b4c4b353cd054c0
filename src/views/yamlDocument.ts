/**
 * "Show YAML": a read-only virtual document per object (`kube-compliance-yaml:` URIs), fetched fresh through the
 * cluster client. Secrets-free: managedFields and last-applied annotations are dropped, literal env values are
 * hidden, and the text goes through `redact`.
 */
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import type { RawObject } from '../core/cluster/client';
import type { ClusterPool } from '../core/cluster/pool';
import { redact } from '../core/redact';

export const YAML_SCHEME = 'kube-compliance-yaml';

export interface YamlTarget {
  readonly context: string;
  readonly namespace?: string;
  readonly kind: string;
  readonly name: string;
}

const PATHS: Record<string, [string, string]> = {
  Pod: ['/api/v1', 'pods'],
  Namespace: ['/api/v1', 'namespaces'],
  Deployment: ['/apis/apps/v1', 'deployments'],
  ReplicaSet: ['/apis/apps/v1', 'replicasets'],
  StatefulSet: ['/apis/apps/v1', 'statefulsets'],
  DaemonSet: ['/apis/apps/v1', 'daemonsets'],
  Job: ['/apis/batch/v1', 'jobs'],
  CronJob: ['/apis/batch/v1', 'cronjobs'],
};

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

export function apiPath(t: YamlTarget): string | undefined {
  const p = PATHS[t.kind];
  if (!p) return undefined;
  const [prefix, plural] = p;
  if (t.kind === 'Namespace') return `${prefix}/namespaces/${encodeURIComponent(t.name)}`;
  return `${prefix}/namespaces/${encodeURIComponent(t.namespace ?? 'default')}/${plural}/${encodeURIComponent(t.name)}`;
}

/** Removes noise and anything secret-like from an object before showing it. */
export function sanitizeForDisplay(obj: RawObject): RawObject {
  const copy = JSON.parse(JSON.stringify(obj)) as RawObject;
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    if (copy.metadata.annotations) delete copy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  }
  const hideEnv = (containers: RawObject[] | undefined) => {
    for (const c of containers ?? []) for (const e of c.env ?? []) if (typeof e.value === 'string' && e.value !== '') e.value = '(hidden: literal env values are not shown)';
  };
  const spec = copy.spec?.template?.spec ?? copy.spec?.jobTemplate?.spec?.template?.spec ?? copy.spec;
  if (spec) {
    hideEnv(spec.containers);
    hideEnv(spec.initContainers);
    hideEnv(spec.ephemeralContainers);
  }
  return copy;
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
