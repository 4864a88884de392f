import Foundation
import Logging
import Payload
import Testing
@testable import Pilot

/// Probes that answer with fixed figures: a tree of one process, a free-space figure, a scan.
func fakeProbes(
    free: UInt64? = 100 << 30, scan: WorkDirectoryScan = WorkDirectoryScan(entries: [], ignoredNames: []),
    rss: UInt64 = 10 << 20, cgroup: CgroupUsage? = nil, existing: Set<String> = []
) -> MonitorProbes {
    MonitorProbes(
        sampleTree: { time in (treeSample(time: time, processes: 1, cpu: time, rss: rss), []) },
        freeBytes: { _ in free }, scanWorkDirectory: { _ in scan }, cgroupUsage: { cgroup },
        epochNow: { MonitorProbes.epochSeconds() }, fileExists: { existing.contains($0) }
    )
}

@Suite("job monitor loop")
struct JobMonitorTests {
    static let logger = Logger(label: "test.monitor")

    @Test("an injected statvfs result under the minimum stops the payload with 1098, once")
    func diskFull() async {
        let kills = KillRecorder()
        var settings = MonitorConfiguration.every(0.05)
        settings.minimumFreeBytes = 1 << 30
        let monitor = JobMonitor(
            configuration: settings, limits: JobLimits(workDirectory: "/w"), probes: fakeProbes(free: 500 << 20),
            logger: Self.logger, kill: kills.record
        )
        // The payload lingers after the kill, so the loop has many more chances to kill again.
        let (killed, report) = await monitor.watch { await kills.payload(seconds: 5, linger: 1.0) }
        #expect(killed)
        #expect(kills.calls == 1)
        #expect(report.verdict == .noLocalSpace(freeBytes: 500 << 20, minimumBytes: 1 << 30))
        #expect(report.failure?.errorCode.rawValue == 1098)
        // Sampling went on after the verdict (taken at the first sample); 20 are due in the linger,
        // a loaded machine's cooperative pool may run far fewer.
        #expect(report.summary.samples >= 2, "\(report.summary.samples) samples")
    }

    @Test("plenty of space and no limits: the payload runs to its end untouched")
    func noVerdict() async {
        let kills = KillRecorder()
        let monitor = JobMonitor(
            configuration: .every(0.05), limits: JobLimits(workDirectory: "/w"), probes: fakeProbes(),
            logger: Self.logger, kill: kills.record
        )
        let (killed, report) = await monitor.watch { await kills.payload(seconds: 1.0) }
        #expect(!killed)
        #expect(kills.calls == 0)
        #expect(report.failure == nil)
        // 20 samples are due; a loaded machine's cooperative pool may run far fewer, never one only.
        #expect(report.summary.samples >= 2, "\(report.summary.samples) samples")
        #expect(report.summary.cpuSeconds.source == .processTree)
    }

    @Test("ticks fire each check on its own interval, and only the first verdict kills")
    func schedule() {
        let kills = KillRecorder()
        var settings = MonitorConfiguration()
        settings.sampleInterval = 10
        settings.memoryCheckInterval = 30
        let limits = JobLimits(workDirectory: "/w", minRamCountMB: 10, maxWalltime: 100)
        let monitor = JobMonitor(
            configuration: settings, limits: limits, probes: fakeProbes(rss: 30 << 20), logger: Self.logger,
            kill: kills.record
        )
        monitor.tick(at: 0)
        #expect(monitor.summary.samples == 0)
        monitor.tick(at: 5)
        #expect(monitor.summary.samples == 1)
        monitor.tick(at: 10)
        #expect(monitor.summary.samples == 1)
        // 30 MB RSS > 2 × 10 MB, but the memory check is not due before 30 s.
        monitor.tick(at: 29)
        #expect(kills.calls == 0)
        monitor.tick(at: 30)
        #expect(kills.verdicts == [.memoryExceeded(usedKilobytes: 30720, limitKilobytes: 20480, measure: .rss)])
        // maxWalltime passes too, but the job is already condemned.
        for second in stride(from: 31.0, through: 300, by: 10) { monitor.tick(at: second) }
        #expect(kills.calls == 1)
        #expect(monitor.verdict?.errorCode.rawValue == 1235)
        #expect(monitor.summary.samples > 20)
    }

    @Test("at the end the cgroup's usage is merged and missing outputs are reported")
    func finish() async {
        let usage = CgroupUsage(peakMemoryBytes: 64 << 20, cpuMicroseconds: 2_000_000)
        let limits = JobLimits(workDirectory: "/w", outputFiles: ["out.root", "log.tgz"], allowedMissingOutputs: [])
        let monitor = JobMonitor(
            configuration: .every(0.05), limits: limits, probes: fakeProbes(cgroup: usage, existing: ["/w/log.tgz"]),
            logger: Self.logger, kill: { _ in }
        )
        let (_, report) = await monitor.watch { try? await Task.sleep(for: .milliseconds(100)) }
        #expect(report.verdict == nil)
        #expect(report.outputVerdict == .missingOutput(files: ["out.root"]))
        #expect(report.failure?.errorCode.rawValue == 1165)
        #expect(report.summary.cpuSeconds == Sourced(value: 2, source: .cgroup))
        #expect(report.summary.peakMemoryBytes == Sourced(value: 64 << 20, source: .cgroup))
    }

    @Test("configuration keys left out of a file keep pilot3's defaults")
    func configurationDefaults() throws {
        let json = #"{"looping_limit": 60, "sample_interval": 0.2}"#
        let settings = try JSONDecoder().decode(MonitorConfiguration.self, from: Data(json.utf8))
        #expect(settings.loopingLimit == 60)
        #expect(settings.sampleInterval == 0.2)
        #expect(settings.loopingFirstCheck == 900)
        #expect(settings.memoryFactor == 2)
        #expect(settings.minimumFreeBytes == 1 << 30)
        #expect(settings.loopingIgnoredNames.contains("pilotlog.txt"))
    }
}
