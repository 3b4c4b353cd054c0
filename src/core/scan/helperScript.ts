/**
 * The scan helper's shell code: the startup script of the ephemeral debug container (or of the scanner sidecar) and
 * the wrapper it installs as the helper's `/bin/sh`, `/bin/bash` and `/bin/ash`.
 *
 * How it works (technique in ../shared/docs/distroless-helper.md, this is our own implementation):
 * - The auditor's transport runs `kubectl exec POD -c HELPER -- /bin/sh -c CMD` (inspec train-k8s-container 1.3) or
 *   probes `/bin/sh -c 'test -x /bin/bash && echo OK'` and then runs `/bin/bash -c CMD` or a stdin session of
 *   `/bin/bash` (MITRE train-k8s-container 2.x). All of these start the wrapper.
 * - The wrapper finds the target's PID (see {@link TARGET_SELECTION_DOC}), then runs the command as
 *   `/bin/busybox chroot /proc/T/root /proc/W/root/bin/busybox sh -c CMD`, where W is the wrapper's own PID: the
 *   target's filesystem becomes `/`, the shell and applets still come from the helper's static busybox. The wrapper
 *   never `exec`s the chroot, because `/proc/W/root` is the helper's root only while W lives.
 * - MITRE's four exact shell probes are answered from the helper's root (where the wrapper is /bin/bash), so the
 *   transport picks a shell instead of falling back to direct binaries (which would run in the helper's filesystem).
 * - A GNU `stat --printf` shim (shell function; busybox runs applets by name, so a file on PATH would be bypassed)
 *   is prefixed to every command and sent first in stdin sessions.
 * - When the target's root cannot be read (non-root target without CAP_SYS_PTRACE) or the target cannot be found,
 *   the wrapper prints a clear message on stderr and exits 126.
 *
 * Everything here is plain text generation: no I/O. The scripts run under the helper's static busybox.
 */

/** Bumped when the wrapper's behaviour changes; printed by the startup script and kept in the helper. */
export const HELPER_SCRIPT_VERSION = 1;
/** Directory the startup script owns inside the helper: wrapper copy, applet toolbox, target config, PID cache. */
export const HELPER_DIR = '/opt/kube-compliance';
/** The wrapper's exit code when it cannot reach the target (as a shell's "cannot execute"). */
export const WRAPPER_UNREACHABLE_EXIT = 126;
/** Variable the wrapper exports to every command: the target PID it chose (empty = not run through the wrapper). */
export const TARGET_PID_VARIABLE = 'KC_SCAN_TARGET_PID';
/** First words of every message the wrapper prints on stderr, so callers can recognise them. */
export const WRAPPER_MESSAGE_PREFIX = 'kube-compliance helper:';
/** Line the startup script prints once the wrapper is in place (followed by ` v<version> pid <pid>`). */
export const HELPER_READY_LINE = 'kube-compliance scan helper ready';

/** The exact probes MITRE train-k8s-container 2.x sends, in its order; answered from the helper's own root. */
export const MITRE_SHELL_PROBES = ['/bin/bash', '/bin/sh', '/bin/ash', '/bin/zsh'].map((s) => `test -x ${s} && echo OK`);

/**
 * How the wrapper picks the target's PID.
 * - `pid1`: the helper is an ephemeral container with `targetContainerName` in a pod WITHOUT `shareProcessNamespace`:
 *   it joined the target's own PID namespace, where the target's entrypoint is PID 1.
 * - `shared`: one PID namespace for the whole pod (`shareProcessNamespace: true`; sidecar, or a debug container in
 *   such a pod): PID 1 is the pause process, so the target is found among the other processes (see
 *   {@link TARGET_SELECTION_DOC}). `containerId` (from `status.containerStatuses[].containerID`, without the
 *   `containerd://` scheme) and `cmdline` (the container spec's command + args, joined with spaces) narrow it down.
 */
export type TargetSelector =
  | { readonly mode: 'pid1' }
  | {
      readonly mode: 'shared';
      readonly container?: string;
      readonly containerId?: string;
      readonly cmdline?: string;
      /** Exact command lines of the OTHER containers (from their specs), whose processes are not the target. */
      readonly exclude?: readonly string[];
    };

