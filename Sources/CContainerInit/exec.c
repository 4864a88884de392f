// The last steps before the payload's execve: capabilities, seccomp, the PATH search.
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Empties the bounding and ambient sets and the current sets, so that not even a payload
/// running as uid 0 keeps a capability across its execve.
void drop_all_capabilities(void) {
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;  // past the last cap
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) die_step("capset", errno, "all capabilities");
}

/// Sets no_new_privs and installs the program; returns 0 or the errno.
int load_seccomp(const unsigned char *bpf, size_t len) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    if (!bpf) return 0;
    if (len % sizeof(struct sock_filter) != 0) return EINVAL;
    struct sock_fprog program = {
        .len = (unsigned short)(len / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)(void *)bpf,
    };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) return errno;
    return 0;
}

static const char *path_of(const char *const envp[]) {
    for (int i = 0; envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0) return envp[i] + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int exec_in_path(const char *const argv[], const char *const envp[]) {
    const char *name = argv[0];
    if (strchr(name, '/')) {
        execve(name, (char *const *)argv, (char *const *)envp);
        return errno;
    }
    int decided = ENOENT;
    const char *dirs = path_of(envp);
    while (*dirs) {
        const char *colon = strchr(dirs, ':');
        size_t n = colon ? (size_t)(colon - dirs) : strlen(dirs);
        char candidate[4096];
        if (snprintf(candidate, sizeof candidate, "%.*s/%s", (int)n, n ? dirs : ".", name) < (int)sizeof candidate) {
            execve(candidate, (char *const *)argv, (char *const *)envp);
            // As execvp does: remember a permission problem, keep looking after "not here".
            if (errno == EACCES) decided = EACCES;
            else if (errno != ENOENT && errno != ENOTDIR) return errno;
        }
        if (!colon) break;
        dirs = colon + 1;
    }
    return decided;
}
