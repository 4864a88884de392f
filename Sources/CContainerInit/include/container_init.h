#ifndef PILOT_CONTAINER_INIT_H
#define PILOT_CONTAINER_INIT_H

// The C side of the payload runtime: nothing but C runs between fork and exec.

// Forks the set-up process for a launch plan (LaunchPlan.swift) and returns its pid (-1 and errno
// when fork fails). The child runs only C: it puts status_fd on 4 and lifeline_fd on 5 (and the
// payload's stdout/stderr on 1 and 2 when not -1), closes every other descriptor, unshares the
// plan's namespaces (a fork is single-threaded, as unshare(CLONE_NEWUSER) requires), and becomes
// the container.
#include <sys/types.h>
#include <stddef.h>
pid_t pilot_container_spawn(const char *plan, size_t len, int status_fd, int lifeline_fd, int stdout_fd, int stderr_fd);

// `pilot __seccomp-exec BPF_FILE CMD [ARG...]`: sets no_new_privs, loads the BPF program in
// BPF_FILE and execs CMD (searched in PATH). Used inside an apptainer container.
int pilot_seccomp_exec_main(int argc, char **argv);

// GNU calls the Swift Glibc module does not import.
int pilot_pipe_cloexec(int fds[2]);           // pipe2(fds, O_CLOEXEC)

#endif
