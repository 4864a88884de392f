import Foundation
import Payload
import Testing

@Suite("Docker seccomp profiles")
struct DockerSeccompProfileTests {
    /// An x86_64 host on a 6.1 kernel, the payload without capabilities.
    static let host = SeccompHost(machine: "x86_64", kernel: KernelVersion(major: 6, minor: 1))

    /// A small allow-list in moby's format, every kind of includes and excludes in it.
    static let allowList = """
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
      "syscalls": [
        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW", "comment": "always"},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
        {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
        {"names": ["futex_waitv"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.1"}},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
         "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "4.0"}},
        {"name": "getpid", "action": "SCMP_ACT_ALLOW"}
      ]
    }
    """

    private func policy(_ json: String, host: SeccompHost = host) throws -> SeccompPolicy {
        try DockerSeccompProfile.decode(Array(json.utf8), path: "test.json").policy(for: host)
    }

    private func names(_ policy: SeccompPolicy) -> Set<String> { Set(policy.rules.flatMap(\.syscalls)) }

    @Test("includes and excludes: no capabilities, the native arch, the running kernel")
    func conditions() throws {
        let policy = try policy(Self.allowList)
        #expect(policy.defaultAction == .errno(1))
        #expect(names(policy) == ["read", "write", "exit_group", "arch_prctl", "ptrace", "clone", "clone3", "getpid"])
        let clone = try #require(policy.rules.first { $0.syscalls == ["clone"] })
        #expect(clone.arguments == [SeccompArgumentCheck(index: 0, .maskedEqual(mask: 0x7E02_0000), 0)])
        #expect(policy.rules.first { $0.syscalls == ["clone3"] }?.action == .errno(38))
        #expect(policy.rules.first { $0.syscalls == ["read", "write", "exit_group"] }?.origin == "syscalls[0] (read, write, exit_group)")
    }

    @Test("a payload with capabilities, an arm64 host and an old kernel see other entries")
    func otherHosts() throws {
        var admin = Self.host
        admin.capabilities = ["CAP_SYS_ADMIN"]
        let privileged = names(try policy(Self.allowList, host: admin))
        #expect(privileged.contains("mount") && !privileged.contains("clone3"))
        let arm = names(try policy(Self.allowList, host: SeccompHost(machine: "aarch64", kernel: KernelVersion("6.1.0"))))
        #expect(!arm.contains("arch_prctl"))
        let old = names(try policy(Self.allowList, host: SeccompHost(machine: "x86_64", kernel: KernelVersion("3.10.0-1160.el7.x86_64"))))
        #expect(old.contains("socket") && !old.contains("ptrace"))
    }

    @Test("the profile compiles; names this libseccomp lacks are listed, not fatal")
    func compiles() throws {
        let json = Self.allowList.replacingOccurrences(of: "\"getpid\"", with: "\"pilot_future_call\"")
        let program = try policy(json).compile()
        #expect(program.skippedSyscalls == ["pilot_future_call"])
        #expect(program.pfc.contains("action ERRNO(1);"))
        #expect(program.pfc.contains("filter for syscall \"arch_prctl\""))
    }

    @Test("ERRNO without errnoRet is EPERM; two conditions on one argument become alternatives")
    func defaultsAndSplitting() throws {
        let policy = try policy("""
        {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
          {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
           "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"}]},
          {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS",
           "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 9, "op": "SCMP_CMP_GE"}]}
        ]}
        """)
        #expect(policy.defaultAction == .allow)
        let personality = policy.rules.filter { $0.syscalls == ["personality"] }
        #expect(personality.map(\.arguments.count) == [1, 1])
        #expect(personality.allSatisfy { $0.action == .errno(1) })
        let kill = try #require(policy.rules.first { $0.syscalls == ["kill"] })
        #expect(kill.action == .killProcess && kill.arguments.count == 2)
        #expect(kill.arguments[1] == SeccompArgumentCheck(index: 1, .greaterOrEqual, 9))
    }

    @Test("unknown actions and comparisons are errors that name the entry")
    func unknownWords() throws {
        #expect(throws: SeccompError.unknownAction(entry: "syscalls[1] (mkdir)", action: "SCMP_ACT_MAYBE")) {
            try policy(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_LOG"}, {"names": ["mkdir"], "action": "SCMP_ACT_MAYBE"}]}"#)
        }
        #expect(throws: SeccompError.unknownAction(entry: "defaultAction", action: "ALLOW")) {
            try policy(#"{"defaultAction": "ALLOW"}"#)
        }
        #expect(throws: SeccompError.unknownComparison(entry: "syscalls[0] (clone)", op: "SCMP_CMP_BETWEEN")) {
            try policy(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["clone"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BETWEEN"}]}]}"#)
        }
        #expect(throws: SeccompError.unsupportedAction(entry: "syscalls[0] (mount)", action: "SCMP_ACT_NOTIFY", reason: "the pilot runs no seccomp listener")) {
            try policy(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}"#)
        }
        #expect(throws: SeccompError.badActionValue(entry: "syscalls[0] (mount)", value: 70000)) {
            try policy(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70000}]}"#)
        }
    }

    @Test("malformed JSON says where", arguments: [
        (#"{"syscalls": []}"#, "defaultAction is missing"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]}"#, "syscalls[0].action is missing"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]}"#, "syscalls[0].names"),
    ])
    func malformed(json: String, fragment: String) {
        #expect {
            try policy(json)
        } throws: { error in
            guard case .malformedProfile(let path, let reason) = error as? SeccompError else { return false }
            return path == "test.json" && reason.contains(fragment)
        }
    }

    @Test("a profile file is read through SeccompChoice.file")
    func fromFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-profile-\(UUID().uuidString).json").path
        try Self.allowList.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let policy = try #require(try SeccompPolicy.resolve(.file(path), allowNestedNamespaces: true, host: Self.host))
        #expect(policy == (try self.policy(Self.allowList)))
    }

    @Test("kernel release strings")
    func kernelVersions() {
        #expect(KernelVersion("6.18.44-fc-v657") == KernelVersion(major: 6, minor: 18, patch: 44))
        #expect(KernelVersion("4.8") == KernelVersion(major: 4, minor: 8))
        #expect(KernelVersion("5.14.0-427.13.1.el9_4.x86_64")! > KernelVersion("5.4")!)
        #expect(KernelVersion("garbage") == nil)
    }
}
