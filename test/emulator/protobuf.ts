// Decoders for the protobuf bodies kubectl sends (`application/vnd.kubernetes.protobuf`: magic `k8s\0` +
// runtime.Unknown{1:TypeMeta{1:apiVersion,2:kind},2:raw,3:contentEncoding,4:contentType}): `kubectl auth can-i` POSTs a
// SelfSubjectAccessReview / SelfSubjectRulesReview, and the typed `kubectl create serviceaccount|role|rolebinding|
// clusterrole|clusterrolebinding|namespace|configmap|secret|token` and `kubectl delete` send their objects as protobuf
// too. Field numbers follow k8s.io/api's generated.proto files.

export class ProtobufError extends Error {}

type Fields = Map<number, Buffer[]>;

/** Parses one message level: field number → raw bytes of each length-delimited occurrence (varints kept as their value). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new ProtobufError('truncated varint');
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    let val: Buffer;
    if (wire === 0) val = Buffer.from(String(varint()));
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw new ProtobufError('truncated field');
      val = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      val = buf.subarray(i, i + 8);
      i += 8;
    } else if (wire === 5) {
      val = buf.subarray(i, i + 4);
      i += 4;
    } else throw new ProtobufError(`unsupported wire type ${wire}`);
    const list = out.get(no) ?? [];
    list.push(val);
    out.set(no, list);
  }
  return out;
}

const str = (f: Fields, n: number): string | undefined => f.get(n)?.[0]?.toString('utf8');

export interface DecodedSSAR {
  apiVersion?: string;
  kind?: string;
  spec: {
    resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
    nonResourceAttributes?: { path?: string; verb?: string };
  };
}

export function decodeSelfSubjectAccessReview(body: Buffer): DecodedSSAR {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new ProtobufError('missing the k8s protobuf magic');
  const unknown = fields(body.subarray(4));
  const typeMeta = unknown.get(1)?.[0];
  const tm = typeMeta ? fields(typeMeta) : new Map();
  const raw = unknown.get(2)?.[0];
  if (!raw) throw new ProtobufError('no raw object in the protobuf envelope');
  const ssar = fields(raw);
  const specBuf = ssar.get(2)?.[0];
  const spec: DecodedSSAR['spec'] = {};
  if (specBuf) {
    const s = fields(specBuf);
    const ra = s.get(1)?.[0];
    if (ra) {
      const f = fields(ra);
      spec.resourceAttributes = { namespace: str(f, 1), verb: str(f, 2), group: str(f, 3), version: str(f, 4), resource: str(f, 5), subresource: str(f, 6), name: str(f, 7) };
    }
    const nra = s.get(2)?.[0];
    if (nra) {
      const f = fields(nra);
      spec.nonResourceAttributes = { path: str(f, 1), verb: str(f, 2) };
    }
  }
  return { apiVersion: str(tm, 1), kind: str(tm, 2), spec };
}

/** SelfSubjectRulesReview{1:metadata,2:spec{1:namespace}} (`kubectl auth can-i --list`). */
export function decodeSelfSubjectRulesReview(body: Buffer): { namespace?: string } {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new ProtobufError('missing the k8s protobuf magic');
  const raw = fields(body.subarray(4)).get(2)?.[0];
  if (!raw) throw new ProtobufError('no raw object in the protobuf envelope');
  const specBuf = fields(raw).get(2)?.[0];
  return { namespace: specBuf ? str(fields(specBuf), 1) : undefined };
}

// ---------------------------------------------------------------- schema-driven decoding of typed objects

type FieldType = 'string' | 'bytes' | 'bool' | 'int' | 'time' | Schema | { map: 'string' | 'bytes' } | { repeated: 'string' | Schema };
interface Schema {
  [no: number]: [string, FieldType];
}

