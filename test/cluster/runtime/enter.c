/*
 * Kube API emulator (test/demo infrastructure): the last step of starting a container process or an exec, like
 * runc's init: chroot into the container's root, drop the capability bounding set to the container's set, switch to
 * the container's uid/gid, exec the (already resolved) command. One static binary on the host, built with
 * `cc -static` when the root filesystems are made (rootfs.ts); nothing of it ships in the extension.
 *
 * usage: kc-enter ROOTFS UID GID CAPMASK|privileged /abs/path/cmd [args...]
 *   CAPMASK: hexadecimal bit mask of the capabilities to keep (bit n = capability n).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
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
  execv(argv[5], argv + 5);
  int e = errno;
  fprintf(stderr, "exec %s: %s\n", argv[5], strerror(e));
  return e == ENOENT ? 127 : 126;
}
