import { join } from 'node:path';

/**
 * A fleet index (as JSON data) over the real fixture reports in `reportsDir`: two namespaces, a Deployment whose
 * second replica was deduplicated onto the first, a failed and a skipped container, and a done item whose report is
 * missing. Report paths are absolute, so the index can be written anywhere.
 */
export function fixtureIndexData(reportsDir: string, o: { context?: string; reportFor?: Record<string, string> } = {}): Record<string, unknown> {
  const it = (ns: string, kind: string, name: string, pod: string, outcome: string, report?: string, extra: Record<string, unknown> = {}) => {
    const r = o.reportFor?.[pod] ?? report;
    return {
      context: o.context ?? 'kind-demo',
      namespace: ns,
      workload: { kind, name },
      pod,
      container: 'app',
      outcome,
      ...(r ? { reportPath: r.startsWith('/') ? r : join(reportsDir, `${r}.json`) } : {}),
      ...extra,
    };
  };
  return {
    kind: 'kube-compliance/fleet-index',
    schemaVersion: 1,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:05:00Z',
    complete: true,
    profile: { location: '/profiles/container-baseline', kind: 'folder', hash: `sha256:${'a'.repeat(64)}` },
    inputsHash: `sha256:${'b'.repeat(64)}`,
    dedupe: 'image',
    items: [
      it('demo', 'Deployment', 'web', 'web-a', 'done', 'container-baseline-local'),
      it('demo', 'Deployment', 'web', 'web-b', 'done', 'container-baseline-local', { scannedAs: 'demo/web-a/app' }),
      it('demo', 'Deployment', 'web', 'web-c', 'failed', undefined, { message: 'pods "web-c" not found' }),
      it('demo', 'Pod', 'standard-app', 'standard-app', 'done', 'container-baseline-local-two-controls'),
      it('demo', 'Pod', 'win', 'win', 'skipped', undefined, { message: 'Not scannable: Windows container' }),
      it('shop', 'StatefulSet', 'api', 'api-0', 'done', 'rhel8-one-of-each-status'),
      it('shop', 'StatefulSet', 'api', 'api-1', 'done', '/nonexistent/kc/api-1.json'),
    ],
  };
}