export const TARGET_SELECTION_DOC = `Target PID in a shared process namespace (evaluated by the wrapper for every command, result cached while valid):
1. Candidates: every process except PID 1 (the pause process) whose root (\`stat -Lc %d:%i /proc/<pid>/root\`) differs from
   the helper's own root (so the helper's own processes and everything started from its image are left out). A process
   whose root cannot be read (another user, no CAP_SYS_PTRACE) stays a candidate, keyed by its uid.
2. If a container ID is known and the cgroup paths show container IDs (any candidate's /proc/<pid>/cgroup holds a
   64-hex-digit ID), only processes whose cgroup names that ID remain.
3. Processes whose command line is exactly another container's (its spec command + args; and Kube Compliance's own
   helpers' keep-alive; a program under the standard PATH directories compared by base name, as runtimes differ in
   argv[0]) are left out with every process of the same root, unless that would leave nothing.
4. If the container's command line is known (spec command + args), only processes whose /proc/<pid>/cmdline contains it
   remain; when that leaves none but exactly one container (one root) is left from steps 1-3, that one is used (an
   entrypoint may exec something else; the extension checked the target is running before the scan).
5. The remaining processes must all share ONE root: its lowest PID is the target. None left: "target not found".
   Several roots: "ambiguous", with each candidate's PID and command line, and nothing is scanned.
6. Only unreadable roots left: "cannot access" (the helper needs CAP_SYS_PTRACE).
The cache (${HELPER_DIR}/cache: PID, root id, selector) is used only while that PID still has that root.`;

/** Quotes `s` for a POSIX shell: one single-quoted word. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Values baked into shell text: no NUL and no line breaks (they could end a here-document). */
function oneLine(s: string | undefined): string {
  return (s ?? '').replace(/[\0\r\n]+/g, ' ');
}

/** Separator of the KC_NOT list (ASCII record separator): it does not occur in command lines. */
const LIST_SEPARATOR = '\x1e';

/** The selector as shell variable assignments (KC_MODE, KC_CID, KC_CMD, KC_NOT, KC_NAME). */
export function selectorAssignments(sel: TargetSelector): string {
  if (sel.mode === 'pid1') return `KC_MODE=pid1 KC_CID='' KC_CMD='' KC_NOT='' KC_NAME=''`;
  return [
    'KC_MODE=shared',
    `KC_CID=${shQuote(oneLine(sel.containerId))}`,
    `KC_CMD=${shQuote(oneLine(sel.cmdline))}`,
    `KC_NOT=${shQuote((sel.exclude ?? []).map((x) => oneLine(x).split(LIST_SEPARATOR).join(' ')).join(LIST_SEPARATOR))}`,
    `KC_NAME=${shQuote(oneLine(sel.container))}`,
  ].join(' ');
}

/**
 * The GNU `stat --printf` shim as one line of shell: train sends `stat -L PATH --printf 'FMT'` to Debian-family
 * targets; busybox stat has only `-c` and does not expand backslash escapes. The function turns `--printf F` and
 * `--printf=F` into `-c` with the escapes expanded, then calls the real applet.
 */
export const STAT_SHIM =
  'stat() { local p= a; for a do shift; if [ -n "$p" ]; then p=; set -- "$@" "$(printf "%b" "$a")"; continue; fi; ' +
  'case $a in --printf) p=1; set -- "$@" -c ;; --printf=*) set -- "$@" -c "$(printf "%b" "${a#--printf=}")" ;; ' +
  '*) set -- "$@" "$a" ;; esac; done; command stat "$@"; }';

/**
 * Shell function `kc_target`: sets T to the target's PID or prints why not and returns 1.
 * Uses `$BB` (the busybox to run applets with, empty = the PATH's tools) and `$PROC` (the procfs to read) so that the
 * selection can be tested against a fake /proc tree.
 */
