// The container's file system: a tmpfs root holding binds of the image's top-level entries, a
// fresh /proc, a minimal /dev, tmpfs /tmp, the plan's binds, then pivot_root into it.
#define _GNU_SOURCE
#include "internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define PILOT_MOUNT_ATTR_RDONLY 0x00000001

struct pilot_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static void join(char *out, const char *a, const char *b) {
    if (snprintf(out, PATH_MAX, "%s/%s", a, b[0] == '/' ? b + 1 : b) >= PATH_MAX)
        die_step("path", ENAMETOOLONG, b);
}

/// Makes a mount read-only, with its submounts when `recursive`; keeps the flags a user
/// namespace may not clear (nosuid, nodev, noexec, atime), which a plain remount would drop.
static void make_readonly(const char *target, int recursive) {
    struct pilot_mount_attr attr = {.attr_set = PILOT_MOUNT_ATTR_RDONLY};
    if (syscall(SYS_mount_setattr, AT_FDCWD, target, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) == 0)
        return;
    if (errno != ENOSYS) die_step("mount_setattr rdonly", errno, target);
    struct statvfs st;
    if (statvfs(target, &st) != 0) die_step("statvfs", errno, target);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    if (mount(NULL, target, NULL, flags, NULL) != 0) die_step("remount rdonly", errno, target);
}

/// mkdir -p of `rel` under `base`, refusing to pass through a symlink (it would resolve on the host).
static void make_dirs(const char *base, const char *rel, int last_is_file) {
    char path[PATH_MAX], part[PATH_MAX];
    snprintf(path, sizeof path, "%s", rel[0] == '/' ? rel + 1 : rel);
    char *save = NULL, *component = strtok_r(path, "/", &save);
    snprintf(part, sizeof part, "%s", base);
    while (component) {
        char *following = strtok_r(NULL, "/", &save);
        size_t used = strlen(part);
        if (snprintf(part + used, sizeof part - used, "/%s", component) >= (int)(sizeof part - used))
            die_step("path", ENAMETOOLONG, rel);
        struct stat st;
        if (lstat(part, &st) == 0) {
            if (S_ISLNK(st.st_mode)) die_step("bind destination passes through a symlink", ELOOP, rel);
        } else if (!following && last_is_file) {
            int fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0) die_step("create bind destination", errno, rel);
            close(fd);
        } else if (mkdir(part, 0755) != 0 && errno != EEXIST) {
            die_step("create bind destination", errno, rel);
        }
        component = following;
    }
}

static void bind(const char *source, const char *staging, const char *dest, int read_only) {
    struct stat st;
    if (stat(source, &st) != 0) die_step("bind source", errno, source);
    make_dirs(staging, dest, !S_ISDIR(st.st_mode));
    char target[PATH_MAX];
    join(target, staging, dest);
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) die_step("bind", errno, dest);
    if (read_only) make_readonly(target, 1);
}

static void tmpfs(const char *target, const char *options, unsigned long flags) {
    if (mount("tmpfs", target, "tmpfs", flags, options) != 0) die_step("mount tmpfs", errno, target);
}

static void mkdir_in(const char *staging, const char *name, mode_t mode) {
    char path[PATH_MAX];
    join(path, staging, name);
    if (mkdir(path, mode) != 0 && errno != EEXIST) die_step("mkdir", errno, path);
    chmod(path, mode);
}

/// A minimal /dev: the harmless character devices bound from the host, the usual links, its own
/// devpts and shm.
static void build_dev(const char *staging) {
    static const char *devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}};
    char dev[PATH_MAX], path[PATH_MAX];
    join(dev, staging, "dev");
    mkdir_in(staging, "dev", 0755);
    tmpfs(dev, "mode=0755,size=1m", MS_NOSUID | MS_NOEXEC);
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
        char host[64];
        snprintf(host, sizeof host, "/dev/%s", devices[i]);
        if (access(host, F_OK) != 0) continue;
        bind(host, dev, devices[i], 0);
    }
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        join(path, dev, links[i][1]);
        if (symlink(links[i][0], path) != 0) die_step("symlink", errno, path);
    }
    mkdir_in(dev, "pts", 0755);
    join(path, dev, "pts");
    // No devpts in this namespace is not fatal: batch payloads rarely need a terminal.
    mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620");
    mkdir_in(dev, "shm", 01777);
    join(path, dev, "shm");
    tmpfs(path, "mode=1777", MS_NOSUID | MS_NODEV);
}

/// The tmpfs root: each top-level entry of the image bound (directories, files) or copied
/// (symlinks), then /proc, /sys, /dev and /tmp of the container's own.
void build_root(const struct plan *p) {
    const struct mount_op *root = &p->mounts[0];
    const char *image = root->a, *staging = root->b;
    tmpfs(staging, "mode=0755", MS_NOSUID | MS_NODEV);
    DIR *dir = opendir(image);
    if (!dir) die_step("open image", errno, image);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        const char *name = entry->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "proc") || !strcmp(name, "dev") ||
            !strcmp(name, "tmp") || !strcmp(name, "sys"))
            continue;
        char source[PATH_MAX], target[PATH_MAX];
        join(source, image, name);
        join(target, staging, name);
        struct stat st;
        if (lstat(source, &st) != 0) die_step("lstat image entry", errno, source);
        if (S_ISLNK(st.st_mode)) {
            char link[PATH_MAX];
            ssize_t n = readlink(source, link, sizeof link - 1);
            if (n < 0) die_step("readlink", errno, source);
            link[n] = '\0';
            if (symlink(link, target) != 0) die_step("symlink", errno, target);
        } else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
            bind(source, staging, name, root->read_only);
        }
    }
    closedir(dir);
    char path[PATH_MAX];
    mkdir_in(staging, "proc", 0555);
    join(path, staging, "proc");
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) die_step("mount proc", errno, path);
    mkdir_in(staging, "sys", 0555);
    bind("/sys", staging, "sys", 1);
    build_dev(staging);
    mkdir_in(staging, "tmp", 01777);
    join(path, staging, "tmp");
    tmpfs(path, "mode=1777", MS_NOSUID | MS_NODEV);
}

void apply_mount_op(const struct plan *p, const struct mount_op *op) {
    if (!strcmp(op->kind, "root")) {
        build_root(p);
    } else if (!strcmp(op->kind, "bind")) {
        bind(op->a, p->staging, op->b, op->read_only);
    } else {
        make_dirs(p->staging, op->a, 0);
        char target[PATH_MAX];
        join(target, p->staging, op->a);
        tmpfs(target, "mode=1777", MS_NOSUID | MS_NODEV);
    }
}

/// Makes the staging dir `/` (read-only when asked) and detaches the host's root from view.
void pivot_into(const char *staging) {
    if (chdir(staging) != 0) die_step("chdir", errno, staging);
    if (syscall(SYS_pivot_root, ".", ".") != 0) die_step("pivot_root", errno, staging);
    if (umount2(".", MNT_DETACH) != 0) die_step("umount old root", errno, staging);
    if (chdir("/") != 0) die_step("chdir", errno, "/");
}

void seal_root(const char *staging) { make_readonly(staging, 0); }
