#!/usr/bin/python3
"""A stand-in for one CVMFS repository mount (see shared/reference/CVMFS.md section 6).

A read-only passthrough FUSE file system of a backing directory, mounted with fsname
`cvmfs2` so that /proc/self/mountinfo shows `... - fuse cvmfs2 ro,...` as for the real
client. It answers the client's magic `user.*` extended attributes on every path.

    fake-cvmfs.py --backing DIR --mountpoint MNT --fqrn NAME [--revision N]
                  [--expires MINUTES] [--host URL] [--proxy URL] [--nioerr N]
                  [--hide-xattrs] [--eio] [--ready-file F] [--watch-pid PID]
                  [--kcache-timeout SECONDS] [--close-fds]

It runs in the foreground. Once the kernel has sent FUSE_INIT it writes its pid to
--ready-file. --watch-pid forks a watchdog that unmounts and kills the daemon (stopped
or not) once that process is gone, so a crashed test run leaves no mount behind. It must
run under /usr/bin/python3 (the Debian module is `fusepy`, not `fuse`).
"""

import argparse
import ctypes
import errno
import os
import signal
import sys
import time

from fusepy import FUSE, FuseOSError, Operations

VERSION = "2.11.5.0"


class FakeCVMFS(Operations):
    """Read-only passthrough with CVMFS's magic xattrs."""

    use_ns = True

    def __init__(self, options):
        self.backing = os.path.realpath(options.backing)
        self.options = options
        self.started = time.time()

    # -- helpers -------------------------------------------------------------

    def _real(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    @staticmethod
    def _call(function, *args):
        try:
            return function(*args)
        except OSError as error:
            raise FuseOSError(error.errno or errno.EIO)

    def _xattrs(self):
        o = self.options
        minutes_up = int((time.time() - self.started) // 60)
        return {
            "user.fqrn": o.fqrn,
            "user.revision": str(o.revision),
            "user.root_hash": o.root_hash,
            "user.expires": str(max(o.expires - minutes_up, 0)),
            "user.host": o.host,
            "user.host_list": o.host,
            "user.proxy": o.proxy,
            "user.nclg": "1",
            "user.maxfd": "130560",
            "user.usedfd": "0",
            "user.nioerr": str(o.nioerr),
            "user.pid": str(os.getpid()),
            "user.version": VERSION,
            "user.uptime": str(minutes_up),
        }

    # -- lifecycle -----------------------------------------------------------

    def init(self, path):
        # Called while the kernel's FUSE_INIT is being answered: the mount exists now.
        if self.options.ready_file:
            temporary = self.options.ready_file + ".tmp"
            with open(temporary, "w") as ready:
                ready.write("%d\n" % os.getpid())
            os.rename(temporary, self.options.ready_file)

    # -- reading -------------------------------------------------------------

    def getattr(self, path, fh=None):
        if self.options.eio and path != "/":
            raise FuseOSError(errno.EIO)
        st = self._call(os.lstat, self._real(path))
        keys = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size",
                "st_atime_ns", "st_mtime_ns", "st_ctime_ns")
        attrs = {key: getattr(st, key) for key in keys}
        # fusepy with use_ns wants the *_time keys in nanoseconds.
        for name in ("atime", "mtime", "ctime"):
            attrs["st_" + name] = attrs.pop("st_%s_ns" % name)
        return attrs

    def access(self, path, amode):
        if amode & os.W_OK:
            raise FuseOSError(errno.EROFS)
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)
        return 0

    def readdir(self, path, fh):
        return [".", ".."] + self._call(os.listdir, self._real(path))

    def readlink(self, path):
        return self._call(os.readlink, self._real(path))

    def open(self, path, flags):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
            raise FuseOSError(errno.EROFS)
        return self._call(os.open, self._real(path), os.O_RDONLY)

    def read(self, path, size, offset, fh):
        return self._call(os.pread, fh, size, offset)

    def release(self, path, fh):
        self._call(os.close, fh)
        return 0

    def statfs(self, path):
        sv = self._call(os.statvfs, self._real(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
                "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")
        return {key: getattr(sv, key) for key in keys}

    def getxattr(self, path, name, position=0):
        if self.options.hide_xattrs or name not in self._xattrs():
            raise FuseOSError(errno.ENODATA)
        return self._xattrs()[name].encode()

    def listxattr(self, path):
        return [] if self.options.hide_xattrs else list(self._xattrs())

    # -- writing: the repository is read-only --------------------------------

    def _read_only(self, *args):
        raise FuseOSError(errno.EROFS)

    chmod = chown = create = link = mkdir = mknod = rename = rmdir = _read_only
    setxattr = removexattr = symlink = truncate = unlink = utimens = write = _read_only


def running(pid):
    """Whether pid runs; a zombie awaiting its reaper does not count."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def start_watchdog(watched, mountpoint):
    """Fork a process that tears the mount down once `watched` is gone.

    A thread would not do: a SIGSTOPped daemon (the "hang" double) stops its threads too, and
    a stopped FUSE daemon left behind hangs every later `ls` of the directory above it. The
    watchdog detaches the mount, resumes and kills the daemon. When the daemon itself dies
    first (SIGKILL, the ENOTCONN double) it leaves the corpse alone and exits.
    """
    daemon = os.getpid()
    if os.fork() != 0:
        return
    # Foundation's Process waits for a socket it passed to the daemon to close; don't hold it.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    while os.getppid() == daemon:
        if not running(watched):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.umount2(mountpoint.encode(), 2) != 0:  # 2 = MNT_DETACH
                os.system("fusermount -u -z '%s' >/dev/null 2>&1" % mountpoint)
            os.kill(daemon, signal.SIGCONT)
            os.kill(daemon, signal.SIGKILL)
            break
        time.sleep(0.5)
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backing", required=True)
    parser.add_argument("--mountpoint", required=True)
    parser.add_argument("--fqrn", required=True)
    parser.add_argument("--revision", type=int, default=42)
    parser.add_argument("--expires", type=int, default=60, help="minutes left on the root catalog")
    parser.add_argument("--host", default="http://cvmfs-stratum-one.cern.ch/cvmfs/@fqrn@")
    parser.add_argument("--proxy", default="DIRECT")
    parser.add_argument("--nioerr", type=int, default=0)
    parser.add_argument("--root-hash", default="1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e")
    parser.add_argument("--hide-xattrs", action="store_true", help="like CVMFS_HIDE_MAGIC_XATTRS=yes")
    parser.add_argument("--eio", action="store_true", help="getattr below the root fails with EIO")
    parser.add_argument("--ready-file")
    parser.add_argument("--watch-pid", type=int)
    parser.add_argument("--kcache-timeout", type=float, default=0.0,
                        help="seconds the kernel may cache attributes and lookups (default 0: "
                             "every access reaches the daemon, so a stopped one always hangs it)")
    parser.add_argument("--close-fds", action="store_true",
                        help="close inherited descriptors above 2, as a daemonizing mount helper does")
    options = parser.parse_args()
    options.host = options.host.replace("@fqrn@", options.fqrn)
    if options.close_fds:
        # Whoever ran mount.cvmfs may watch a descriptor it passed down (Foundation's
        # Process waits for its socket to close), so the daemon must not keep it open.
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))

    if not os.path.isdir(options.backing):
        sys.exit("fake-cvmfs: backing directory %s does not exist" % options.backing)
    os.makedirs(options.mountpoint, exist_ok=True)
    mountpoint = os.path.realpath(options.mountpoint)

    if options.watch_pid:
        start_watchdog(options.watch_pid, mountpoint)

    extra = {"allow_other": True} if os.geteuid() == 0 else {}
    FUSE(FakeCVMFS(options), mountpoint, foreground=True, ro=True, fsname="cvmfs2",
         attr_timeout=options.kcache_timeout, entry_timeout=options.kcache_timeout, **extra)


if __name__ == "__main__":
    main()
