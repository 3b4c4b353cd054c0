/*
 * Kube API emulator (test/demo infrastructure): the one static binary of the demo "distroless" and "minimal" images
 * (/app/server) and of the pod sandbox (/pause). It stays alive until SIGTERM/SIGINT (exit 0) and, as PID 1 of a
 * PID namespace, reaps orphaned children like a real pause process. Built with `cc -static` when the root
 * filesystems are made (test/emulator/runtime/rootfs.ts); nothing of it ships in the extension.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  printf("%s: started (pid %d)\n", argc > 0 ? argv[0] : "server", (int)getpid());
  fflush(stdout);
  for (;;) pause();
  return 0;
}
