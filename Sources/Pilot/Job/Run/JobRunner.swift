#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// Runs one job from start to final update: its directory, `starting`, stage-in, the payload in
/// its container under the monitor with heartbeats, stage-out of the outputs and the log archive,
/// the final update, and the facts accounting needs. Every transition is written to the state
/// file first (`JobStateFile`), so a successor can finish what a killed pilot left.
struct JobRunner: Sendable {
    var configuration: PilotConfiguration
    var environment: [String: String]
    var logger: Logger
    var reporter: JobReporter
    var context: UpdateContext
    /// Seconds the pilot has left when the job starts; nil when its lifetime is unlimited.
    var pilotSecondsLeft: Double?
    /// The pilot's stop (SIGTERM, a preemption notice), which stops the payload.
    var termination: TerminationSignal? = nil
    /// Where the job's transitions are written.
    var store: JobStateStore
    /// Rucio for files without signed URLs, when `rucio.server_url` is set (or why it cannot be used).
    var rucio: Swift.Result<RucioStageIn, RucioError>? = nil

    /// How a job ended, for the loop, accounting and the state file.
    struct Result: Codable, Sendable, Equatable {
        /// `finished` once the payload succeeded (until a stage-out fails), else `failed`.
        var state: JobState
        var pilotError: PilotErrorCode?
        var diagnostic: String?
        var transExitCode: Int?
        var payload: PayloadFigures?
        var startTime: Date
        var endTime: Date
        /// Bytes received and sent, per endpoint (an RSE, or `signed-url`).
        var stagedIn: [String: Int64] = [:]
        var stagedOut: [String: Int64] = [:]
        var finalUpdateDelivered = true

        /// A failed stage-out fails a job whose payload succeeded; a job that failed already keeps
        /// its own reason.
        mutating func failStageOut(_ failure: StepFailure) {
            guard state == .finished else { return }
            state = .failed
            pilotError = failure.code
            diagnostic = failure.diagnostic
        }
    }

    /// What the container said of the payload, for accounting.
    struct PayloadFigures: Codable, Sendable, Equatable {
        var exitCode: Int32
        var userCPUSeconds: Double
        var systemCPUSeconds: Double
        var maxRSSKiB: Int64
        var killedByPilot: Bool

        init(_ exit: ContainerExit) {
            exitCode = exit.exitCode
            userCPUSeconds = exit.userCPUSeconds
            systemCPUSeconds = exit.systemCPUSeconds
            maxRSSKiB = Int64(exit.maxRSSKilobytes)
            killedByPilot = exit.killedByPilot
        }
    }

    /// A step failed: the job fails with this code and line.
    struct StepFailure: Error, Sendable {
        var code: PilotErrorCode
        var diagnostic: String
    }

    var settings: RunSettings { configuration.run }

    /// Runs `job`; never throws: every failure becomes the job's `failed` update. Returns the
    /// job's state (phase `final_sent`, its `result`) for accounting.
    func run(_ job: JobDescription, getJobSeconds: Int) async -> JobStateRecorder {
        let started = Date()
        var timing = PilotTiming()
        timing.getJob = getJobSeconds
        let directory = "\(configuration.workdir)/PandaJob_\(job.pandaID)"
        var log = logger
        log[metadataKey: "job.id"] = "\(job.pandaID)"
        log.info("job started", metadata: ["attempt": "\(job.attemptNr)", "inputs": "\(job.inputs.count)", "outputs": "\(job.outputs.count)"])
        let recorder = JobStateRecorder(store: store, initial: JobStateFile(
            phase: .taken, job: JSONValue.object(job.fields.values).jsonText, directory: directory,
            checkpoint: checkpoint(job, progress: JobProgress(), started: started)), logger: log)
        let startingReply = await reporter.send(.starting(job, context: context))
        var result = Result(state: .failed, startTime: started, endTime: started)
        var progress = JobProgress()
        do {
            if let reply = startingReply, reply.mustKill || reply.softKill {
                throw StepFailure(code: .pandaKill, diagnostic: "killed by the server before the payload started")
            }
            try makeDirectory(directory)
            let stageInStart = ContinuousClock.now
            result.stagedIn = try await stageIn(job, into: directory, logger: log)
            timing.stageIn = Self.seconds(since: stageInStart)
            let payloadStart = ContinuousClock.now
            let payload = try await runPayload(job, in: directory, started: started, logger: log, progress: &progress, recorder: recorder)
            timing.payload = Self.seconds(since: payloadStart)
            result.payload = PayloadFigures(payload.outcome.exit)
            result.transExitCode = Int(payload.outcome.exit.exitCode)
            if let failure = payload.failure {
                result.pilotError = failure.code
                result.diagnostic = failure.diagnostic
            } else if payload.outcome.exit.exitCode != 0 {
                result.diagnostic = "payload exited with \(payload.outcome.exit.exitCode)"
            } else {
                result.state = .finished
            }
        } catch let failure as StepFailure {
            result.pilotError = failure.code
            result.diagnostic = failure.diagnostic
        } catch {
            result.pilotError = .generalError
            result.diagnostic = "\(error)"
        }
        result.endTime = Date()
        recorder.advance(to: .payloadEnded) {
            $0.result = result
            $0.checkpoint = checkpoint(job, progress: progress, started: started)
        }
        _ = await finish(job, recorder: recorder, progress: progress, timing: timing, logger: log)
        return recorder
    }

