// `pilot __seccomp-exec BPF_FILE CMD [ARG...]`: the seccomp step alone, for backends that build
// the container themselves (apptainer): no_new_privs, the BPF program, then execvp.
#define _GNU_SOURCE
#include "container_init.h"
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int pilot_seccomp_exec_main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: pilot __seccomp-exec BPF_FILE CMD [ARG...]\n");
        return 125;
    }
    int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > (1 << 20)) {
        fprintf(stderr, "pilot: __seccomp-exec: cannot read seccomp program %s: %s\n", argv[2],
            strerror(fd < 0 ? errno : EINVAL));
        return 125;
    }
    unsigned char *bpf = malloc((size_t)st.st_size);
    ssize_t got = bpf ? read(fd, bpf, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size) {
        fprintf(stderr, "pilot: __seccomp-exec: short read of %s\n", argv[2]);
        return 125;
    }
    int err = load_seccomp(bpf, (size_t)got);
    if (err) {
        fprintf(stderr, "pilot: __seccomp-exec: loading %s: %s\n", argv[2], strerror(err));
        return 125;
    }
    err = exec_in_path((const char *const *)argv + 3, (const char *const *)environ);
    fprintf(stderr, "pilot: __seccomp-exec: %s: %s\n", argv[3], strerror(err));
    return err == ENOENT ? 127 : 126;
}
