#!/usr/bin/env python3
"""syscall-probe.py PROBE [ARG]: make one system call and print how it ended.

Prints "ok" when the call succeeded, else the errno's symbolic name ("EPERM", "ENOSYS", ...).
The probes are chosen so that, without a filter, each one ends differently from the errno a
filter gives, whether or not the caller is root:

  mount          mount(2) of a tmpfs on a path that does not exist: ENOENT unfiltered
  mount-i386     the same through int 0x80 (the i386 ABI of an x86_64 kernel): EFAULT unfiltered
  unshare-user   unshare(CLONE_NEWUSER)
  clone-newuser  raw clone(CLONE_NEWUSER|SIGCHLD); the child exits at once
  clone3         clone3(NULL, 0): EINVAL unfiltered, ENOSYS from the filter
  fork           os.fork(); the child exits at once
  ptrace         fork a child and PTRACE_SEIZE it
  mkdir PATH     mkdir(2)
"""
import ctypes
import errno
import mmap
import os
import platform
import signal
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

CLONE_NEWUSER = 0x10000000
SYSCALLS = {"x86_64": {"clone": 56, "clone3": 435}, "aarch64": {"clone": 220, "clone3": 435}}
PTRACE_SEIZE = 0x4206


def result(rc):
    if rc >= 0:
        return "ok"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def raw_clone(flags):
    number = SYSCALLS[platform.machine()]["clone"]
    pid = libc.syscall(number, ctypes.c_ulong(flags | signal.SIGCHLD), None, None, None, None)
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return pid


def mount_i386():
    # push rbx; mov eax, 21 (i386 mount); xor ebx,ebx; xor ecx,ecx; xor edx,edx; xor esi,esi;
    # xor edi,edi; int 0x80; pop rbx; movsxd rax, eax; ret
    code = bytes.fromhex("53 b815000000 31db 31c9 31d2 31f6 31ff cd80 5b 4863c0 c3")
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    rc = ctypes.CFUNCTYPE(ctypes.c_long)(address)()
    if rc < 0:
        return errno.errorcode.get(-rc, str(-rc))
    return "ok"


def ptrace_child():
    pid = os.fork()
    if pid == 0:
        signal.pause()
        os._exit(0)
    try:
        libc.ptrace.restype = ctypes.c_long
        rc = libc.ptrace(ctypes.c_long(PTRACE_SEIZE), ctypes.c_long(pid), None, None)
        return result(rc)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def main():
    probe = sys.argv[1]
    if probe == "mount":
        print(result(libc.mount(b"none", b"/nonexistent/pilot-probe", b"tmpfs", 0, None)))
    elif probe == "mount-i386":
        print(mount_i386())
    elif probe == "unshare-user":
        print(result(libc.unshare(CLONE_NEWUSER)))
    elif probe == "clone-newuser":
        print(result(raw_clone(CLONE_NEWUSER)))
    elif probe == "clone3":
        print(result(libc.syscall(SYSCALLS[platform.machine()]["clone3"], None, 0)))
    elif probe == "fork":
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        print("ok")
    elif probe == "ptrace":
        print(ptrace_child())
    elif probe == "mkdir":
        print(result(libc.mkdir(sys.argv[2].encode(), 0o755)))
    else:
        sys.stderr.write("unknown probe %s\n" % probe)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
