/*
 * Kube API emulator (test/demo infrastructure): the last step of starting a container process or an exec, like
 * runc's init: chroot into the container's root, drop the capability bounding set to the container's set, switch to
 * the container's uid/gid, exec the (already resolved) command. One static binary on the host, built with
 * `cc -static` when the root filesystems are made (rootfs.ts); nothing of it ships in the extension.
 *
 * usage: kc-enter [--init HOSTNAME [--overlay LOWER UPPER WORK]] ROOTFS UID GID CAPMASK|privileged /abs/path/cmd [args...]
 *   CAPMASK: hexadecimal bit mask of the capabilities to keep (bit n = capability n).
 *   --init: the container's first process (already in its new PID, mount and UTS namespaces): mount /proc in ROOTFS,
 *   set the hostname ("-": keep), and report "pid <host pid>" (or "error <what>") on fd 3, then close fd 3.
 *   --overlay: first mount an overlay (image template as lower layer, the container's own upper layer) on ROOTFS,
 *   like containerd's overlayfs snapshotter; the mount exists only in the container's mount namespace.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

static int init_container(const char *host, const char *root, const char *lower, const char *upper, const char *work) {
  char self[32] = {0}, path[4096], opts[8192];
  /* /proc is still the host's procfs here, so /proc/self is the host PID (what the runtime needs for nsenter). */
  ssize_t n = readlink("/proc/self", self, sizeof self - 1);
  if (n <= 0) {
    dprintf(3, "error readlink /proc/self: %s\n", strerror(errno));
    return -1;
  }
  if (lower) {
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
    if (mount("overlay", root, "overlay", 0, opts) != 0) {
      dprintf(3, "error mount overlay on %s: %s\n", root, strerror(errno));
      return -1;
    }
  }
  snprintf(path, sizeof path, "%s/proc", root);
  if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
    dprintf(3, "error mount /proc: %s\n", strerror(errno));
    return -1;
  }
  /* Pseudo-terminals of tty execs are allocated from the host's devpts (by script(1), before the chroot): make their
   * names resolvable inside the container, as a runtime's own devpts mount would. Best effort. */
  snprintf(path, sizeof path, "%s/dev/pts", root);
  mount("/dev/pts", path, NULL, MS_BIND, NULL);
  if (strcmp(host, "-") != 0 && sethostname(host, strlen(host)) != 0) {
    dprintf(3, "error sethostname: %s\n", strerror(errno));
    return -1;
  }
  dprintf(3, "pid %s\n", self);
  close(3);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 3 && strcmp(argv[1], "--init") == 0) {
    const char *lower = NULL, *upper = NULL, *work = NULL;
    int shift = 2;
    if (argc > 7 && strcmp(argv[3], "--overlay") == 0) {
      lower = argv[4];
      upper = argv[5];
      work = argv[6];
      shift = 6;
    }
    if (init_container(argv[2], argv[shift + 1], lower, upper, work) != 0) return 125;
    argv += shift;
    argc -= shift;
  }
  if (argc < 6) {
    fprintf(stderr, "usage: kc-enter ROOTFS UID GID CAPMASK|privileged CMD [ARGS...]\n");
    return 125;
  }
  const char *root = argv[1];
  uid_t uid = (uid_t)strtoul(argv[2], NULL, 10);
  gid_t gid = (gid_t)strtoul(argv[3], NULL, 10);
  int privileged = strcmp(argv[4], "privileged") == 0;
  unsigned long long mask = privileged ? ~0ULL : strtoull(argv[4], NULL, 16);
  if (chroot(root) != 0 || chdir("/") != 0) {
    fprintf(stderr, "kc-enter: chroot %s: %s\n", root, strerror(errno));
    return 125;
  }
  if (!privileged) {
    for (int cap = 0; cap < 64; cap++) {
      if (mask & (1ULL << cap)) continue;
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break; /* past the last capability */
    }
  }
  if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
    fprintf(stderr, "kc-enter: cannot switch to %u:%u: %s\n", (unsigned)uid, (unsigned)gid, strerror(errno));
    return 125;
  }
  /* Die with the launcher (which dies with the emulator): no container outlives a killed emulator. Set after the
   * credential change, which clears it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  execv(argv[5], argv + 5);
  int e = errno;
  fprintf(stderr, "exec %s: %s\n", argv[5], strerror(e));
  return e == ENOENT ? 127 : 126;
}
