#ifndef PILOT_CONTAINER_INIT_INTERNAL_H
#define PILOT_CONTAINER_INIT_INTERNAL_H
// Shared by the C files of the in-container set-up. Plain C only: this code runs in a forked,
// single-threaded process where no Swift may run (CONTAINERS.md section 4).
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PLAN_FD 3      // closed in the set-up process: the plan arrives in memory
#define STATUS_FD 4    // status lines back to the pilot: "started", "result ...", "error ..."
#define LIFELINE_FD 5  // read end of a pipe the pilot holds open; EOF means the pilot is gone

#define MAX_ITEMS 4096

/// One mount step, in plan order.
struct mount_op {
    const char *kind;  // "root", "bind", "tmpfs"
    const char *a, *b; // root: image, staging dir; bind: source, destination; tmpfs: destination
    int read_only;
};

struct rlimit_op {
    int resource;
    uint64_t soft, hard;
};

/// The parsed plan; every string points into the plan buffer.
struct plan {
    int ns_user, ns_mount, ns_pid, ns_ipc, ns_uts, ns_net;
    long map_uid, map_gid;       // outside ids mapped to themselves in the user namespace
    const char *hostname;
    const char *cgroup_procs[16];
    int n_cgroups;
    struct mount_op mounts[256];
    int n_mounts;
    int pivot;                   // pivot_root into the staging dir after the mounts
    const char *staging;
    const char *chdir_to;
    const char *argv[MAX_ITEMS];
    const char *envp[MAX_ITEMS];
    int n_env;
    struct rlimit_op rlimits[16];
    int n_rlimits;
    unsigned char *bpf;          // seccomp program (struct sock_filter array), NULL for none
    size_t bpf_len;
    int drop_caps;
    long run_uid, run_gid;       // the payload's ids when a root pilot picks them; -1 keeps the pilot's
    int probe;                   // only check that the namespaces and a mount work
};

/// Reports one failed step on the status fd ("error STEP ERRNO DETAIL") and exits 125.
void die_step(const char *step, int err, const char *detail) __attribute__((noreturn));
/// Writes one status line.
void status_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int plan_parse(char *buf, size_t len, struct plan *p);
void build_root(const struct plan *p);
void apply_mount_op(const struct plan *p, const struct mount_op *op);
void pivot_into(const char *staging);
/// Makes the tmpfs root itself read-only (its submounts keep their own modes).
void seal_root(const char *staging);
int load_seccomp(const unsigned char *bpf, size_t len);
void drop_all_capabilities(void);
/// execve of argv[0], searched in envp's PATH when it has no slash; returns the errno that decided.
int exec_in_path(const char *const argv[], const char *const envp[]);

#endif
