/**
 * Redaction of secrets before anything reaches a log, a notification or a task's command line.
 * Kube Compliance handles bearer tokens, client keys and whole kubeconfig files; none of them may be shown.
 */

const REDACTED = '«redacted»';

const PATTERNS: Array<[RegExp, string]> = [
  // Authorization headers and bearer tokens in any text
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // kubeconfig / YAML / JSON keys that hold secrets: token, client-key-data, password, id-token, refresh-token, …
  [
    /(["']?(?:token|client-key-data|client-certificate-data|password|id-token|refresh-token|access-token|client-secret|auth-provider-token)["']?\s*[:=]\s*)(["']?)[^\s"',}]+\2/gi,
    `$1$2${REDACTED}$2`,
  ],
  // PEM blocks (private keys and certificates)
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, `-----${REDACTED} PEM-----`],
  // JSON Web Tokens (service-account tokens, OIDC id tokens)
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, REDACTED],
  // token=… in URLs or command lines
  [/([?&\s-](?:token|access_token)=)[^&\s]+/gi, `$1${REDACTED}`],
];

/** Returns `text` with every known secret shape replaced. Safe to call on any string, any number of times. */
export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** True when `text` looks like it carries a secret; used by tests and by assertions before logging. */
export function containsSecret(text: string): boolean {
  return redact(text) !== text;
}
