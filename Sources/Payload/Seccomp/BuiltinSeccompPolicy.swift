/// The pilot's own deny-list (CONTAINERS.md section 4): everything runs except calls that act on
/// the node as a whole, and, unless nesting is allowed, calls that make namespaces.
///
/// A deny-list, not Docker's allow-list: payloads are arbitrary HEP software on arbitrary
/// kernels, and a new harmless system call must not break them; the dangerous ones are few.
extension SeccompPolicy {
    /// EPERM, what a missing privilege would give: software already handles it.
    static let denied = SeccompAction.errno(1)
    /// ENOSYS, "not implemented": callers fall back (libc from clone3 to clone) or treat the
    /// feature as optional.
    static let notImplemented = SeccompAction.errno(38)

    /// The builtin policy: default allow, the node-wide families below fail.
    ///
    /// With `allowNestedNamespaces` the payload may make namespaces *and mount in them*: bwrap,
    /// apptainer and crun inside the payload need `unshare(CLONE_NEWUSER|CLONE_NEWNS)` and then
    /// `mount`, `pivot_root` and `umount2` in the namespace they made. A filter cannot tell which
    /// mount namespace a call acts on, so denying mounts would make the switch useless; the
    /// kernel keeps mounts from reaching anything else, because the payload holds no capability
    /// outside the namespaces it creates. Without nesting both stay denied, as in Docker's default.
    public static func builtin(allowNestedNamespaces: Bool) -> SeccompPolicy {
        var rules = [
            SeccompRule(kernelCalls, denied, origin: "builtin kernel and module calls"),
            SeccompRule(adminCalls, denied, origin: "builtin node administration calls"),
            SeccompRule(keyCalls, notImplemented, origin: "builtin key management calls"),
        ]
        if !allowNestedNamespaces {
            rules.append(SeccompRule(mountCalls, denied, origin: "builtin mount calls (no nesting)"))
            rules += namespaceRules
        }
        return SeccompPolicy(defaultAction: .allow, rules: rules)
    }

    /// Mounting and changing the root: allowed only with nesting (see `builtin`).
    public static let mountCalls = [
        "mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree",
        "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    ]

    /// Kernel images, modules, BPF, perf, raw I/O and other calls that reach the whole node.
    public static let kernelCalls = [
        "kexec_load", "kexec_file_load", "reboot",
        "init_module", "finit_module", "delete_module", "create_module", "get_kernel_syms", "query_module",
        "bpf", "perf_event_open", "userfaultfd", "lookup_dcookie",
        "iopl", "ioperm", "syslog", "uselib", "nfsservctl", "_sysctl", "vm86", "vm86old",
    ]

    /// Accounting, quotas, swap and the clock: node administration.
    public static let adminCalls = [
        "acct", "quotactl", "quotactl_fd", "swapon", "swapoff",
        "settimeofday", "stime", "clock_settime", "clock_adjtime", "open_by_handle_at",
    ]

    /// The kernel keyring. ENOSYS rather than EPERM: runc (inside a nested payload container)
    /// joins a session keyring and carries on only when keyrings are "not implemented".
    public static let keyCalls = ["keyctl", "add_key", "request_key"]

    /// The clone flags that create a namespace (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
    /// NEWPID, NEWNET): Docker's mask 0x7E020000.
    public static let namespaceCloneFlags: UInt64 = 0x7E02_0000

    /// Without nesting: `unshare` and `setns` fail, `clone` with any namespace flag fails, and
    /// `clone3` (whose flags sit in memory a filter cannot read) is "not implemented", so libc's
    /// fork, posix_spawn and pthread_create fall back to plain `clone`.
    static var namespaceRules: [SeccompRule] {
        var rules = [
            SeccompRule(["unshare", "setns"], denied, origin: "builtin namespace calls (no nesting)"),
            SeccompRule(["clone3"], notImplemented, origin: "builtin clone3 (no nesting)"),
        ]
        // Rules of one syscall are alternatives, so one rule per flag bit denies "any bit set".
        var bit: UInt64 = 1
        while bit <= namespaceCloneFlags {
            if namespaceCloneFlags & bit != 0 {
                rules.append(SeccompRule(
                    ["clone"], denied, arguments: [SeccompArgumentCheck(index: 0, .maskedEqual(mask: bit), bit)],
                    origin: "builtin clone with namespace flags (no nesting)"))
            }
            bit <<= 1
        }
        return rules
    }
}
