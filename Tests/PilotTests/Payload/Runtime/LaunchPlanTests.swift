import Testing
@testable import Payload

/// The launch plan's encoding (what plan.c reads) and the status lines it answers with.
@Suite("launch plan and status lines")
struct LaunchPlanTests {
    private func tokens(_ plan: LaunchPlan) throws -> [String] {
        try plan.encoded().split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("an unprivileged spec: a user namespace mapping the caller, binds in order, argv counted")
    func unprivileged() throws {
        let spec = ContainerSpec(
            rootfs: "/images/el9", binds: [Bind(source: "/cvmfs", destination: "/cvmfs", readOnly: true)],
            environment: [EnvironmentVariable(name: "A", value: "x=y")], workingDirectory: "/srv", command: ["sh", "-c", "true"]
        )
        let runtime = BuiltinRuntime(identity: (uid: 1000, gid: 100))
        let plan = runtime.plan(for: spec, staging: "/tmp/s", extras: .init(binds: [Bind(source: "/dev/nvidia0", destination: "/dev/nvidia0", readOnly: false)]))
        #expect(try tokens(plan) == [
            "ns", "user,mount,pid,ipc,uts", "map", "1000", "100", "hostname", "pilot-payload",
            "root", "/images/el9", "/tmp/s", "1", "bind", "/cvmfs", "/cvmfs", "1", "bind", "/dev/nvidia0", "/dev/nvidia0", "0",
            "pivot", "chdir", "/srv", "env", "A=x=y", "rlimit", "4", "0", "0", "argv", "3", "sh", "-c", "true", "end",
        ])
    }

    @Test("root drops capabilities instead of mapping users")
    func root() throws {
        let plan = BuiltinRuntime(identity: (uid: 0, gid: 0)).plan(for: ContainerSpec(rootfs: "/r", command: ["true"]), staging: "/s")
        #expect(plan.dropCapabilities)
        #expect(!plan.namespaces.contains(.user))
        #expect(try tokens(plan).contains("drop-caps"))
    }

    @Test("values the C reader cannot carry are refused with the field named")
    func invalid() {
        var plan = LaunchPlan()
        plan.command = ["a\u{0}b"]
        #expect(throws: ContainerError.invalidSpec("command contains a NUL byte")) { try plan.encoded() }
        plan.command = []
        #expect(throws: ContainerError.invalidSpec("no command to run")) { try plan.encoded() }
        plan.command = ["true"]
        plan.environment = [EnvironmentVariable(name: "A=B", value: "c")]
        #expect(throws: ContainerError.self) { try plan.encoded() }
        plan.environment = []
        plan.seccompProgram = [1, 2, 3]
        #expect(throws: ContainerError.self) { try plan.encoded() }
    }

    @Test("the seccomp program travels as hex")
    func seccompHex() throws {
        var plan = LaunchPlan()
        plan.command = ["true"]
        plan.seccompProgram = [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]
        #expect(try tokens(plan).contains("060000000000ff7f"))
    }

    @Test("status lines: the result and set-up errors")
    func statusLines() {
        let exit = ContainerProcess.parseResult("result 2304 1500000 250000 40960")
        #expect(exit?.termination == .exited(9))
        #expect(exit?.userCPUSeconds == 1.5)
        #expect(exit?.systemCPUSeconds == 0.25)
        #expect(exit?.maxRSSKilobytes == 40960)
        #expect(ContainerProcess.parseResult("result 9 0 0 0")?.termination == .signaled(9))
        #expect(ContainerProcess.error(from: "error 2 exec: /bin/x", command: "/bin/x") == .commandNotFound("/bin/x"))
        #expect(ContainerProcess.error(from: "error 1 unshare: namespaces", command: "x")
                == .setupFailed(step: "unshare", errno: 1, detail: "namespaces"))
        #expect(ContainerError.setupFailed(step: "unshare", errno: 1, detail: "").description.contains("RuntimeDefault seccomp"))
    }

    @Test("bind, environment, GPU and byte-count arguments")
    func arguments() throws {
        #expect(try Bind(parsing: "/a") == Bind(source: "/a", destination: "/a", readOnly: false))
        #expect(try Bind(parsing: "/a:/b:ro") == Bind(source: "/a", destination: "/b", readOnly: true))
        #expect(throws: ContainerError.self) { try Bind(parsing: "/a:/b:xx") }
        #expect(throws: ContainerError.self) { try Bind(parsing: "rel:/b") }
        #expect(throws: ContainerError.self) { try Bind(parsing: "/a:/b/../../etc") }
        #expect(try EnvironmentVariable(parsing: "K=v=w") == EnvironmentVariable(name: "K", value: "v=w"))
        #expect(throws: ContainerError.self) { try EnvironmentVariable(parsing: "=v") }
        #expect(try GPURequest(parsing: "0, GPU-abc") == .list(["0", "GPU-abc"]))
        #expect(try GPURequest(parsing: "all") == .all)
        #expect(try ByteCount.parse("512M") == 512 << 20)
        #expect(try ByteCount.parse("2Gi") == 2 << 30)
        #expect(try ByteCount.parse("1000") == 1000)
        #expect(throws: ContainerError.self) { try ByteCount.parse("lots") }
    }
}