const OWNER_REF: Schema = { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int'],
  8: ['creationTimestamp', 'time'],
  11: ['labels', { map: 'string' }],
  12: ['annotations', { map: 'string' }],
  13: ['ownerReferences', { repeated: OWNER_REF }],
  14: ['finalizers', { repeated: 'string' }],
};
const POLICY_RULE: Schema = { 1: ['verbs', { repeated: 'string' }], 2: ['apiGroups', { repeated: 'string' }], 3: ['resources', { repeated: 'string' }], 4: ['resourceNames', { repeated: 'string' }], 5: ['nonResourceURLs', { repeated: 'string' }] };
const SUBJECT: Schema = { 1: ['kind', 'string'], 2: ['apiGroup', 'string'], 3: ['name', 'string'], 4: ['namespace', 'string'] };
const ROLE_REF: Schema = { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] };
const OBJECT_REF: Schema = { 1: ['kind', 'string'], 2: ['namespace', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['resourceVersion', 'string'], 7: ['fieldPath', 'string'] };
const LABEL_SELECTOR: Schema = { 1: ['matchLabels', { map: 'string' }] };

export const SCHEMAS: Record<string, Schema> = {
  ServiceAccount: { 1: ['metadata', OBJECT_META], 2: ['secrets', { repeated: OBJECT_REF }], 3: ['imagePullSecrets', { repeated: { 1: ['name', 'string'] } }], 4: ['automountServiceAccountToken', 'bool'] },
  Namespace: { 1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['finalizers', { repeated: 'string' }] }] },
  ConfigMap: { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'string' }], 3: ['binaryData', { map: 'bytes' }], 4: ['immutable', 'bool'] },
  Secret: { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'bytes' }], 3: ['type', 'string'], 4: ['stringData', { map: 'string' }], 5: ['immutable', 'bool'] },
  Role: { 1: ['metadata', OBJECT_META], 2: ['rules', { repeated: POLICY_RULE }] },
  ClusterRole: { 1: ['metadata', OBJECT_META], 2: ['rules', { repeated: POLICY_RULE }], 3: ['aggregationRule', { 1: ['clusterRoleSelectors', { repeated: LABEL_SELECTOR }] }] },
  RoleBinding: { 1: ['metadata', OBJECT_META], 2: ['subjects', { repeated: SUBJECT }], 3: ['roleRef', ROLE_REF] },
  ClusterRoleBinding: { 1: ['metadata', OBJECT_META], 2: ['subjects', { repeated: SUBJECT }], 3: ['roleRef', ROLE_REF] },
  TokenRequest: {
    1: ['metadata', OBJECT_META],
    2: ['spec', { 1: ['audiences', { repeated: 'string' }], 3: ['boundObjectRef', { 1: ['kind', 'string'], 2: ['apiVersion', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'] }], 4: ['expirationSeconds', 'int'] }],
  },
  DeleteOptions: { 1: ['gracePeriodSeconds', 'int'], 2: ['preconditions', { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] }], 3: ['orphanDependents', 'bool'], 4: ['propagationPolicy', 'string'], 5: ['dryRun', { repeated: 'string' }] },
};

function varintOf(b: Buffer): number {
  return Number(b.toString());
}

function decodeWith(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [no, vals] of fields(buf)) {
    const f = schema[no];
    if (!f) continue;
    const [name, type] = f;
    const one = (t: FieldType, v: Buffer): unknown => {
      if (t === 'string') return v.toString('utf8');
      if (t === 'bytes') return v.toString('base64');
      if (t === 'bool') return varintOf(v) !== 0;
      if (t === 'int') return varintOf(v);
      if (t === 'time') {
        const tf = fields(v);
        const secs = tf.get(1)?.[0];
        return secs ? new Date(varintOf(secs) * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : null;
      }
      return decodeWith(v, t as Schema);
    };
    if (typeof type === 'object' && 'map' in type) {
      const m: Record<string, unknown> = {};
      for (const v of vals) {
        const e = fields(v);
        m[str(e, 1) ?? ''] = type.map === 'bytes' ? (e.get(2)?.[0] ?? Buffer.alloc(0)).toString('base64') : (str(e, 2) ?? '');
      }
      out[name] = m;
    } else if (typeof type === 'object' && 'repeated' in type) {
      out[name] = vals.map((v) => one(type.repeated as FieldType, v));
    } else out[name] = one(type, vals[vals.length - 1]);
  }
  return out;
}

/** Decodes a typed object kubectl sent as protobuf (kinds in SCHEMAS); apiVersion/kind come from the envelope. */
export function decodeObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new ProtobufError('missing the k8s protobuf magic');
  const unknown = fields(body.subarray(4));
  const typeMeta = unknown.get(1)?.[0];
  const tm = typeMeta ? fields(typeMeta) : new Map();
  const kind = str(tm, 2) ?? '';
  const raw = unknown.get(2)?.[0] ?? Buffer.alloc(0);
  const schema = SCHEMAS[kind];
  if (!schema) throw new ProtobufError(`the emulator decodes protobuf only for ${Object.keys(SCHEMAS).join(', ')}, SelfSubjectAccessReview and SelfSubjectRulesReview; send ${kind || 'this object'} as JSON`);
  return { apiVersion: str(tm, 1), kind, ...decodeWith(raw, schema) };
}
