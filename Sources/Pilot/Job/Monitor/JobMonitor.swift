import Logging
import Synchronization

/// Watches a payload while it runs: samples its process tree, keeps the summary PanDA's updates
/// report, checks memory, wall time, disk and looping, and on the first verdict calls the kill
/// action, once.
///
/// The job loop wraps its wait for the payload in `watch`:
/// ```swift
/// let monitor = JobMonitor(configuration: settings, limits: limits,
///     probes: .live(rootPID: process.pid, cgroup: cgroup, ignoredNames: settings.loopingIgnoredNames),
///     logger: logger) { _ in stopper.terminate() }
/// let (exit, report) = await monitor.watch { await BlockingThread.run { process.wait() } }
/// ```
final class JobMonitor: Sendable {
    /// Intervals and thresholds.
    let configuration: MonitorConfiguration
    /// What the job allows.
    let limits: JobLimits
    private let probes: MonitorProbes
    private let logger: Logger
    private let kill: @Sendable (MonitorVerdict) -> Void
    private let state: Mutex<State>

    /// The checks and when each is next due, in seconds since the start.
    private enum Chore: CaseIterable { case sample, memory, wallTime, disk, looping }

    private struct State {
        var summary = MonitorSummary()
        var verdict: MonitorVerdict?
        var due: [Chore: Double]
        var startedEpoch: Double
        var reportedUnreadable = false
    }

    /// `kill` is called once, with the first verdict (the job loop passes `ContainerStopper.terminate`).
    init(
        configuration: MonitorConfiguration, limits: JobLimits, probes: MonitorProbes, logger: Logger,
        kill: @escaping @Sendable (MonitorVerdict) -> Void
    ) {
        self.configuration = configuration
        self.limits = limits
        self.probes = probes
        self.logger = logger
        self.kill = kill
        // An early first sample, so that a payload shorter than one interval is still measured.
        let due: [Chore: Double] = [
            .sample: min(configuration.sampleInterval, 5), .memory: configuration.memoryCheckInterval,
            .wallTime: configuration.wallTimeCheckInterval, .disk: configuration.diskCheckInterval,
            .looping: configuration.loopingFirstCheck,
        ]
        state = Mutex(State(due: due, startedEpoch: probes.epochNow()))
    }

    /// The summary so far (for heartbeats while the payload runs).
    var summary: MonitorSummary { state.withLock { $0.summary } }

    /// The verdict that stopped the payload, if one did.
    var verdict: MonitorVerdict? { state.withLock { $0.verdict } }

