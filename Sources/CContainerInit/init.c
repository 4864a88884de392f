// The container's set-up process (forked by pilot_container_spawn): joins the payload's cgroups, unshares the namespaces, and forks the
// container's init (PID 1 when there is a PID namespace), which builds the file system, starts the
// payload, forwards signals to it, reaps every process and reports the result on the status fd.
#define _GNU_SOURCE
#include "container_init.h"
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void status_line(const char *fmt, ...) {
    char line[1024];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, args);
    va_end(args);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    (void)!write(STATUS_FD, line, (size_t)n);
}

void die_step(const char *step, int err, const char *detail) {
    status_line("error %d %s: %s", err, step, detail ? detail : "");
    _exit(125);
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die_step("open", errno, path);
    if (write(fd, text, strlen(text)) < 0) die_step("write", errno, path);
    close(fd);
}

static void enter_namespaces(const struct plan *p) {
    for (int i = 0; i < p->n_cgroups; i++) write_file(p->cgroup_procs[i], "0");
    int flags = (p->ns_user ? CLONE_NEWUSER : 0) | (p->ns_mount ? CLONE_NEWNS : 0) |
        (p->ns_pid ? CLONE_NEWPID : 0) | (p->ns_ipc ? CLONE_NEWIPC : 0) | (p->ns_uts ? CLONE_NEWUTS : 0) |
        (p->ns_net ? CLONE_NEWNET : 0);
    if (flags && unshare(flags) != 0) die_step("unshare", errno, "namespaces");
    if (p->ns_user) {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%ld %ld 1", p->map_uid, p->map_uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "%ld %ld 1", p->map_gid, p->map_gid);
        write_file("/proc/self/gid_map", map);
    }
}

/// Signals that are forwarded to the payload, plus SIGCHLD; all blocked and read from a signalfd.
static int signal_fd(sigset_t *set) {
    sigemptyset(set);
    int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD};
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(set, forwarded[i]);
    if (sigprocmask(SIG_BLOCK, set, NULL) != 0) die_step("sigprocmask", errno, "");
    int fd = signalfd(-1, set, SFD_CLOEXEC);
    if (fd < 0) die_step("signalfd", errno, "");
    return fd;
}

/// Waits for `child`, forwarding signals to `forward_to` (a process group when negative) and
/// reaping every other child on the way; kills both when the pilot's lifeline closes. Returns the
/// child's wait status.
static int supervise(pid_t child, pid_t forward_to, int sfd) {
    int child_status = -1;
    struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = LIFELINE_FD, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die_step("poll", errno, "");
        }
        if (fds[1].revents) {  // the pilot is gone: nothing may outlive it
            kill(forward_to, SIGKILL);
            kill(child, SIGKILL);
            _exit(137);
        }
        struct signalfd_siginfo info;
        if (!(fds[0].revents & POLLIN) || read(sfd, &info, sizeof info) != sizeof info) continue;
        if (info.ssi_signo != SIGCHLD) {
            if (kill(forward_to, (int)info.ssi_signo) != 0) kill(child, (int)info.ssi_signo);
            continue;
        }
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == child) child_status = status;
        }
        if (child_status != -1) return child_status;
    }
}

static int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}

static void run_payload(const struct plan *p, const sigset_t *blocked, int exec_pipe) {
    sigprocmask(SIG_UNBLOCK, blocked, NULL);
    setsid();
    for (int i = 0; i < p->n_rlimits; i++) {
        struct rlimit limit = {p->rlimits[i].soft, p->rlimits[i].hard};
        if (setrlimit(p->rlimits[i].resource, &limit) != 0) die_step("setrlimit", errno, "");
    }
    if (p->run_uid >= 0) {
        gid_t gid = (gid_t)p->run_gid;
        if (setgroups(1, &gid) != 0) die_step("setgroups", errno, "");
        if (setresgid(gid, gid, gid) != 0) die_step("setresgid", errno, "");
        if (setresuid((uid_t)p->run_uid, (uid_t)p->run_uid, (uid_t)p->run_uid) != 0) die_step("setresuid", errno, "");
    }
    if (p->chdir_to && chdir(p->chdir_to) != 0) die_step("chdir", errno, p->chdir_to);
    if (p->drop_caps) drop_all_capabilities();
    syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    int err = load_seccomp(p->bpf, p->bpf_len);
    if (err) die_step("seccomp", err, "load filter");
    err = exec_in_path(p->argv, p->envp);
    (void)!write(exec_pipe, &err, sizeof err);
    _exit(err == ENOENT ? 127 : 126);
}

