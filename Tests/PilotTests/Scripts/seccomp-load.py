#!/usr/bin/env python3
"""seccomp-load.py BPF_FILE CMD [ARG...]: load a classic BPF seccomp program, then exec CMD.

What the runtime's C set-up does before the payload's execve, kept independent of the pilot so
the tests check the exported program itself: prctl(PR_SET_NO_NEW_PRIVS, 1) and
prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sock_fprog). The file holds struct sock_filter
records (u16 code, u8 jt, u8 jf, u32 k) in host byte order, as seccomp_export_bpf writes them.
Exits 126 when loading fails, with the errno on stderr.
"""
import ctypes
import os
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: seccomp-load.py BPF_FILE CMD [ARG...]\n")
        return 2
    program = open(sys.argv[1], "rb").read()
    if len(program) == 0 or len(program) % ctypes.sizeof(SockFilter):
        sys.stderr.write("seccomp-load: %d bytes is not a whole number of instructions\n" % len(program))
        return 126
    count = len(program) // ctypes.sizeof(SockFilter)
    instructions = (SockFilter * count).from_buffer_copy(program)
    fprog = SockFprog(count, instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        sys.stderr.write("seccomp-load: PR_SET_NO_NEW_PRIVS: errno %d\n" % ctypes.get_errno())
        return 126
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.cast(ctypes.byref(fprog), ctypes.c_void_p), 0, 0) != 0:
        sys.stderr.write("seccomp-load: PR_SET_SECCOMP: errno %d\n" % ctypes.get_errno())
        return 126
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