    /// Runs `payload` (the wait for the container) while monitoring it in a child task, which is
    /// cancelled when the payload returns; then reads the cgroup's usage and checks the outputs.
    func watch<T: Sendable>(_ payload: () async -> T) async -> (value: T, report: MonitorReport) {
        let start = ContinuousClock.now
        let value = await withTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await self.loop(from: start) }
            let value = await payload()
            group.cancelAll()
            await group.waitForAll()
            return value
        }
        return (value, finish())
    }

    /// Samples and checks until cancelled, sleeping until the next task is due.
    private func loop(from start: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            let elapsed = Self.seconds(ContinuousClock.now - start)
            tick(at: elapsed)
            let next = state.withLock { $0.due.values.min() ?? elapsed + 1 }
            do {
                try await Task.sleep(for: .seconds(max(0.01, next - elapsed)))
            } catch {
                return
            }
        }
    }

    /// Does whatever is due at `elapsed` seconds since the start. After a verdict only sampling
    /// goes on, for the summary.
    func tick(at elapsed: Double) {
        if take(.sample, at: elapsed, every: configuration.sampleInterval) {
            let (sample, errors) = probes.sampleTree(elapsed)
            report(errors)
            // An empty tree is the payload not started yet or gone: nothing to average.
            if sample.processes > 0 { state.withLock { $0.summary.add(sample) } }
        }
        guard verdict == nil else { return }
        if take(.wallTime, at: elapsed, every: configuration.wallTimeCheckInterval),
           let verdict = LimitChecks.wallTime(elapsed: elapsed, limits: limits, grace: configuration.lifetimeGrace) {
            return conclude(verdict)
        }
        if take(.memory, at: elapsed, every: configuration.memoryCheckInterval),
           let verdict = LimitChecks.memory(summary, jobKilobytes: limits.memoryKilobytes, factor: configuration.memoryFactor) {
            return conclude(verdict)
        }
        if take(.disk, at: elapsed, every: configuration.diskCheckInterval) {
            let free = probes.freeBytes(limits.workDirectory)
            let size = limits.maxWorkDirectoryBytes.map { _ in probes.scanWorkDirectory(limits.workDirectory).totalBytes }
            if let verdict = LimitChecks.disk(
                freeBytes: free, minimumFree: configuration.minimumFreeBytes,
                workDirectoryBytes: size, limit: limits.maxWorkDirectoryBytes
            ) {
                return conclude(verdict)
            }
        }
        if limits.loopingCheck, take(.looping, at: elapsed, every: configuration.loopingCheckInterval) {
            let scan = probes.scanWorkDirectory(limits.workDirectory)
            let started = state.withLock { $0.startedEpoch }
            if let verdict = LimitChecks.looping(
                now: probes.epochNow(), started: started, scan: scan, limit: configuration.loopingLimit
            ) {
                return conclude(verdict)
            }
        }
    }

    /// Whether `task` is due at `elapsed`; if so, schedules its next run.
    private func take(_ task: Chore, at elapsed: Double, every interval: Double) -> Bool {
        state.withLock { state in
            guard let due = state.due[task], elapsed >= due else { return false }
            state.due[task] = elapsed + max(interval, 0.01)
            return true
        }
    }

    /// Records the first verdict and calls the kill action; later verdicts are ignored.
    private func conclude(_ verdict: MonitorVerdict) {
        let first = state.withLock { state -> Bool in
            guard state.verdict == nil else { return false }
            state.verdict = verdict
            return true
        }
        guard first else { return }
        logger.warning("stopping payload", metadata: [
            "pilot_error_code": "\(verdict.errorCode.rawValue)", "diagnostic": "\(verdict.diagnostic)",
        ])
        kill(verdict)
    }

    /// Logs unreadable processes, once per run: a permission problem repeats every sample.
    private func report(_ errors: [ProcessSampleError]) {
        guard let error = errors.first else { return }
        let first = state.withLock { state -> Bool in
            defer { state.reportedUnreadable = true }
            return !state.reportedUnreadable
        }
        if first { logger.warning("cannot sample payload process", metadata: ["error": "\(error)", "count": "\(errors.count)"]) }
    }

    /// The report after the payload ended: the cgroup's usage merged, the outputs checked.
    private func finish() -> MonitorReport {
        let usage = probes.cgroupUsage()
        let summary = state.withLock { state in
            if let usage { state.summary.merge(cgroup: usage) }
            return state.summary
        }
        let directory = limits.workDirectory
        let outputs = LimitChecks.outputs(expected: limits.outputFiles, allowedMissing: limits.allowedMissingOutputs) {
            probes.fileExists(directory + "/" + $0)
        }
        let report = MonitorReport(summary: summary, verdict: verdict, outputVerdict: outputs)
        logger.info("payload monitoring ended", metadata: [
            "samples": "\(summary.samples)", "cpu_s": "\(summary.cpuSeconds.value)",
            "cpu_source": "\(summary.cpuSeconds.source.rawValue)", "max_rss_kb": "\(summary.maxResidentBytes / 1024)",
            "verdict": "\(report.failure?.description ?? "none")",
        ])
        return report
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// What the monitor concluded about one payload run.
struct MonitorReport: Sendable, Equatable {
    /// Figures over the run, the cgroup's merged in.
    var summary: MonitorSummary
    /// The verdict that made the monitor stop the payload; nil when none did.
    var verdict: MonitorVerdict?
    /// Output files missing at the end, checked whatever happened before.
    var outputVerdict: MonitorVerdict?

    /// The failure to report: the stopping verdict first, else the missing outputs.
    var failure: MonitorVerdict? { verdict ?? outputVerdict }
}