/// The container's init: file system, payload, signals, reaping, the result line.
static void container_init(const struct plan *p, pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The set-up process died before the line above (outside a PID namespace the parent is
    // visible; inside, getppid() is 0 and the pilot's lifeline covers the race).
    if (getppid() != parent && getppid() != 0) _exit(137);
    if (p->ns_uts && p->hostname && sethostname(p->hostname, strlen(p->hostname)) != 0)
        die_step("sethostname", errno, p->hostname);
    if (p->ns_mount && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die_step("make / private", errno, "/");
    for (int i = 0; i < p->n_mounts; i++) apply_mount_op(p, &p->mounts[i]);
    if (p->n_mounts && p->mounts[0].read_only && !strcmp(p->mounts[0].kind, "root")) seal_root(p->staging);
    if (p->pivot) pivot_into(p->staging);
    if (p->probe) {
        status_line("started 0");
        status_line("result 0 0 0 0");
        _exit(0);
    }
    if (!p->ns_pid) prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t blocked;
    int sfd = signal_fd(&blocked);
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) die_step("pipe", errno, "");
    pid_t payload = fork();
    if (payload < 0) die_step("fork payload", errno, "");
    if (payload == 0) run_payload(p, &blocked, pipe_fds[1]);
    close(pipe_fds[1]);
    int exec_errno = 0;
    if (read(pipe_fds[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
        waitpid(payload, NULL, 0);
        die_step("exec", exec_errno, p->argv[0]);
    }
    close(pipe_fds[0]);
    status_line("started %d", (int)payload);
    int status = supervise(payload, -payload, sfd);
    // Whatever the payload left behind goes with it; its CPU is counted once reaped. Without a
    // PID namespace only the payload's process group is ours to kill (the cgroup does the rest).
    if (p->ns_pid) {
        kill(-1, SIGKILL);
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    } else {
        kill(-payload, SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
    }
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    status_line("result %d %lld %lld %ld", status,
        (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
        (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec, usage.ru_maxrss);
    _exit(exit_code(status));
}

/// The set-up process: cgroups, namespaces, then the container's init as its child.
static void run_plan(struct plan *plan) __attribute__((noreturn));
static void run_plan(struct plan *plan) {
    prctl(PR_SET_NAME, "pilot-ctr");
    enter_namespaces(plan);
    sigset_t blocked;
    int sfd = signal_fd(&blocked);
    pid_t self = getpid();
    pid_t init = fork();
    if (init < 0) die_step("fork init", errno, "");
    if (init == 0) {
        close(sfd);
        sigprocmask(SIG_UNBLOCK, &blocked, NULL);
        prctl(PR_SET_NAME, "pilot-init");
        container_init(plan, self);
    }
    int status = supervise(init, init, sfd);
    _exit(exit_code(status));
}

/// Puts `fd` at `target` in the child; -1 leaves `target` as it is.
static void place(int fd, int target) {
    if (fd < 0 || fd == target) return;
    if (dup2(fd, target) < 0) _exit(125);
}

pid_t pilot_container_spawn(const char *plan_bytes, size_t len, int status_fd, int lifeline_fd, int stdout_fd, int stderr_fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    // The child of a threaded pilot: C only from here (glibc keeps malloc usable after fork).
    // Move the descriptors out of the way of 1, 2, 4, 5 first, then into place; close the rest.
    int status = fcntl(status_fd, F_DUPFD_CLOEXEC, 10), lifeline = fcntl(lifeline_fd, F_DUPFD_CLOEXEC, 10);
    int out = stdout_fd >= 0 ? fcntl(stdout_fd, F_DUPFD_CLOEXEC, 10) : -1;
    int err = stderr_fd >= 0 ? fcntl(stderr_fd, F_DUPFD_CLOEXEC, 10) : -1;
    if (status < 0 || lifeline < 0) _exit(125);
    place(out, 1);
    place(err, 2);
    if (dup3(status, STATUS_FD, O_CLOEXEC) < 0 || dup3(lifeline, LIFELINE_FD, O_CLOEXEC) < 0) _exit(125);
    close(PLAN_FD);
    syscall(SYS_close_range, 6U, ~0U, 0U);
    // A clean signal state and a process group of its own, as posix_spawn would give.
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    char *buf = malloc(len + 1);
    if (!buf) die_step("read plan", ENOMEM, "");
    memcpy(buf, plan_bytes, len);
    static struct plan plan;
    if (plan_parse(buf, len, &plan) != 0) die_step("parse plan", EINVAL, "malformed launch plan");
    run_plan(&plan);
}
