// Decoder for the one protobuf body kubectl sends: `kubectl auth can-i` POSTs a SelfSubjectAccessReview as
// `application/vnd.kubernetes.protobuf` (magic `k8s\0` + runtime.Unknown{1:TypeMeta,2:raw,3:contentEncoding,4:contentType}).

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