    /// From the payload's end to the final update: the outputs (none sent twice), the log
    /// archive, the final update; each done only if the state file does not say it is. Also how a
    /// restarted pilot completes the job its predecessor left.
    func finish(_ job: JobDescription, recorder: JobStateRecorder, progress: JobProgress, timing: PilotTiming?, logger log: Logger) async -> Result {
        var state = recorder.state
        guard var result = state.result else { return Result(state: .failed, startTime: Date(), endTime: Date()) }
        let directory = state.directory
        var stageOutTime = 0
        if state.phase < .outputsStaged {
            let stageOutStart = ContinuousClock.now
            // A stopped pilot still sends what the payload wrote: nothing produced is lost.
            if result.state == .finished || termination?.reason != nil {
                do {
                    try await stageOutOutputs(job, from: directory, recorder: recorder, required: result.state == .finished, logger: log)
                } catch {
                    log.warning("outputs not staged out", metadata: ["error": "\(error.diagnostic)"])
                    result.failStageOut(error)
                }
            }
            // The log archive goes out however the job ended: it is how a failure is understood.
            do { try await stageOutLog(job, from: directory, recorder: recorder, logger: log) } catch {
                log.warning("log archive not staged out", metadata: ["error": "\(error.diagnostic)"])
                result.failStageOut(error)
            }
            stageOutTime = Self.seconds(since: stageOutStart)
            state = recorder.advance(to: .outputsStaged) { $0.result = result }
        }
        result.stagedOut = state.staged.reduce(into: [:]) { $0[$1.endpoint ?? Self.signedURLEndpoint, default: 0] += Int64($1.size) }
        if state.phase < .finalSent {
            result.endTime = Date()
            var end = JobEnd(endTime: result.endTime)
            end.timing = timing.map { var timing = $0; timing.stageOut = stageOutTime; return timing }
            end.transExitCode = result.transExitCode
            end.pilotError = result.pilotError
            end.pilotErrorDiag = result.diagnostic
            end.outputs = OutputFileReport(state.staged)
            let update: JobUpdate = result.state == .finished
                ? .finished(job, context: context, progress: progress, end: end)
                : .failed(job, context: context, progress: progress, end: end)
            result.finalUpdateDelivered = await reporter.sendFinal(update, stoppedBy: termination)
            publishForHarvester(job, outputs: OutputFileReport(state.staged), directory: directory)
            state = recorder.advance(to: .finalSent) { $0.result = result }
        }
        log.info("job ended", metadata: [
            "state": "\(result.state.rawValue)", "pilot_error": "\(result.pilotError.map { String($0.rawValue) } ?? "none")",
            "diag": "\(result.diagnostic ?? "")", "exit_code": "\(result.transExitCode.map(String.init) ?? "none")",
        ])
        return state.result ?? result
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

    /// The job's cost so far, for a lost-job record should this pilot die.
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
