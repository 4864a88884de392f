import Foundation
import Payload
import Testing

@Suite("seccomp policy")
struct SeccompPolicyTests {
    /// AUDIT_ARCH_X86_64 and AUDIT_ARCH_I386, as the PFC listing prints them.
    static let x86_64Arch = "3221225534"
    static let i386Arch = "1073741827"
    static let isX86_64 = SeccompHost.current.machine == "x86_64"

    @Test("the builtin policy compiles with every name known to libseccomp", arguments: [false, true])
    func builtinCompiles(nesting: Bool) throws {
        let program = try SeccompPolicy.builtin(allowNestedNamespaces: nesting).compile()
        #expect(program.skippedSyscalls.isEmpty)
        #expect(program.bpf.count % SeccompProgram.instructionSize == 0)
        #expect(program.instructionCount > 10 && program.instructionCount < SeccompProgram.maximumInstructions)
        #expect(program.pfc.contains("default action"))
        #expect(program.pfc.contains("action ALLOW;"))
    }

    @Test("the filter covers the i386 and x32 companions on x86_64", .enabled(if: isX86_64, "x86_64 only"))
    func compatibilityArchitectures() throws {
        let pfc = try SeccompPolicy.builtin(allowNestedNamespaces: false).compile().pfc
        #expect(pfc.contains("filter for arch x86_64 (\(Self.x86_64Arch))"))
        #expect(pfc.contains("filter for arch x86 (\(Self.i386Arch))"))
        #expect(pfc.contains("filter for arch x32"))
        // mount is 165 on x86_64 and 21 on i386; both get EPERM.
        #expect(pfc.contains("filter for syscall \"mount\" (165)"))
        #expect(pfc.contains("filter for syscall \"mount\" (21)"))
    }

    @Test("without nesting: mounts, unshare, setns and namespace clone flags fail, clone3 is ENOSYS")
    func withoutNesting() throws {
        let policy = SeccompPolicy.builtin(allowNestedNamespaces: false)
        let pfc = try policy.compile().pfc
        for name in ["mount", "umount2", "pivot_root", "fsopen", "unshare", "setns", "clone3", "clone", "kexec_load", "bpf"] {
            #expect(pfc.contains("filter for syscall \"\(name)\""), "\(name) has no rule")
        }
        #expect(pfc.contains("action ERRNO(38)"))
        let cloneRules = policy.rules.filter { $0.syscalls == ["clone"] }
        #expect(cloneRules.count == 7)
        let masks = cloneRules.compactMap { rule -> UInt64? in
            guard case .maskedEqual(let mask) = rule.arguments.first?.comparison else { return nil }
            return mask
        }
        #expect(masks.reduce(0, |) == SeccompPolicy.namespaceCloneFlags)
        #expect(!pfc.contains("filter for syscall \"ptrace\""))
    }

    @Test("with nesting: namespace and mount calls pass, node-wide calls stay denied")
    func withNesting() throws {
        let policy = SeccompPolicy.builtin(allowNestedNamespaces: true)
        let named = Set(policy.rules.flatMap(\.syscalls))
        for name in ["mount", "pivot_root", "unshare", "setns", "clone", "clone3"] {
            #expect(!named.contains(name), "\(name) is still filtered")
        }
        for name in ["kexec_load", "init_module", "bpf", "keyctl", "swapon", "clock_settime", "open_by_handle_at"] {
            #expect(named.contains(name), "\(name) is not filtered")
        }
        let pfc = try policy.compile().pfc
        #expect(!pfc.contains("filter for syscall \"mount\""))
    }

    @Test("keyring calls are ENOSYS so runc inside a payload carries on")
    func keyringIsNotImplemented() {
        let rule = SeccompPolicy.builtin(allowNestedNamespaces: true).rules.first { $0.syscalls.contains("keyctl") }
        #expect(rule?.action == .errno(38))
    }

    @Test("unknown names are skipped and listed, rules equal to the default are left out")
    func skipsUnknownNames() throws {
        let policy = SeccompPolicy(defaultAction: .allow, rules: [
            SeccompRule(["mkdir", "pilot_no_such_call", "mkdir"], .errno(13), origin: "test"),
            SeccompRule(["read"], .allow, origin: "same as default"),
            SeccompRule(["pilot_no_such_call"], .errno(1), origin: "again"),
        ])
        let program = try policy.compile()
        #expect(program.skippedSyscalls == ["pilot_no_such_call"])
        #expect(program.pfc.contains("filter for syscall \"mkdir\""))
        #expect(program.pfc.contains("action ERRNO(13)"))
        #expect(!program.pfc.contains("filter for syscall \"read\""))
    }

    @Test("an argument index past 5 is refused, naming the rule")
    func badArgumentIndex() {
        let policy = SeccompPolicy(defaultAction: .allow, rules: [
            SeccompRule(["clone"], .errno(1), arguments: [SeccompArgumentCheck(index: 6, .equal, 0)], origin: "rule seven")
        ])
        #expect(throws: SeccompError.badArgumentIndex(entry: "rule seven", index: 6)) { try policy.compile() }
    }

    @Test("the choices of a container spec")
    func resolve() throws {
        #expect(try SeccompPolicy.resolve(.none, allowNestedNamespaces: false) == nil)
        #expect(try SeccompPolicy.resolve(.default, allowNestedNamespaces: true) == .builtin(allowNestedNamespaces: true))
        let missing = "/nonexistent/pilot-profile.json"
        #expect {
            try SeccompPolicy.resolve(.file(missing), allowNestedNamespaces: false)
        } throws: { error in
            guard case .unreadableProfile(let path, _) = error as? SeccompError else { return false }
            return path == missing
        }
    }

    @Test("the library version reads major.minor.micro")
    func libraryVersion() {
        #expect(SeccompLibrary.version.split(separator: ".").count == 3)
    }
}
