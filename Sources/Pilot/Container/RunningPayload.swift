import Payload

/// A payload started by `PayloadRunner.launch`: what the job loop watches and stops, and how it
/// collects the end.
struct RunningPayload: Sendable {
    /// The container; `process.pid` is the set-up process, whose descendants are the payload tree.
    var process: ContainerProcess
    /// SIGTERM, grace, SIGKILL; also the wall-time limit.
    var stopper: ContainerStopper
    /// The payload's own cgroup, when one could be made.
    var cgroup: PayloadCgroup?
    var runtime: RuntimeChoice
    var limitsEnforced: Bool
    var cleanup: @Sendable () -> Void
    var runner: PayloadRunner

    /// Waits (on a thread of its own) until the payload has ended, then folds in the cgroup's
    /// figures and removes the cgroup and the scratch.
    func finish() async -> ExecOutcome {
        let process = process
        var exit = await BlockingThread.run { process.wait() }
        stopper.cancel()
        cleanup()
        if let cgroup { exit = runner.finish(exit, cgroup: cgroup) }
        runner.logger.info("payload ended", metadata: [
            "exit_code": "\(exit.exitCode)", "wall_s": "\(exit.wallSeconds)", "oom": "\(exit.outOfMemory)",
            "cpu_s": "\(exit.userCPUSeconds + exit.systemCPUSeconds)", "max_rss_kb": "\(exit.maxRSSKilobytes)",
        ])
        return ExecOutcome(exit: exit, runtime: runtime, timedOut: stopper.timedOut, limitsEnforced: limitsEnforced)
    }
}
