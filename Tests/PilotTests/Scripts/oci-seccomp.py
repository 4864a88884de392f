#!/usr/bin/env python3
"""oci-seccomp.py: load a Docker/OCI seccomp profile into the kernel the way runc does, with
libseccomp's own Python bindings (Debian python3-seccomp), independently of the pilot's parser.

  oci-seccomp.py exec PROFILE [--as UID:GID] CMD [ARG...]
      load the profile, optionally drop to UID:GID (after loading, as a pod's user would run
      under it), then exec CMD. Exits 126 when the profile cannot be loaded.

  oci-seccomp.py verdicts PROFILE NAME...
      print one JSON object {"native": {name: verdict}, "i386": {name: verdict}}: what the
      kernel answers for each system call under the profile, without running any of them.

How `verdicts` runs nothing: a marker filter that answers every named call with errno 133
(EHWPOISON, which no call here returns on its own) is loaded first, the profile second. The
kernel evaluates every filter and keeps the highest-precedence action; among equal ones (two
ERRNOs) the most recently loaded filter's errno wins. So a call the profile denies with an errno
comes back with the profile's errno, and a call the profile allows comes back with 133: the
call itself never reaches the kernel's implementation either way. Verdicts: "allow", an errno
name ("EPERM", "ENOSYS"), "killed" (the process died on it), or "unknown" (no such call on
that architecture). i386 calls go through `int 0x80` and are probed only on x86_64 kernels
with IA32 emulation ("i386" is null elsewhere).

Translation as runc's libcontainer/seccomp does it: defaultAction, the architectures of the
archMap entry for this machine, each entry's names with its action and errnoRet; names unknown
to libseccomp are skipped; entries with args or includes/excludes are refused (this profile
has none, and a faithful reading of them needs the runtime's capability set).
"""
import ctypes
import errno
import json
import mmap
import os
import platform
import subprocess
import sys

import seccomp

MARKER = 133  # EHWPOISON
NATIVE = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64"}
ARCHES = {
    "SCMP_ARCH_X86_64": seccomp.Arch.X86_64, "SCMP_ARCH_X86": seccomp.Arch.X86,
    "SCMP_ARCH_X32": seccomp.Arch.X32, "SCMP_ARCH_AARCH64": seccomp.Arch.AARCH64,
    "SCMP_ARCH_ARM": seccomp.Arch.ARM,
}


def action(name, errno_ret):
    if name == "SCMP_ACT_ALLOW":
        return seccomp.ALLOW
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(errno.EPERM if errno_ret is None else errno_ret)
    if name in ("SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"):
        return seccomp.KILL
    if name == "SCMP_ACT_KILL_PROCESS":
        return seccomp.KILL_PROCESS
    if name == "SCMP_ACT_LOG":
        return seccomp.LOG
    raise ValueError("unsupported action %s" % name)


def profile_filter(path):
    """The profile as a libseccomp filter, and the names it skipped."""
    profile = json.load(open(path))
    default = action(profile["defaultAction"], profile.get("defaultErrnoRet"))
    flt = seccomp.SyscallFilter(defaction=default)
    native = NATIVE[platform.machine()]
    for entry in profile.get("archMap", []):
        if entry["architecture"] == native:
            for sub in entry.get("subArchitectures", []):
                flt.add_arch(ARCHES[sub])
    skipped = []
    for entry in profile.get("syscalls", []):
        if entry.get("args") or entry.get("includes") or entry.get("excludes"):
            raise ValueError("entry %s: args, includes and excludes are not read here" % entry.get("names"))
        act = action(entry["action"], entry.get("errnoRet"))
        if act == default:
            continue  # runc skips these too; libseccomp refuses them
        for name in entry.get("names", []):
            try:
                flt.add_rule(act, name)
            except (RuntimeError, ValueError):
                skipped.append(name)
    return flt, skipped


