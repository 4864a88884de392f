#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload
import Synchronization

/// The payload in its container, watched by the monitor, with heartbeats that obey the server's
/// kill commands.
extension JobRunner {
    /// How the payload ended, and the failure the pilot holds it to (a kill, a limit), if any.
    struct PayloadEnd: Sendable {
        var outcome: ExecOutcome
        var failure: StepFailure?
    }

    func runPayload(_ job: JobDescription, in directory: String, started: Date, logger: Logger, progress: inout JobProgress,
                    recorder: JobStateRecorder) async throws(StepFailure) -> PayloadEnd {
        let builder = PayloadSpecBuilder(cvmfsRoot: configuration.cvmfsRoot, defaultImage: settings.payloadImage)
        let spec: ContainerSpec
        do { spec = try builder.spec(for: job, jobDirectory: directory) } catch {
            throw StepFailure(code: .imageNotFound, diagnostic: error.description)
        }
        for name in builder.repositories(for: job, image: spec.rootfs) {
            guard let repository = try? CVMFSRepository(name: name) else { continue }
            try await checkRepository(repository, logger: logger)
        }
        let out = open(directory + "/payload.stdout", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let err = open(directory + "/payload.stderr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if out >= 0 { close(out) }; if err >= 0 { close(err) } }
        var runner = PayloadRunner(configuration: configuration, environment: environment, logger: logger,
                                   imageCache: settings.imageCache ?? configuration.workdir + "/.pilot-images", cgroupPolicy: .always)
        runner.standardOutput = out >= 0 ? out : nil
        runner.standardError = err >= 0 ? err : nil
        let running: RunningPayload
        do { running = try await runner.launch(spec, runtime: .auto, grace: settings.grace) } catch {
            throw StepFailure(code: Self.launchCode(error), diagnostic: error.description)
        }
        recorder.advance(to: .payloadStarted)
        termination?.watch(running.stopper)
        defer { termination?.watch(nil) }
        let startTime = Date()
        progress.startTime = startTime
        progress.actualCoreCount = job.coreCount
        let killedBy = KillRecord()
        let monitor = JobMonitor(
            configuration: monitorConfiguration, limits: limits(for: job, directory: directory),
            probes: .live(rootPID: running.process.pid, cgroup: running.cgroup, ignoredNames: []),
            logger: logger, kill: { verdict in
                logger.warning("stopping the payload", metadata: ["reason": "\(verdict.diagnostic)"])
                running.stopper.terminate()
            })
        let snapshot = progress
        let (outcome, report) = await withTaskGroup(of: Void.self, returning: (ExecOutcome, MonitorReport).self) { group in
            group.addTask {
                await heartbeats(job, monitor: monitor, progress: snapshot, running: running, killedBy: killedBy,
                                 recorder: recorder, started: started, logger: logger)
            }
            let watched = await monitor.watch { await running.finish() }
            group.cancelAll()
            await group.waitForAll()
            return (watched.value, watched.report)
        }
        progress = Self.progress(snapshot, summary: report.summary, exit: outcome.exit)
        if let kill = killedBy.state.withLock({ $0 }) { return PayloadEnd(outcome: outcome, failure: kill) }
        if let reason = termination?.reason {
            return PayloadEnd(outcome: outcome, failure: StepFailure(
                code: reason.errorCode, diagnostic: "the pilot received \(reason) and stopped the payload"))
        }
        if let verdict = report.verdict {
            return PayloadEnd(outcome: outcome, failure: StepFailure(code: PilotErrorCode(rawValue: verdict.errorCode.rawValue) ?? .generalError, diagnostic: verdict.diagnostic))
        }
        if outcome.exit.outOfMemory {
            return PayloadEnd(outcome: outcome, failure: StepFailure(code: .payloadOutOfMemory, diagnostic: "the payload was killed by the kernel's OOM killer"))
        }
        if outcome.exit.exitCode == 0, let missing = report.outputVerdict {
            return PayloadEnd(outcome: outcome, failure: StepFailure(code: .missingOutputFile, diagnostic: missing.diagnostic))
        }
        return PayloadEnd(outcome: outcome, failure: nil)
    }

    /// `running` updates every `run.heartbeat` seconds until cancelled; `tobekilled` and
    /// `softkill` in a reply stop the payload.
    private func heartbeats(_ job: JobDescription, monitor: JobMonitor, progress: JobProgress, running: RunningPayload,
                            killedBy: KillRecord, recorder: JobStateRecorder, started: Date, logger: Logger) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(Int64(settings.heartbeat * 1000))) } catch { return }
            let current = Self.progress(progress, summary: monitor.summary, exit: nil)
            let cost = checkpoint(job, progress: current, started: started)
            recorder.update { $0.checkpoint = cost }
            guard let reply = await reporter.send(.running(job, context: context, progress: current)) else { continue }
            if reply.mustKill || reply.softKill {
                let failure = StepFailure(code: .pandaKill, diagnostic: "killed by the server (\(reply.mustKill ? "tobekilled" : "softkill"))")
                let first = killedBy.state.withLock { state -> Bool in
                    defer { if state == nil { state = failure } }
                    return state == nil
                }
                if first {
                    logger.warning("the server asked to kill the job", metadata: ["command": "\(reply.mustKill ? "tobekilled" : "softkill")"])
                    running.stopper.terminate()
                }
            }
        }
    }

    /// A repository the job needs (its image's, its release's) must answer before the payload starts.
    private func checkRepository(_ repository: CVMFSRepository, logger: Logger) async throws(StepFailure) {
        let probe = CVMFSProbe(cvmfsRoot: configuration.cvmfsRoot, observer: "/proc/self/exe",
                               timeout: .milliseconds(Int64(configuration.cvmfsTimeout * 1000)), maxAge: configuration.cvmfsMaxAge,
                               freshnessFiles: configuration.cvmfsFreshnessFiles, logger: logger)
        guard let report = await probe.probe([repository]).first else { return }
        if settings.cvmfsDegraded.refuses(report.status) {
            throw StepFailure(code: .imageNotFound, diagnostic: "CVMFS repository \(repository.name) the job needs is \(report.status.rawValue): \(report.reason ?? "no reason")")
        }
        if report.status == .degraded {
            logger.warning("a CVMFS repository the job needs is degraded", metadata: ["repo": "\(repository.name)", "reason": "\(report.reason ?? "")"])
        }
    }

    private var monitorConfiguration: MonitorConfiguration {
        var monitor = settings.monitorInterval.map { MonitorConfiguration.every($0) } ?? MonitorConfiguration()
        if let looping = settings.loopingTimeout { monitor.loopingLimit = looping }
        return monitor
    }

    private func limits(for job: JobDescription, directory: String) -> JobLimits {
        JobLimits(workDirectory: directory, minRamCountMB: job.minRamCountMB ?? 0, maxWalltime: job.maxWalltimeSeconds ?? 0,
                  maxDiskCountMB: job.maxDiskCountMB ?? 0, pilotSecondsLeft: pilotSecondsLeft.map { $0 - settings.stopBudget }, loopingCheck: job.loopingCheck,
                  outputFiles: job.outputs.filter { $0.kind == .output }.map(\.lfn), allowedMissingOutputs: job.allowNoOutput)
    }

    /// The update's figures from the monitor (and, at the end, the container's own accounting).
    static func progress(_ base: JobProgress, summary: MonitorSummary, exit: ContainerExit?) -> JobProgress {
        var progress = base
        let cpu = exit.map { $0.userCPUSeconds + $0.systemCPUSeconds } ?? summary.treeCPUSeconds
        progress.cpuSeconds = Int(max(cpu, summary.treeCPUSeconds).rounded())
        let fields = summary.legacyUpdateFields
        // A payload shorter than the first sample still has the container's own peak.
        let peak = exit.map { Int($0.maxRSSKilobytes) }.flatMap { $0 > 0 ? $0 : nil }
        progress.memory = MemoryUsage(maxRSS: fields["maxRSS"] ?? peak, maxVMEM: fields["maxVMEM"], maxSwap: fields["maxSWAP"], maxPSS: fields["maxPSS"],
                                      avgRSS: fields["avgRSS"], avgVMEM: fields["avgVMEM"], avgSwap: fields["avgSWAP"], avgPSS: fields["avgPSS"])
        progress.io = IOUsage(totalReadChars: fields["totRCHAR"], totalWrittenChars: fields["totWCHAR"], totalReadBytes: fields["totRBYTES"],
                              totalWrittenBytes: fields["totWBYTES"], readCharsRate: fields["rateRCHAR"], writtenCharsRate: fields["rateWCHAR"],
                              readBytesRate: fields["rateRBYTES"], writtenBytesRate: fields["rateWBYTES"])
        return progress
    }

    static func launchCode(_ error: ExecError) -> PilotErrorCode {
        switch error {
        case .container(.commandNotFound), .container(.commandNotExecutable): .payloadExecutionFailure
        case .image: .imageNotFound
        default: .singularityGeneralFailure
        }
    }
}

/// The server's kill request, shared by the heartbeat task and the job.
final class KillRecord: Sendable {
    let state = Mutex<JobRunner.StepFailure?>(nil)
}
