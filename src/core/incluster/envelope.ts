/**
 * The result envelope of an in-cluster scan (issue 16 §2): the scan Job's container prints the HDF report gzip'd and
 * base64'd between two marker lines on stdout (the pod's log), and writes one line with the report's sha256 and byte
 * count to its termination message (`/dev/termination-log`, which the kubelet copies into
 * `status.containerStatuses[].state.terminated.message`, at most its last 4096 bytes:
 * kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go `getTerminationMessage`).
 *
 * The log and the message travel separately (the log through the kubelet's log files and the API server's
 * pods/log proxy, the message through the pod status), so a log that was cut (rotation, `limitBytes`, a dropped
 * connection) or changed fails the check instead of being taken as a complete report. Trivy Operator reads its
 * reports from the scan pod's log the same way (aquasecurity/trivy-operator pkg/vulnerabilityreport/controller),
 * compressed, because reports do not fit in objects stored in etcd (trivy-operator#441, #757).
 *
 * Pure: no I/O, no vscode.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

export const BEGIN_MARKER = '-----BEGIN KUBE-COMPLIANCE HDF-----';
export const END_MARKER = '-----END KUBE-COMPLIANCE HDF-----';
/** The termination message's first word, then `sha256=<64 hex> bytes=<n> exit=<auditor exit code>`. */
export const MESSAGE_TAG = 'kube-compliance-hdf/v1';
/** The largest report accepted (decompressed), so a hostile or broken log cannot exhaust memory. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export interface EnvelopeSeal {
  readonly sha256: string;
  readonly bytes: number;
  /** The auditor's exit code (0 passed, 100 some failed, 101 some skipped: InSpec's codes). */
  readonly exit: number;
}

/** What a scan Job prints: the log text and the termination message (what run.sh does, in TypeScript; tests use it). */
export function sealReport(report: Buffer | string, exit = 0): { log: string; message: string } {
  const raw = typeof report === 'string' ? Buffer.from(report) : report;
  const b64 = gzipSync(raw).toString('base64');
  const lines = b64.match(/.{1,76}/g) ?? [];
  return {
    log: `${BEGIN_MARKER}\n${lines.join('\n')}${lines.length ? '\n' : ''}${END_MARKER}\n`,
    message: `${MESSAGE_TAG} sha256=${createHash('sha256').update(raw).digest('hex')} bytes=${raw.length} exit=${exit}`,
  };
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  constructor(
    message: string,
    readonly reason: 'no-seal' | 'no-report' | 'cut' | 'corrupt' | 'size-mismatch' | 'hash-mismatch' | 'too-large',
  ) {
    super(message);
  }
}

/** Reads the seal from a termination message (the line may follow other text: the kubelet keeps the file's tail). */
export function parseSeal(message: string | undefined): EnvelopeSeal {
  const m = new RegExp(`${MESSAGE_TAG.replace('/', '\\/')} sha256=([0-9a-f]{64}) bytes=(\\d+) exit=(\\d+)\\s*$`).exec(message ?? '');
  if (!m) {
    throw new EnvelopeError(
      `the scan pod's termination message has no "${MESSAGE_TAG}" seal (${message ? `it says: ${message.slice(-300).trim()}` : 'it is empty'}); the auditor image did not finish the scan script`,
      'no-seal',
    );
  }
  return { sha256: m[1], bytes: Number(m[2]), exit: Number(m[3]) };
}

/**
 * The report from a scan pod's log, checked against its seal: the markers must both be there, the base64 and gzip
 * must decode completely, and the decompressed bytes must have exactly the sealed length and sha256. Throws an
 * `EnvelopeError` saying which check failed; never returns a partial report.
 */
export function openEnvelope(log: string, seal: EnvelopeSeal): Buffer {
  const begin = log.lastIndexOf(BEGIN_MARKER);
  if (begin < 0) throw new EnvelopeError(`the scan pod's log has no report (no "${BEGIN_MARKER}" line)`, 'no-report');
  const end = log.indexOf(END_MARKER, begin);
  if (end < 0) throw new EnvelopeError(`the scan pod's log was cut: the report's "${END_MARKER}" line is missing (${log.length - begin} characters after the begin marker); not accepted`, 'cut');
  const body = log.slice(begin + BEGIN_MARKER.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) throw new EnvelopeError('the report in the scan pod\'s log is not valid base64; not accepted', 'corrupt');
  if (seal.bytes > MAX_REPORT_BYTES) throw new EnvelopeError(`the sealed report is ${seal.bytes} bytes, above the ${MAX_REPORT_BYTES}-byte limit; not accepted`, 'too-large');
  let raw: Buffer;
  try {
    raw = gunzipSync(Buffer.from(body, 'base64'), { maxOutputLength: MAX_REPORT_BYTES });
  } catch (e) {
    throw new EnvelopeError(`the report in the scan pod's log does not decompress (${(e as Error).message}): it was cut or changed; not accepted`, 'corrupt');
  }
  if (raw.length !== seal.bytes) throw new EnvelopeError(`the report from the scan pod's log is ${raw.length} bytes but its seal says ${seal.bytes}: it was cut or changed; not accepted`, 'size-mismatch');
  const sha = createHash('sha256').update(raw).digest('hex');
  if (sha !== seal.sha256) throw new EnvelopeError(`the report's sha256 ${sha} does not match its seal ${seal.sha256}: it was changed on the way; not accepted`, 'hash-mismatch');
  return raw;
}