export const TARGET_FUNCTION = String.raw`kc_target() {
  T=
  if [ "$KC_MODE" != shared ]; then T=1; return 0; fi
  kc_self=$($BB stat -Lc %d:%i "$PROC/$$/root" 2>/dev/null)
  kc_sel="$KC_CID|$KC_CMD|$KC_NOT"
  if [ -r "$KC_DIR/cache" ] && read -r kc_cp kc_cr kc_cs < "$KC_DIR/cache" && [ "$kc_cs" = "$kc_sel" ] && [ -n "$kc_cp" ] &&
    [ "$($BB stat -Lc %d:%i "$PROC/$kc_cp/root" 2>/dev/null)" = "$kc_cr" ]; then T=$kc_cp; return 0; fi
  kc_all= kc_ids=0
  for kc_d in "$PROC"/[0-9]*; do
    kc_p=${"$"}{kc_d##*/}
    [ "$kc_p" = 1 ] && continue
    [ -e "$kc_d/cmdline" ] || continue
    kc_r=$($BB stat -Lc %d:%i "$kc_d/root" 2>/dev/null) || kc_r="?$($BB stat -c %u "$kc_d" 2>/dev/null)"
    [ "$kc_r" = "?" ] && continue
    [ "$kc_r" = "$kc_self" ] && continue
    kc_all="$kc_all $kc_p:$kc_r"
    if [ -n "$KC_CID" ] && $BB grep -qE '[0-9a-f]{64}' "$kc_d/cgroup" 2>/dev/null; then kc_ids=1; fi
  done
  kc_keep=$kc_all
  if [ -n "$KC_CID" ] && [ $kc_ids = 1 ]; then
    kc_f=
    for kc_c in $kc_keep; do $BB grep -qF -- "$KC_CID" "$PROC/${"$"}{kc_c%%:*}/cgroup" 2>/dev/null && kc_f="$kc_f $kc_c"; done
    kc_keep=$kc_f
  fi
  if [ -n "$KC_NOT" ]; then
    kc_xr=
    set -f
    kc_ifs=$IFS
    for kc_c in $kc_keep; do
      kc_cl=$($BB tr '\0' ' ' < "$PROC/${"$"}{kc_c%%:*}/cmdline" 2>/dev/null)
      kc_cl=$(kc_norm "${"$"}{kc_cl% }")
      IFS=$(printf '\036')
      for kc_n in $KC_NOT; do [ "$kc_cl" = "$(kc_norm "$kc_n")" ] && kc_xr="$kc_xr ${"$"}{kc_c#*:}"; done
      IFS=$kc_ifs
    done
    set +f
    if [ -n "$kc_xr" ]; then
      kc_f=
      for kc_c in $kc_keep; do case " $kc_xr " in *" ${"$"}{kc_c#*:} "*) ;; *) kc_f="$kc_f $kc_c" ;; esac; done
      [ -n "$kc_f" ] && kc_keep=$kc_f
    fi
  fi
  if [ -n "$KC_CMD" ]; then
    kc_f=
    for kc_c in $kc_keep; do $BB tr '\0' ' ' < "$PROC/${"$"}{kc_c%%:*}/cmdline" 2>/dev/null | $BB grep -qF -- "$KC_CMD" && kc_f="$kc_f $kc_c"; done
    if [ -z "$kc_f" ] && [ $(kc_roots $kc_keep | $BB wc -w) = 1 ]; then kc_f=$kc_keep; fi
    kc_keep=$kc_f
  fi
  kc_rs=$(kc_roots $kc_keep)
  kc_n=$(echo $kc_rs | $BB wc -w)
  if [ "$kc_n" = 0 ]; then
    echo "${WRAPPER_MESSAGE_PREFIX} no process of the target container ${"$"}{KC_NAME:-?} was found in the pod's shared process namespace (is it running?)" >&2
    return 1
  fi
  if [ "$kc_n" != 1 ]; then
    echo "${WRAPPER_MESSAGE_PREFIX} cannot tell which container is the target ${"$"}{KC_NAME:-?}: several containers share the pod's process namespace:" >&2
    for kc_c in $kc_keep; do echo "  pid ${"$"}{kc_c%%:*}: $($BB tr '\0' ' ' < "$PROC/${"$"}{kc_c%%:*}/cmdline" 2>/dev/null)" >&2; done
    return 1
  fi
  case $kc_rs in
    \?*)
      echo "${WRAPPER_MESSAGE_PREFIX} cannot access the root of the target ${"$"}{KC_NAME:-?} (it runs as uid ${"$"}{kc_rs#?}; the helper needs CAP_SYS_PTRACE to read it)" >&2
      return 1 ;;
  esac
  for kc_c in $kc_keep; do
    kc_p=${"$"}{kc_c%%:*}
    if [ -z "$T" ] || [ "$kc_p" -lt "$T" ]; then T=$kc_p; fi
  done
  { echo "$T $kc_rs $kc_sel" > "$KC_DIR/cache.$$" && $BB mv -f "$KC_DIR/cache.$$" "$KC_DIR/cache"; } 2>/dev/null || $BB rm -f "$KC_DIR/cache.$$" 2>/dev/null
  return 0
}
kc_norm() {
  # "sleep 1" = "/bin/sleep 1": a runtime may pass argv[0] as found on the standard PATH; other paths stay as they are
  kc_w=${"$"}{1%% *}
  case $kc_w in /bin/*|/sbin/*|/usr/bin/*|/usr/sbin/*|/usr/local/bin/*|/usr/local/sbin/*) printf '%s' "${"$"}{kc_w##*/}${"$"}{1#"$kc_w"}" ;; *) printf '%s' "$1" ;; esac
}
kc_roots() {
  kc_seen=
  for kc_c in "$@"; do
    kc_x=${"$"}{kc_c#*:}
    case " $kc_seen " in *" $kc_x "*) ;; *) kc_seen="$kc_seen $kc_x" ;; esac
  done
  echo $kc_seen
}`;

