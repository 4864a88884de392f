import Foundation
import Payload
import Testing

/// What the host tests need: root and a v1 memory hierarchy this process belongs to (a hybrid
/// or v1 host such as the project's test VM). Outside the suite, whose trait reads it.
enum CgroupV1Host {
    static let usable: Bool = {
        guard getuid() == 0, FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/cgroup.procs"),
              let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return false }
        return CgroupFiles.memberships(text).contains { $0.hierarchy != 0 && $0.controllers.contains("memory") }
    }()
}

/// Real cgroup v1 limits on this host: a shell joins the payload cgroup as the runtime's C code
/// will (writing "0" into each join file), then the kernel enforces the limits.
@Suite("payload cgroup on this host (v1)", .serialized,
       .enabled(if: CgroupV1Host.usable, "needs root and a cgroup v1 memory hierarchy (hybrid or v1 host)"))
struct PayloadCgroupHostTests {
    private func makeCgroup(_ limits: ResourceLimits) throws -> PayloadCgroup {
        try PayloadCgroupFactory().create(name: "pilot-test-\(getpid())-\(UUID().uuidString.prefix(8))", limits: limits)
    }

    /// `sh -c` that joins the cgroup, then runs `body`.
    private func runInside(_ cgroup: PayloadCgroup, _ body: String) throws -> LocalCommand.Result {
        let join = cgroup.joinFiles.map { "echo 0 > '\($0)'" }.joined(separator: " && ")
        return try LocalCommand.run(["/bin/sh", "-c", "\(join) && \(body)"])
    }

    @Test("the child sees its limits; a 256 MiB hog under 64 MiB is OOM-killed and usage says so")
    func memoryLimitAndOOM() throws {
        let cgroup = try makeCgroup(ResourceLimits(memoryBytes: 64 << 20, pids: 64, cpus: 0.5))
        defer { try? cgroup.tearDown() }
        #expect(cgroup.version == .v1)
        #expect(cgroup.unenforcedLimits.isEmpty)
        let memory = try #require(cgroup.directory(for: "memory"))
        let cpu = try #require(cgroup.directory(for: "cpu"))

        let seen = try runInside(cgroup, """
            p=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup); cat "/sys/fs/cgroup/memory$p/memory.limit_in_bytes"; \
            cat '\(cpu)/cpu.cfs_quota_us'; cat '\(cgroup.directory(for: "pids") ?? "")/pids.max'
            """)
        #expect(seen.status == 0, "\(seen.stderr)")
        #expect(seen.stdout.split(separator: "\n") == ["67108864", "50000", "64"])
        #expect(try String(contentsOfFile: memory + "/memory.memsw.limit_in_bytes", encoding: .utf8) == "67108864\n")
        #expect(try cgroup.usage().oomKilled == false)

        let hog = try runInside(cgroup, "exec \(LocalCommand.python) -c 'b = b\"x\" * (256 << 20); print(len(b))'")
        #expect(hog.signaled && hog.status == SIGKILL, "the hog ended with \(hog.status): \(hog.stdout) \(hog.stderr)")
        let usage = try cgroup.usage()
        #expect(usage.oomKilled)
        #expect((usage.oomKills ?? 0) >= 1)
        let peak = try #require(usage.peakMemoryBytes)
        #expect(peak > 32 << 20 && peak <= 64 << 20)
        #expect((usage.cpuMicroseconds ?? 0) > 0)

        try cgroup.tearDown()
        for directory in cgroup.directories { #expect(!FileManager.default.fileExists(atPath: directory.path)) }
    }

    @Test("a pids limit of 16 stops a fork loop; teardown kills the survivors and removes every directory")
    func pidsLimitAndTeardown() throws {
        let cgroup = try makeCgroup(ResourceLimits(pids: 16))
        defer { try? cgroup.tearDown() }
        // Each child sleeps with every descriptor closed, so the test's pipe reaches EOF.
        let loop = try runInside(cgroup, """
            exec \(LocalCommand.python) -c '
            import errno, os, time
            made = 0
            try:
                for _ in range(40):
                    if os.fork() == 0:
                        os.closerange(0, 1024); time.sleep(60); os._exit(0)
                    made += 1
            except OSError as error:
                print(made, errno.errorcode[error.errno])
            '
            """)
        #expect(loop.status == 0, "\(loop.stderr)")
        let words = loop.answer.split(separator: " ")
        #expect(words.count == 2 && words.last == "EAGAIN", "the loop said: \(loop.stdout)")
        #expect((Int(words.first ?? "") ?? 99) < 16)
        let survivors = try cgroup.processes()
        #expect(survivors.count >= 10)
        #expect(try cgroup.usage().peakProcesses == 16)

        try cgroup.tearDown()
        for directory in cgroup.directories { #expect(!FileManager.default.fileExists(atPath: directory.path)) }
        for pid in survivors { #expect(kill(pid, 0) != 0 || Self.isZombie(pid), "\(pid) survived") }
    }

    @Test("a name in use is refused and the first cgroup is untouched")
    func nameInUse() throws {
        let name = "pilot-test-\(getpid())-dup"
        let first = try PayloadCgroupFactory().create(name: name, limits: ResourceLimits(memoryBytes: 32 << 20))
        defer { try? first.tearDown() }
        #expect(throws: CgroupError.self) { try PayloadCgroupFactory().create(name: name, limits: ResourceLimits()) }
        for directory in first.directories { #expect(FileManager.default.fileExists(atPath: directory.path)) }
    }

    /// Whether /proc says the process is a zombie (killed, not yet reaped by its new parent).
    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }
}