def i386_call(number):
    """Calls i386 system call `number` with zero arguments through int 0x80; -errno or result."""
    code = (bytes.fromhex("53 b8") + number.to_bytes(4, "little")
            + bytes.fromhex("31db 31c9 31d2 31f6 31ff cd80 5b 4863c0 c3"))
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    return ctypes.CFUNCTYPE(ctypes.c_long)(address)()


def verdict_of(rc, err):
    if rc >= 0:
        return "returned"  # cannot happen: every probed call is caught by the marker
    return "allow" if err == MARKER else errno.errorcode.get(err, str(err))


def probe(path, names, arch):
    """Loads the marker and the profile into this process, prints {name: verdict} for `arch`."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    i386 = arch == "i386"
    marker = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    if i386:
        marker.add_arch(seccomp.Arch.X86)
    known = []
    for name in names:
        try:
            marker.add_rule(seccomp.ERRNO(MARKER), name)
            known.append(name)
        except (RuntimeError, ValueError):
            pass
    flt, _ = profile_filter(path)
    marker.load()
    flt.load()
    verdicts = {}
    for name in names:
        number = seccomp.resolve_syscall(seccomp.Arch.X86 if i386 else seccomp.Arch.NATIVE, name) if name in known else -1
        if number < 0:
            verdicts[name] = "unknown"
        elif i386:
            rc = i386_call(number)
            verdicts[name] = verdict_of(rc, -rc if rc < 0 else 0)
        else:
            ctypes.set_errno(0)
            rc = libc.syscall(ctypes.c_long(number), 0, 0, 0, 0, 0, 0)
            verdicts[name] = verdict_of(rc, ctypes.get_errno())
    print(json.dumps(verdicts))
    sys.stdout.flush()


def run_probe(path, names, arch):
    """`probe` in a child; one killed by the filter is retried name by name, each kill recorded."""
    def child(subset):
        return subprocess.run([sys.executable, __file__, "probe", arch, path] + subset, capture_output=True, text=True)
    result = child(names)
    if result.returncode == 0:
        return json.loads(result.stdout)
    if result.returncode > 0:
        raise RuntimeError("probe %s failed: %s" % (arch, result.stderr.strip()))
    verdicts = {}
    for name in names:
        single = child([name])
        verdicts[name] = json.loads(single.stdout)[name] if single.returncode == 0 else "killed"
    return verdicts


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "exec":
        args = sys.argv[3:]
        user = None
        if args[0] == "--as":
            user = [int(x) for x in args[1].split(":")]
            args = args[2:]
        try:
            flt, _ = profile_filter(sys.argv[2])
            flt.load()
        except (OSError, ValueError, RuntimeError, KeyError) as error:
            sys.stderr.write("oci-seccomp: cannot load %s: %s\n" % (sys.argv[2], error))
            return 126
        if user:
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])
        os.execvp(args[0], args)
    if len(sys.argv) >= 4 and sys.argv[1] == "verdicts":
        if {"seccomp", "prctl"} & set(sys.argv[3:]):
            # The marker would answer the profile's own loading: test those with `exec`.
            sys.stderr.write("oci-seccomp: seccomp and prctl cannot be probed by verdicts\n")
            return 2
        path, names = sys.argv[2], sys.argv[3:]
        # A kernel without IA32 emulation kills an int 0x80 caller: ask a child first.
        i386 = (platform.machine() == "x86_64"
                and subprocess.run([sys.executable, __file__, "--i386-works"]).returncode == 0)
        print(json.dumps({"native": run_probe(path, names, "native"),
                          "i386": run_probe(path, names, "i386") if i386 else None}))
        return 0
    if len(sys.argv) >= 5 and sys.argv[1] == "probe":
        probe(sys.argv[3], sys.argv[4:], sys.argv[2])
        return 0
    if sys.argv[1:] == ["--i386-works"]:
        return 0 if i386_call(20) > 0 else 1  # getpid
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
