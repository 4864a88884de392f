import Foundation
import Payload
import Testing

/// What the enforcement tests need from the machine, outside the suite (its traits read it).
enum SeccompProbeHost {
    static let canRun: Bool = {
        guard ["x86_64", "aarch64"].contains(SeccompHost.current.machine) else { return false }
        return (try? LocalCommand.run([LocalCommand.python, "-c", "import ctypes"]).status) == 0
    }()

    static let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether the kernel runs `int 0x80` from a 64-bit process (IA32 emulation).
    static let hasI386: Bool = SeccompHost.current.machine == "x86_64"
        && (try? LocalCommand.run([LocalCommand.python, LocalCommand.script("syscall-probe.py"), "mount-i386"]).answer) == "EFAULT"
}

/// Loads exported programs into real child processes (Scripts/seccomp-load.py) and makes the
/// calls (Scripts/syscall-probe.py): what the kernel answers, not what the listing says.
@Suite("seccomp enforcement", .enabled(if: SeccompProbeHost.canRun, "needs python3 with ctypes on Linux x86_64 or aarch64"))
struct SeccompEnforcementTests {
    /// Runs `argv` under the program (none: unfiltered).
    private func run(_ program: SeccompProgram?, _ argv: [String]) throws -> LocalCommand.Result {
        guard let program else { return try LocalCommand.run(argv) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-bpf-\(UUID().uuidString)").path
        try Data(program.bpf).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try LocalCommand.run([LocalCommand.python, LocalCommand.script("seccomp-load.py"), file] + argv)
        #expect(result.status != 126, "loading failed: \(result.stderr)")
        return result
    }

    /// What one probe answered under the program.
    private func probe(_ program: SeccompProgram?, _ arguments: String...) throws -> String {
        let result = try run(program, [LocalCommand.python, LocalCommand.script("syscall-probe.py")] + arguments)
        #expect(!result.signaled, "the probe \(arguments) was killed by signal \(result.status): \(result.stderr)")
        return result.answer
    }

    @Test("unfiltered, every probe ends differently from what the filter gives")
    func control() throws {
        #expect(try probe(nil, "mount") == "ENOENT")
        #expect(try probe(nil, "clone3") == "EINVAL")
        #expect(try probe(nil, "ptrace") == "ok")
    }

    @Test("builtin without nesting: mount EPERM, no namespaces, clone3 ENOSYS, fork and ptrace work")
    func builtinWithoutNesting() throws {
        let program = try SeccompPolicy.builtin(allowNestedNamespaces: false).compile()
        #expect(try probe(program, "mount") == "EPERM")
        #expect(try probe(program, "unshare-user") == "EPERM")
        #expect(try probe(program, "clone-newuser") == "EPERM")
        #expect(try probe(program, "clone3") == "ENOSYS")
        #expect(try probe(program, "fork") == "ok")
        #expect(try probe(program, "ptrace") == "ok")
    }

    @Test("a 32-bit mount through int 0x80 meets the same rule instead of killing the process",
          .enabled(if: SeccompProbeHost.hasI386, "needs x86_64 with IA32 emulation"))
    func i386Mount() throws {
        let program = try SeccompPolicy.builtin(allowNestedNamespaces: false).compile()
        #expect(try probe(program, "mount-i386") == "EPERM")
    }

    @Test("builtin with nesting: user namespaces and mounts reach the kernel, kexec does not")
    func builtinWithNesting() throws {
        let program = try SeccompPolicy.builtin(allowNestedNamespaces: true).compile()
        #expect(try probe(program, "unshare-user") == "ok")
        #expect(try probe(program, "clone-newuser") == "ok")
        #expect(try probe(program, "clone3") == "EINVAL")
        #expect(try probe(program, "mount") == "ENOENT")
        #expect(try probe(program, "ptrace") == "ok")
        #expect(program.pfc.contains("filter for syscall \"kexec_load\""))
    }

    @Test("why nesting allows mounts: bwrap runs under the nesting policy, not with mounts denied",
          .enabled(if: SeccompProbeHost.bwrap != nil, "needs bubblewrap"))
    func bwrapInside() throws {
        let sandbox = [SeccompProbeHost.bwrap!, "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/",
                       "--dev", "/dev", "--proc", "/proc", "/bin/true"]
        let nesting = SeccompPolicy.builtin(allowNestedNamespaces: true)
        let allowed = try run(try nesting.compile(), sandbox)
        #expect(allowed.status == 0 && !allowed.signaled, "bwrap failed under the nesting policy: \(allowed.stderr)")

        var mountsDenied = nesting
        mountsDenied.rules.append(SeccompRule(SeccompPolicy.mountCalls, .errno(1), origin: "test"))
        let noMounts = try run(try mountsDenied.compile(), sandbox)
        #expect(noMounts.status != 0, "bwrap ran with mounts denied")

        let denied = try run(try SeccompPolicy.builtin(allowNestedNamespaces: false).compile(), sandbox)
        #expect(denied.status != 0)
        #expect(denied.stderr.contains("namespace") || denied.stderr.contains("not permitted"), "bwrap said: \(denied.stderr)")
    }

    @Test("a custom JSON profile denies mkdir with EACCES and lists an unknown name")
    func customProfile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-seccomp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let profile = dir.appendingPathComponent("profile.json")
        try """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir", "mkdirat", "pilot_no_such_call"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
        """.write(to: profile, atomically: true, encoding: .utf8)
        let policy = try #require(try SeccompPolicy.resolve(.file(profile.path), allowNestedNamespaces: false))
        let program = try policy.compile()
        #expect(program.skippedSyscalls == ["pilot_no_such_call"])
        let target = dir.appendingPathComponent("made").path
        #expect(try probe(program, "mkdir", target) == "EACCES")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try probe(program, "mount") == "ENOENT")
        #expect(try probe(nil, "mkdir", target) == "ok")
    }
}