/** The four probe strings as one `case` pattern list. */
function probeCasePattern(): string {
  return MITRE_SHELL_PROBES.map((p) => `"-c:${p}"`).join('|');
}

/**
 * The wrapper installed as the helper's /bin/sh, /bin/bash and /bin/ash. `selector` is the baked-in default; a
 * `${HELPER_DIR}/target` file (written by {@link targetConfigScript}) overrides it.
 */
export function wrapperScript(selector: TargetSelector): string {
  return `#!/bin/busybox sh
# Kube Compliance scan helper wrapper v${HELPER_SCRIPT_VERSION}: installed as this container's /bin/sh, /bin/bash and /bin/ash.
# Every command sent to it runs in the TARGET container's root filesystem (chroot /proc/<target pid>/root) with this
# helper's static busybox as the toolbox. It must stay alive (no exec) while the chrooted shell runs: /proc/$$/root is
# how that shell reaches the helper's files.
BB=/bin/busybox
PROC=/proc
KC_DIR=${HELPER_DIR}
${selectorAssignments(selector)}
[ -r "$KC_DIR/target" ] && . "$KC_DIR/target"
case "$1:$2" in
  # MITRE train-k8s-container shell probes: answered from the helper's own root, where this wrapper is a shell.
  ${probeCasePattern()})
    exec $BB sh -c "$2" ;;
esac
${TARGET_FUNCTION}
kc_target || exit ${WRAPPER_UNREACHABLE_EXIT}
if ! $BB test -d "$PROC/$T/root/" 2>/dev/null; then
  echo "${WRAPPER_MESSAGE_PREFIX} cannot access /proc/$T/root: the target ${"$"}{KC_NAME:-container} runs as another user or with capabilities this helper lacks; the helper needs CAP_SYS_PTRACE (Pod Security 'baseline' forbids adding it)" >&2
  exit ${WRAPPER_UNREACHABLE_EXIT}
fi
H=$PROC/$$/root
# Tells the extension's readiness check that the command ran through this wrapper (the plain shell leaves it empty).
export ${TARGET_PID_VARIABLE}=$T
# Inside the target root only the helper's applets are on PATH (no shell applets: see the startup script).
export PATH="$H$KC_DIR/bin"
P=${shQuote(STAT_SHIM)}
R="$BB chroot $PROC/$T/root $H/bin/busybox sh"
if [ "$1" = "-c" ] && [ $# -ge 2 ]; then
  c=$2; shift 2
  $R -c "$P
$c" "$@"
  exit $?
elif [ $# -eq 0 ] || [ "$1" = "-s" ]; then
  [ "$1" = "-s" ] && shift
  # stdin session (MITRE's session mode): the shim first, then stdin line by line with the read builtin, which
  # does not hold data back the way cat can on a socket.
  { printf '%s\\n' "$P"; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done; } | $R -s "$@"
  exit $?
fi
$R "$@"
exit $?
`;
}

