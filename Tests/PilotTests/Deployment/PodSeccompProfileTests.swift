import Foundation
import Payload
import Testing

/// container/kubernetes/pilot-seccomp.json, the pod's Localhost profile: read by the pilot's own
/// profile reader, then loaded into the kernel by an independent loader (libseccomp's Python
/// bindings, as runc reads such a profile: Scripts/oci-seccomp.py) and checked call by call.
@Suite("pod seccomp profile")
struct PodSeccompProfileTests {
    /// What the pilot's own runtime calls, which the pod profile must let through.
    static let runtimeNeeds = ["unshare", "clone", "clone3", "mount", "umount2", "pivot_root", "mount_setattr",
                               "setns", "ptrace", "capset", "close_range"]
    /// The payload deny-list's mount calls the pilot itself makes (mount(2) family, not the new API).
    static let pilotMountCalls: Set = ["mount", "umount", "umount2", "pivot_root", "mount_setattr"]

    /// Name → errno of every rule in the profile (every rule is SCMP_ACT_ERRNO).
    private func deniedNames() throws -> [String: Int] {
        let profile = try DockerSeccompProfile.load(path: DeploymentKit.seccompProfile)
        var denied: [String: Int] = [:]
        for entry in profile.syscalls ?? [] {
            #expect(entry.action == "SCMP_ACT_ERRNO" && entry.args == nil, "\(entry.syscallNames)")
            for name in entry.syscallNames { denied[name] = entry.errnoRet ?? 1 }
        }
        return denied
    }

    @Test("the pilot's profile reader takes it: default allow, every name known to libseccomp")
    func readByThePilot() throws {
        let profile = try DockerSeccompProfile.load(path: DeploymentKit.seccompProfile)
        #expect(profile.defaultAction == "SCMP_ACT_ALLOW")
        let program = try profile.policy().compile()
        #expect(program.skippedSyscalls.isEmpty, "unknown to libseccomp: \(program.skippedSyscalls)")
    }

