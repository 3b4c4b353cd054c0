/**
 * The one exec probe per image: a POSIX shell script using only shell built-ins (no cat, no grep) that reports
 * the shell, `/etc/os-release` and which utilities exist; a pure parser of its output; and the interpretation of
 * exec failures (no shell, blocked by a security profile, not running, forbidden).
 */
import type { ProbeResult } from './types';

/** Utilities the auditor's transports and typical profiles run inside the container. */
export const PROBE_TOOLS = ['cat', 'stat', 'ls', 'find', 'grep', 'uname', 'sha256sum', 'readlink', 'head', 'sed', 'awk', 'id', 'ps'] as const;

/** Tools without which the Kubernetes API approach cannot read files (train-k8s-container uses them for every file check). */
export const ESSENTIAL_TOOLS = ['cat', 'stat'] as const;

export const PROBE_SHELL = '/bin/sh';

const BEGIN = 'KCPROBE-BEGIN v1';
const END = 'KCPROBE-END';

/** The script run as `/bin/sh -c SCRIPT`. Built-ins only, so it works where nothing but a shell exists. */
export const PROBE_SCRIPT = [
  `echo '${BEGIN}'`,
  'echo "shell=$0"',
  'if [ -n "$BASH_VERSION" ]; then echo "bash=$BASH_VERSION"; fi',
  'for f in /etc/os-release /usr/lib/os-release; do if [ -r "$f" ]; then while IFS= read -r l || [ -n "$l" ]; do echo "os:$l"; done < "$f"; break; fi; done',
  `for t in ${PROBE_TOOLS.join(' ')}; do p=$(command -v "$t" 2>/dev/null) || p=''; echo "tool:$t=$p"; done`,
  `echo '${END}'`,
].join('\n');

export function probeCommand(): string[] {
  return [PROBE_SHELL, '-c', PROBE_SCRIPT];
}

/** Parses a value of os-release (`KEY=value`, `KEY="value"`, `KEY='value'`, with backslash escapes in double quotes). */
export function parseOsReleaseValue(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v[0] === '"' && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  if (v.length >= 2 && v[0] === "'" && v.endsWith("'")) return v.slice(1, -1);
  return v;
}

/** Parses the full os-release text into key → value. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = parseOsReleaseValue(m[2]);
  }
  return out;
}

/**
 * Parses the probe's stdout. Tolerates noise before/after the markers, CR line ends, ANSI escapes and missing
 * sections. Returns undefined when the output is not a probe report at all (no begin marker).
 */
export function parseProbeOutput(stdout: string, shellFallback = PROBE_SHELL): ProbeResult | undefined {
  // eslint-disable-next-line no-control-regex
  const text = stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const start = text.indexOf(BEGIN);
  if (start < 0) return undefined;
  const endIdx = text.indexOf(END, start);
  const body = text.slice(start + BEGIN.length, endIdx < 0 ? undefined : endIdx);
  let shell: string | undefined;
  let bash = false;
  const os: string[] = [];
  const tools: Record<string, boolean> = {};
  for (const line of body.split('\n')) {
    if (line.startsWith('shell=')) shell = line.slice(6).trim() || undefined;
    else if (line.startsWith('bash=')) bash = true;
    else if (line.startsWith('os:')) os.push(line.slice(3));
    else if (line.startsWith('tool:')) {
      const m = /^tool:([A-Za-z0-9_.-]+)=(.*)$/.exec(line);
      if (m) tools[m[1]] = m[2].trim().length > 0;
    }
  }
  // tools the probe asks about but whose line is missing (output cut) count as unknown → absent
  if (endIdx >= 0) for (const t of PROBE_TOOLS) if (!(t in tools)) tools[t] = false;
  const rel = parseOsRelease(os.join('\n'));
  const shellPath = shell && shell.startsWith('/') ? shell : shellFallback;
  return {
    shell: bash && !/bash/.test(shellPath) ? `${shellPath} (bash)` : shellPath,
    osId: rel.ID?.toLowerCase() || undefined,
    osVersion: rel.VERSION_ID || rel.VERSION || undefined,
    prettyName: rel.PRETTY_NAME || rel.NAME || undefined,
    tools,
  };
}

/** Missing essential tools, in PROBE_TOOLS order. */
export function missingTools(p: ProbeResult, which: readonly string[] = PROBE_TOOLS): string[] {
  return which.filter((t) => p.tools[t] !== true);
}

export type ExecFailureKind = 'no-shell' | 'blocked' | 'not-running' | 'forbidden' | 'other';

/**
 * What an exec failure means (scan-approaches.md §5). `message` is the exec Status message (channel 3), the
 * upgrade error, or stderr. Order matters: a missing shell is told apart from a security-profile refusal.
 */
export function interpretExecFailure(message: string): ExecFailureKind {
  const m = message.toLowerCase();
  if (/executable file not found|no such file or directory|not found in \$path/.test(m)) return 'no-shell';
  if (/forbidden|cannot create resource "pods\/exec"|\b403\b/.test(m)) return 'forbidden';
  if (/apparmor|seccomp|selinux|permission denied|operation not permitted|eperm|eacces|blocked by (a |the )?security/.test(m)) return 'blocked';
  if (/not running|is terminated|is waiting|container not found|not valid for pod|containercreating|completed pod|pod .* not found|\b404\b|unable to upgrade connection: container/.test(m)) return 'not-running';
  return 'other';
}

/** Image names that suggest a shell-less image; a hint only, never a decision. */
export function distrolessImageHint(image: string): boolean {
  return /(^|\/)distroless\/|gcr\.io\/distroless|cgr\.dev\/chainguard\/|:nonroot$|-distroless|distroless-/.test(image);
}

/** Image names of Windows base images. */
export function windowsImageHint(image: string): boolean {
  return /nanoserver|servercore|windows\/|mcr\.microsoft\.com\/windows/i.test(image);
}
