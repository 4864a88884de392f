// Thin wrappers for GNU calls that Swift's Glibc module leaves out.
#define _GNU_SOURCE
#include "container_init.h"
#include <fcntl.h>
#include <unistd.h>

int pilot_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