    @Test("it denies exactly what the payload deny-list names and the pilot does not call")
    func matchesTheDenyList() throws {
        let denied = try deniedNames()
        let expected = Set(SeccompPolicy.kernelCalls + SeccompPolicy.adminCalls + SeccompPolicy.keyCalls + SeccompPolicy.mountCalls)
            .subtracting(Self.pilotMountCalls)
        #expect(Set(denied.keys) == expected, "extra: \(Set(denied.keys).subtracting(expected)), missing: \(expected.subtracting(denied.keys))")
        #expect(Set(Self.runtimeNeeds).isDisjoint(with: denied.keys))
        // ENOSYS where callers fall back (keyrings: runc; the new mount API: libmount, runc).
        for name in SeccompPolicy.keyCalls + ["fsopen", "open_tree", "move_mount"] { #expect(denied[name] == 38, "\(name)") }
        for name in SeccompPolicy.kernelCalls + SeccompPolicy.adminCalls { #expect(denied[name] == 1, "\(name)") }
    }

    /// The kernel's verdicts under the profile (Scripts/oci-seccomp.py `verdicts`).
    private func verdicts(_ profile: String, _ names: [String]) throws -> (native: [String: String], i386: [String: String]?) {
        let result = try LocalCommand.run([LocalCommand.python, LocalCommand.script("oci-seccomp.py"), "verdicts", profile] + names)
        #expect(result.status == 0 && !result.signaled, "verdicts failed: \(result.stderr)")
        let reply = try DeploymentKit.json(result.stdout) as? [String: Any] ?? [:]
        return (reply["native"] as? [String: String] ?? [:], reply["i386"] as? [String: String])
    }

    @Test("in the kernel: every denied call gets its errno, native and i386; the runtime's calls pass",
          .enabled(if: DeploymentKit.hasPythonSeccomp, "needs python3-seccomp (apt)"))
    func kernelVerdicts() throws {
        let denied = try deniedNames()
        let names = denied.keys.sorted() + Self.runtimeNeeds
        let (native, i386) = try verdicts(DeploymentKit.seccompProfile, names)
        func expected(_ name: String) -> String { denied[name].map { $0 == 38 ? "ENOSYS" : "EPERM" } ?? "allow" }
        var checked = 0
        for name in names where native[name] != "unknown" {
            #expect(native[name] == expected(name), "\(name): \(native[name] ?? "no verdict")")
            checked += 1
        }
        #expect(checked >= 35, "only \(checked) calls exist natively")
        if let i386 {
            for name in names where i386[name] != "unknown" {
                #expect(i386[name] == expected(name), "i386 \(name): \(i386[name] ?? "no verdict")")
            }
            #expect(i386["vm86"] == "EPERM")
        }
    }

    @Test("the verdicts are the profile's: one that denies unshare shows EPERM there only; without an archMap a 32-bit call kills",
          .enabled(if: DeploymentKit.hasPythonSeccomp, "needs python3-seccomp (apt)"))
    func verdictControl() throws {
        let scratch = try ScratchDirectory("seccomp-control")
        let profile = try scratch.write("deny-unshare.json", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """)
        let (native, i386) = try verdicts(profile, ["unshare", "mount", "kexec_load"])
        #expect(native == ["unshare": "EPERM", "mount": "allow", "kexec_load": "allow"])
        // Why the shipped profile carries an archMap: a filter without the i386 architecture
        // kills a 32-bit caller outright, whatever the call.
        if let i386 { #expect(i386 == ["unshare": "killed", "mount": "killed", "kexec_load": "killed"]) }
    }

    /// Runs `argv` as uid/gid 65534 under a profile.
    private func underProfile(_ profile: String, _ argv: [String]) throws -> LocalCommand.Result {
        try LocalCommand.run([LocalCommand.python, LocalCommand.script("oci-seccomp.py"), "exec", profile, "--as", "65534:65534"] + argv)
    }

    @Test("under it an unprivileged user creates a user namespace",
          .enabled(if: DeploymentKit.hasPythonSeccomp && getuid() == 0, "needs python3-seccomp and root (to become uid 65534)"))
    func userNamespace() throws {
        for probe in ["unshare-user", "clone-newuser"] {
            let result = try underProfile(DeploymentKit.seccompProfile, [LocalCommand.python, LocalCommand.script("syscall-probe.py"), probe])
            #expect(result.answer == "ok", "\(probe): \(result.answer) \(result.stderr)")
        }
    }

    @Test("under it the pilot's builtin runtime runs a payload as the pod's unprivileged user; not under a RuntimeDefault-like one",
          .enabled(if: DeploymentKit.hasPythonSeccomp && BusyboxImage.unavailable == nil, "needs python3-seccomp, root and busybox-static"))
    func builtinRuntime() throws {
        let work = BusyboxImage.scratch("pod-seccomp")
        let exec = [PilotBinary.path, "exec", "--runtime", "builtin", "--image", BusyboxImage.path, "--workdir", work, "--",
                    "/bin/sh", "-c", "echo payload ran; grep -c . /proc/self/uid_map"]
        let allowed = try underProfile(DeploymentKit.seccompProfile, exec)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("payload ran"))

        let scratch = try ScratchDirectory("seccomp-runtime-default")
        let refusing = try scratch.write("no-namespaces.json", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["unshare", "setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """)
        let refused = try underProfile(refusing, exec)
        #expect(refused.status == 125 && refused.stderr.contains("unshare"), "\(refused.status): \(refused.stderr)")
    }

    @Test("why the manifest asks for procMount: Unmasked: with /proc masked as runc masks it, no fresh /proc can be mounted",
          .enabled(if: DeploymentKit.hasPythonSeccomp && BusyboxImage.unavailable == nil, "needs python3-seccomp, root and busybox-static"))
    func maskedProc() throws {
        let work = BusyboxImage.scratch("pod-masked-proc")
        let command = [LocalCommand.python, LocalCommand.script("oci-seccomp.py"), "exec", DeploymentKit.seccompProfile,
                       "--as", "65534:65534", PilotBinary.path, "exec", "--runtime", "builtin", "--image", BusyboxImage.path,
                       "--workdir", work, "--", "/bin/true"]
        // A private mount namespace in which /proc/keys is covered, as runc's maskedPaths do.
        let quoted = command.map { "'\($0)'" }.joined(separator: " ")
        let masked = try LocalCommand.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                           "mount --bind /dev/null /proc/keys && exec \(quoted)"])
        #expect(masked.status == 125 && masked.stderr.contains("mount proc"), "\(masked.status): \(masked.stderr)")
    }
}