/** Shell code that installs the wrapper and the applet toolbox; idempotent; runs under `/bin/busybox sh`. */
function installBody(selector: TargetSelector): string {
  const wrapper = wrapperScript(selector);
  if (/^KC_WRAPPER$/m.test(wrapper)) throw new Error('wrapper text contains its here-document delimiter');
  return `set -e
BB=/bin/busybox
D=${HELPER_DIR}
$BB mkdir -p "$D/bin"
$BB cat > "$D/wrapper" <<'KC_WRAPPER'
${wrapper}KC_WRAPPER
$BB chmod 755 "$D/wrapper"
# Applet toolbox for use inside the target root: links to a private busybox copy, without shell applets.
[ -x "$D/bin/busybox" ] || $BB cp "$BB" "$D/bin/busybox"
for a in $($BB --list); do
  case "$a" in sh|ash|bash|hush|busybox) ;; *) [ -e "$D/bin/$a" ] || $BB ln -s busybox "$D/bin/$a" ;; esac
done
# Atomic replacement (copy, then rename over the old file or link): /bin/sh never goes missing while a check execs it.
for s in sh bash ash; do $BB cp "$D/wrapper" "/bin/.kc-$s.new"; $BB mv -f "/bin/.kc-$s.new" "/bin/$s"; done
echo ${HELPER_SCRIPT_VERSION} > "$D/version"
echo "${HELPER_READY_LINE} v${HELPER_SCRIPT_VERSION} pid $$"`;
}

/**
 * The ephemeral debug container's whole startup script, run as `/bin/busybox sh -c SCRIPT`: installs the wrapper,
 * then keeps the container alive.
 */
export function startupScript(selector: TargetSelector): string {
  return `# Kube Compliance scan helper (ephemeral container): installs the wrapper that runs every shell command in the
# target container's filesystem, then stays alive so scans can exec into it. It cannot be removed from the pod; it
# goes away when the pod is replaced.
${installBody(selector)}
exec $BB sleep 2147483647
`;
}

/** Install-only script for an existing scanner sidecar (exec'd once per sidecar instance, as `/bin/busybox sh -c`). */
export function installScript(selector: TargetSelector): string {
  return `${installBody(selector)}
`;
}

/**
 * Points an installed helper at one target (a sidecar serves every sibling, one at a time): writes
 * `${HELPER_DIR}/target` and drops the PID cache. Run as `/bin/busybox sh -c`.
 */
export function targetConfigScript(selector: TargetSelector): string {
  return `set -e
BB=/bin/busybox
[ -x ${HELPER_DIR}/wrapper ] || { echo "${WRAPPER_MESSAGE_PREFIX} the wrapper is not installed in this container" >&2; exit 3; }
printf '%s\\n' ${shQuote(selectorAssignments(selector))} > ${HELPER_DIR}/target.$$
$BB mv -f ${HELPER_DIR}/target.$$ ${HELPER_DIR}/target
$BB rm -f ${HELPER_DIR}/cache
`;
}

/** Command (argv) that runs one of our scripts in the helper without going through the wrapper. */
export function busyboxShell(script: string): string[] {
  return ['/bin/busybox', 'sh', '-c', script];
}

/** The selector for a target, from what the API says about it. */
export function selectorFor(opts: {
  shareProcessNamespace: boolean;
  container: string;
  containerId?: string;
  command?: readonly string[];
  args?: readonly string[];
  /** The pod's other containers (their spec command/args), so their processes can be told apart from the target's. */
  siblings?: ReadonlyArray<{ readonly command?: readonly string[]; readonly args?: readonly string[] }>;
}): TargetSelector {
  if (!opts.shareProcessNamespace) return { mode: 'pid1' };
  const words = [...(opts.command ?? []), ...(opts.args ?? [])];
  const cmdline = words.length ? words.join(' ') : undefined;
  const exclude = [HELPER_KEEPALIVE_CMDLINE];
  for (const s of opts.siblings ?? []) {
    const w = [...(s.command ?? []), ...(s.args ?? [])].join(' ');
    if (w && w !== cmdline && !exclude.includes(w)) exclude.push(w);
  }
  return {
    mode: 'shared',
    container: opts.container,
    containerId: opts.containerId?.replace(/^[a-z0-9.+-]+:\/\//i, '') || undefined,
    cmdline,
    exclude,
  };
}

/** The command line of every Kube Compliance helper once its startup script is done (`exec $BB sleep …`). */
export const HELPER_KEEPALIVE_CMDLINE = '/bin/busybox sleep 2147483647';
