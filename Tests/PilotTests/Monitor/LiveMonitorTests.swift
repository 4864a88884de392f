import Foundation
import Logging
import Testing
@testable import Pilot

/// Real process trees under the monitor: python3 children that allocate and touch memory, burn
/// CPU and write, started by a shell whose descendants are the payload, as the container's
/// set-up process's are.
@Suite("job monitor on live process trees", .serialized)
struct LiveMonitorTests {
    static let mib: UInt64 = 1 << 20
    static let python = LocalCommand.python

    /// Holds `megabytes` of touched memory for `seconds`, after writing `written` MiB to `file`.
    static let allocate = """
    import sys, time
    megabytes, seconds, path, written = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    with open(path, "wb") as out:
        out.write(b"x" * (written << 20))
    block = bytearray(megabytes << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(seconds)
    """

    /// Spins until it has used `seconds` of CPU (CPU time, not wall time: the machine is shared).
    static let burn = """
    import sys, time
    while time.process_time() < float(sys.argv[1]):
        pass
    """

    static func scripts(_ scratch: ScratchDirectory) throws {
        try scratch.write("allocate.py", allocate)
        try scratch.write("burn.py", burn)
    }

    static func monitor(
        root: Int32, limits: JobLimits, kills: KillRecorder, stop: @escaping @Sendable () -> Void
    ) -> JobMonitor {
        var settings = MonitorConfiguration.every(0.2)
        settings.minimumFreeBytes = 0
        return JobMonitor(
            configuration: settings, limits: limits,
            probes: .live(rootPID: root, cgroup: nil, ignoredNames: settings.loopingIgnoredNames),
            logger: Logger(label: "test.live-monitor")
        ) { verdict in
            kills.record(verdict)
            stop()
        }
    }

    @Test("the summary sees the children's CPU, memory, writes and number")
    func treeFigures() async throws {
        let scratch = try ScratchDirectory("live-tree")
        try Self.scripts(scratch)
        // Three descendants: a python holding 200 MiB, a shell, and the python burning CPU
        // under it (then a sleep, so the shell reaps it while still being sampled).
        let tree = try scratch.write("tree.sh", """
        \(Self.python) \(scratch("allocate.py")) 200 4 \(scratch("written.bin")) 8 &
        sh -c '\(Self.python) \(scratch("burn.py")) 1.5; sleep 1.5' &
        wait
        """)
        let payload = try SpawnedTree(script: tree)
        let kills = KillRecorder()
        let monitor = Self.monitor(root: payload.pid, limits: JobLimits(workDirectory: scratch.path), kills: kills) {
            payload.killGroup()
        }
        let (status, report) = await monitor.watch { await payload.wait() }
        #expect(status == 0)
        #expect(kills.calls == 0)
        let summary = report.summary
        #expect(summary.samples >= 5)
        #expect(summary.maxProcesses == 3)
        #expect(summary.averageProcesses > 1)
        #expect(summary.cpuSeconds.source == .processTree)
        #expect(summary.cpuSeconds.value >= 1.4)
        #expect(summary.cpuSeconds.value < 10)
        #expect(summary.maxResidentBytes >= 200 * Self.mib)
        #expect(summary.maxResidentBytes <= 300 * Self.mib)
        let pss = try #require(summary.maxProportionalBytes)
        #expect(pss >= 195 * Self.mib && pss <= 300 * Self.mib)
        #expect(summary.io.writtenChars >= 8 * Self.mib)
        let fields = summary.legacyUpdateFields
        #expect(fields["maxRSS"].map { $0 >= 200 * 1024 } == true)
        #expect(fields["totWCHAR"].map { $0 >= 8 << 20 } == true)
    }

    @Test("a memory hog over its limit is killed with 1235, once")
    func memoryHog() async throws {
        let scratch = try ScratchDirectory("live-hog")
        try Self.scripts(scratch)
        let tree = try scratch.write("hog.sh", """
        \(Self.python) \(scratch("allocate.py")) 300 30 \(scratch("written.bin")) 0 &
        wait
        """)
        let payload = try SpawnedTree(script: tree)
        let kills = KillRecorder()
        // 50 MB of job memory, factor 2: the limit is 100 MB.
        let limits = JobLimits(workDirectory: scratch.path, minRamCountMB: 50)
        let monitor = Self.monitor(root: payload.pid, limits: limits, kills: kills) { payload.killGroup() }
        let start = ContinuousClock.now
        let (status, report) = await monitor.watch { await payload.wait() }
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(status & 0x7f == SIGKILL)
        #expect(kills.calls == 1)
        guard case let .memoryExceeded(used, limit, measure) = try #require(report.verdict) else {
            Issue.record("expected a memory verdict, got \(String(describing: report.verdict))")
            return
        }
        #expect(limit == 102_400)
        #expect(used > limit)
        #expect(measure == .pss)
        #expect(report.failure?.errorCode.rawValue == 1235)
    }

    @Test("a payload over maxWalltime is stopped with 1213")
    func wallTime() async throws {
        let scratch = try ScratchDirectory("live-wall")
        let tree = try scratch.write("sleep.sh", "sleep 30 &\nwait\n")
        let payload = try SpawnedTree(script: tree)
        let kills = KillRecorder()
        let limits = JobLimits(workDirectory: scratch.path, maxWalltime: 1)
        let monitor = Self.monitor(root: payload.pid, limits: limits, kills: kills) { payload.killGroup() }
        let start = ContinuousClock.now
        let (status, report) = await monitor.watch { await payload.wait() }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed > .seconds(1) && elapsed < .seconds(10))
        #expect(status & 0x7f == SIGKILL)
        #expect(kills.calls == 1)
        #expect(report.verdict?.errorCode.rawValue == 1213)
        guard case let .wallTimeExceeded(ran, allowed) = try #require(report.verdict) else {
            Issue.record("expected a wall-time verdict")
            return
        }
        #expect(ran > 1 && allowed == 1)
        #expect(report.summary.maxProcesses == 1)
    }
}
