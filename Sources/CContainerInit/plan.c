// Parses the launch plan: NUL-terminated tokens, each operation a keyword followed by a fixed
// number of arguments (argv: a count, then that many). The writer is LaunchPlan.swift.
#include "internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct cursor {
    char *at, *end;
};

static const char *next(struct cursor *c) {
    if (c->at >= c->end) return NULL;
    char *token = c->at;
    char *nul = memchr(c->at, '\0', (size_t)(c->end - c->at));
    if (!nul) return NULL;
    c->at = nul + 1;
    return token;
}

static int parse_u64(const char *s, uint64_t *out) {
    if (!s) return -1;
    if (strcmp(s, "-1") == 0) { *out = RLIM_INFINITY; return 0; }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || end == s) return -1;
    *out = v;
    return 0;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int parse_hex(const char *s, struct plan *p) {
    size_t n = strlen(s);
    if (n % 2 || n == 0) return -1;
    p->bpf = malloc(n / 2);
    if (!p->bpf) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        p->bpf[i] = (unsigned char)(hi << 4 | lo);
    }
    p->bpf_len = n / 2;
    return 0;
}

static void namespaces(const char *list, struct plan *p) {
    p->ns_user = strstr(list, "user") != NULL;
    p->ns_mount = strstr(list, "mount") != NULL;
    p->ns_pid = strstr(list, "pid") != NULL;
    p->ns_ipc = strstr(list, "ipc") != NULL;
    p->ns_uts = strstr(list, "uts") != NULL;
    p->ns_net = strstr(list, "net") != NULL;
}

/// Returns 0, or -1 with the offending keyword in p->chdir_to's place reported by the caller.
int plan_parse(char *buf, size_t len, struct plan *p) {
    memset(p, 0, sizeof *p);
    p->map_uid = p->map_gid = -1;
    p->run_uid = p->run_gid = -1;
    struct cursor c = {buf, buf + len};
    int argc = 0;
    const char *op;
    while ((op = next(&c)) != NULL) {
        if (strcmp(op, "end") == 0) {
            return argc > 0 || p->probe ? 0 : -1;
        } else if (strcmp(op, "ns") == 0) {
            const char *list = next(&c);
            if (!list) return -1;
            namespaces(list, p);
        } else if (strcmp(op, "map") == 0) {
            uint64_t uid, gid;
            if (parse_u64(next(&c), &uid) || parse_u64(next(&c), &gid)) return -1;
            p->map_uid = (long)uid;
            p->map_gid = (long)gid;
        } else if (strcmp(op, "hostname") == 0) {
            if (!(p->hostname = next(&c))) return -1;
        } else if (strcmp(op, "cgroup") == 0) {
            if (p->n_cgroups == 16 || !(p->cgroup_procs[p->n_cgroups++] = next(&c))) return -1;
        } else if (strcmp(op, "root") == 0 || strcmp(op, "bind") == 0 || strcmp(op, "tmpfs") == 0) {
            if (p->n_mounts == 256) return -1;
            struct mount_op *m = &p->mounts[p->n_mounts++];
            m->kind = op;
            if (!(m->a = next(&c))) return -1;
            if (strcmp(op, "tmpfs") != 0) {
                const char *ro;
                if (!(m->b = next(&c)) || !(ro = next(&c))) return -1;
                m->read_only = strcmp(ro, "1") == 0;
            }
            if (strcmp(op, "root") == 0) p->staging = m->b;
        } else if (strcmp(op, "pivot") == 0) {
            p->pivot = 1;
        } else if (strcmp(op, "chdir") == 0) {
            if (!(p->chdir_to = next(&c))) return -1;
        } else if (strcmp(op, "env") == 0) {
            if (p->n_env == MAX_ITEMS - 1 || !(p->envp[p->n_env++] = next(&c))) return -1;
        } else if (strcmp(op, "rlimit") == 0) {
            uint64_t res, soft, hard;
            if (p->n_rlimits == 16 || parse_u64(next(&c), &res) || parse_u64(next(&c), &soft) ||
                parse_u64(next(&c), &hard))
                return -1;
            p->rlimits[p->n_rlimits++] = (struct rlimit_op){(int)res, soft, hard};
        } else if (strcmp(op, "seccomp") == 0) {
            const char *hex = next(&c);
            if (!hex || parse_hex(hex, p)) return -1;
        } else if (strcmp(op, "user") == 0) {
            uint64_t uid, gid;
            if (parse_u64(next(&c), &uid) || parse_u64(next(&c), &gid)) return -1;
            p->run_uid = (long)uid;
            p->run_gid = (long)gid;
        } else if (strcmp(op, "drop-caps") == 0) {
            p->drop_caps = 1;
        } else if (strcmp(op, "probe") == 0) {
            p->probe = 1;
        } else if (strcmp(op, "argv") == 0) {
            uint64_t n;
            if (parse_u64(next(&c), &n) || n == 0 || n >= MAX_ITEMS) return -1;
            for (uint64_t i = 0; i < n; i++)
                if (!(p->argv[argc++] = next(&c))) return -1;
        } else {
            return -1;
        }
    }
    return -1;  // no "end": a truncated plan
}
