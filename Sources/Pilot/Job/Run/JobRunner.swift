#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// Runs one job from start to final update: its directory, `starting`, stage-in, the payload in
/// its container under the monitor with heartbeats, stage-out of the outputs and the log archive,
/// the final update, and the facts accounting needs.
struct JobRunner: Sendable {
    var configuration: PilotConfiguration
    var environment: [String: String]
    var logger: Logger
    var reporter: JobReporter
    var context: UpdateContext
    /// Seconds the pilot has left when the job starts; nil when its lifetime is unlimited.
    var pilotSecondsLeft: Double?
    /// The pilot's own SIGTERM (pod eviction), which stops the payload.
    var termination: TerminationSignal? = nil

    /// How a job ended, for the loop and accounting.
    struct Result: Sendable {
        var state: JobState
        var pilotError: PilotErrorCode?
        var diagnostic: String?
        var transExitCode: Int?
        var payload: ExecOutcome?
        var startTime: Date
        var endTime: Date
        var stagedInBytes: Int64 = 0
        var stagedOutBytes: Int64 = 0
        var finalUpdateDelivered = true
    }

    /// A step failed: the job fails with this code and line.
    struct StepFailure: Error, Sendable {
        var code: PilotErrorCode
        var diagnostic: String
    }

    var settings: RunSettings { configuration.run }

    /// Runs `job`; never throws: every failure becomes the job's `failed` update.
    func run(_ job: JobDescription, getJobSeconds: Int) async -> Result {
        let started = Date()
        var timing = PilotTiming()
        timing.getJob = getJobSeconds
        let directory = "\(configuration.workdir)/PandaJob_\(job.pandaID)"
        var log = logger
        log[metadataKey: "job.id"] = "\(job.pandaID)"
        log.info("job started", metadata: ["attempt": "\(job.attemptNr)", "inputs": "\(job.inputs.count)", "outputs": "\(job.outputs.count)"])
        let startingReply = await reporter.send(.starting(job, context: context))
        var result = Result(state: .failed, startTime: started, endTime: started)
        var progress = JobProgress()
        var outputs = OutputFileReport()
        do {
            if let reply = startingReply, reply.mustKill || reply.softKill {
                throw StepFailure(code: .pandaKill, diagnostic: "killed by the server before the payload started")
            }
            try makeDirectory(directory)
            checkpoint(job, progress: JobProgress(), started: started).save(in: directory)
            let stageInStart = ContinuousClock.now
            result.stagedInBytes = try await stageIn(job, into: directory, logger: log)
            timing.stageIn = Self.seconds(since: stageInStart)
            let payloadStart = ContinuousClock.now
            let payload = try await runPayload(job, in: directory, started: started, logger: log, progress: &progress)
            timing.payload = Self.seconds(since: payloadStart)
            result.payload = payload.outcome
            result.transExitCode = Int(payload.outcome.exit.exitCode)
            let stageOutStart = ContinuousClock.now
            if let failure = payload.failure {
                result.pilotError = failure.code
                result.diagnostic = failure.diagnostic
            } else if payload.outcome.exit.exitCode != 0 {
                result.diagnostic = "payload exited with \(payload.outcome.exit.exitCode)"
            } else {
                let staged = try await stageOutOutputs(job, from: directory, logger: log)
                outputs.entries += staged.entries
                result.stagedOutBytes += staged.bytes
                result.state = .finished
            }
            timing.stageOut = Self.seconds(since: stageOutStart)
        } catch let failure as StepFailure {
            result.state = .failed
            result.pilotError = failure.code
            result.diagnostic = failure.diagnostic
        } catch {
            result.state = .failed
            result.pilotError = .generalError
            result.diagnostic = "\(error)"
        }
        // The log archive goes out however the job ended: it is how a failure is understood.
        do {
            let staged = try await stageOutLog(job, from: directory, logger: log)
            outputs.entries += staged.entries
            result.stagedOutBytes += staged.bytes
        } catch {
            log.warning("log archive not staged out", metadata: ["error": "\(error.diagnostic)"])
            if result.state == .finished {
                result.state = .failed
                result.pilotError = error.code
                result.diagnostic = error.diagnostic
            }
        }
        result.endTime = Date()
        var end = JobEnd(endTime: result.endTime)
        end.timing = timing
        end.transExitCode = result.transExitCode
        end.pilotError = result.pilotError
        end.pilotErrorDiag = result.diagnostic
        end.outputs = outputs
        let update: JobUpdate = result.state == .finished
            ? .finished(job, context: context, progress: progress, end: end)
            : .failed(job, context: context, progress: progress, end: end)
        result.finalUpdateDelivered = await reporter.sendFinal(update)
        publishForHarvester(job, outputs: outputs, directory: directory)
        log.info("job ended", metadata: [
            "state": "\(result.state.rawValue)", "pilot_error": "\(result.pilotError.map { String($0.rawValue) } ?? "none")",
            "diag": "\(result.diagnostic ?? "")", "exit_code": "\(result.transExitCode.map(String.init) ?? "none")",
        ])
        if !settings.keepWorkdirs { try? FileTree.removeTree(directory) }
        return result
    }

    /// Harvester (PUSH) reads what was staged out and the payload's job report from the worker's
    /// directory, as pilot3 leaves them there.
    private func publishForHarvester(_ job: JobDescription, outputs: OutputFileReport, directory: String) {
        guard let harvester = reporter.harvester else { return }
        let kinds = Dictionary((job.outputs + (job.log.map { [$0] } ?? [])).map { ($0.lfn, $0.kind) }, uniquingKeysWith: { first, _ in first })
        let files = outputs.entries.map { entry in
            StagedOutFile(kind: kinds[entry.lfn] ?? .output, path: directory + "/" + entry.lfn, guid: entry.guid,
                          size: entry.size, adler32: entry.adler32)
        }
        do {
            try harvester.publishStageOut(pandaID: job.pandaID, files: files)
            if let report = try FileReader.readIfPresent(directory + "/jobReport.json") { try harvester.publishJobReport(report) }
        } catch {
            logger.warning("cannot write Harvester's stage-out and job report files", metadata: ["job.id": "\(job.pandaID)", "error": "\(error)"])
        }
    }

    /// The job's cost so far, for a lost-job record should this pilot die (`JobCheckpoint`).
    func checkpoint(_ job: JobDescription, progress: JobProgress, started: Date) -> JobCheckpoint {
        JobCheckpoint(pandaID: job.pandaID, queue: configuration.panda.queue ?? "local", site: context.site.isEmpty ? nil : context.site,
                      node: context.node, cores: max(1, job.coreCount), startTime: Int64(started.timeIntervalSince1970),
                      lastSeen: Int64(Date().timeIntervalSince1970), cpuSeconds: Double(progress.cpuSeconds ?? 0),
                      maxRSSKiB: progress.memory?.maxRSS.map(Int64.init), cpuModel: context.cpu?.model)
    }

    private func makeDirectory(_ path: String) throws(StepFailure) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw StepFailure(code: .noLocalSpace, diagnostic: "cannot create the job directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds)
    }
}
