// Label selectors (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`) and field selectors
// (`f=v`, `f==v`, `f!=v`) with the field labels the real API server supports per resource.
import type { KObject } from './contract';

export class SelectorError extends Error {}

type Pred = (obj: KObject) => boolean;

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

export function parseLabelSelector(sel: string | null | undefined): Pred | undefined {
  if (!sel) return undefined;
  const preds: Pred[] = [];
  for (const term of splitTop(sel)) {
    let m: RegExpExecArray | null;
    const labels = (o: KObject): Record<string, string> => o.metadata?.labels ?? {};
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const [, k, op, vs] = m;
      const set = new Set(vs.split(',').map((v) => v.trim()));
      preds.push(op === 'in' ? (o) => k in labels(o) && set.has(labels(o)[k]) : (o) => !(k in labels(o)) || !set.has(labels(o)[k]));
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term))) {
      const [, k, op, v] = m;
      preds.push(op === '!=' ? (o) => labels(o)[k] !== v : (o) => labels(o)[k] === v);
    } else if ((m = /^!\s*([\w./-]+)$/.exec(term))) {
      const k = m[1];
      preds.push((o) => !(k in labels(o)));
    } else if ((m = /^([\w./-]+)$/.exec(term))) {
      const k = m[1];
      preds.push((o) => k in labels(o));
    } else {
      throw new SelectorError(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return (o) => preds.every((p) => p(o));
}

const COMMON_FIELDS: Record<string, (o: KObject) => string> = {
  'metadata.name': (o) => o.metadata?.name ?? '',
  'metadata.namespace': (o) => o.metadata?.namespace ?? '',
};

const FIELDS: Record<string, Record<string, (o: KObject) => string>> = {
  pods: {
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork ?? false),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIP ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
  events: {
    'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => o.involvedObject?.name ?? '',
    'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '',
    reason: (o) => o.reason ?? '',
    reportingComponent: (o) => o.reportingComponent ?? '',
    source: (o) => o.source?.component ?? '',
    type: (o) => o.type ?? '',
  },
  namespaces: { 'status.phase': (o) => o.status?.phase ?? '' },
  nodes: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false) },
  secrets: { type: (o) => o.type ?? '' },
  jobs: { 'status.successful': (o) => String(o.status?.successful ?? 0) },
  replicasets: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};

export function parseFieldSelector(res: string, sel: string | null | undefined): Pred | undefined {
  if (!sel) return undefined;
  const preds: Pred[] = [];
  for (const term of sel.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${sel}'; can't understand '${term}'`);
    const [, field, op, value] = m;
    const get = COMMON_FIELDS[field] ?? FIELDS[res]?.[field];
    if (!get) throw new SelectorError(`field label not supported: ${field}`);
    preds.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => preds.every((p) => p(o));
}

/** The `metadata.name` a field selector pins, if any (a shortcut for watches of one object). */
export function pinnedName(sel: string | null | undefined): string | undefined {
  const m = sel ? /(?:^|,)metadata\.name==?([^,]+)/.exec(sel) : null;
  return m ? m[1] : undefined;
}
