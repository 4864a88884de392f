#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// `pilot run`'s loop: take a job, run it, account for it, and again, until there is no job (so
/// an autoscaled cluster can shrink to zero), the job count or the pilot's lifetime is reached.
struct JobLoop: Sendable {
    var configuration: PilotConfiguration
    var environment: [String: String]
    var logger: Logger
    var reporter: JobReporter
    var context: UpdateContext
    var ledger: AccountingLedger?
    var termination: TerminationSignal? = nil

    /// Why the loop ended.
    enum Ending: Sendable, Equatable {
        case noMoreJobs(String)
        case maxJobs(Int)
        case lifetime
        /// Asking for a job failed in a way retrying does not fix (credentials, a refusal).
        case serverRefused(String)
        /// The pilot was stopped (a signal, a preemption notice); its current job was stopped,
        /// staged out, reported and accounted within the stop budget.
        case terminated(StopReason)
        /// The lifetime left is too short for a job (`run.min_job_time`, the stop budget).
        case lifetimeTooShort(String)
    }

    /// Where the state file of the job in progress is kept.
    var store: JobStateStore {
        JobStateStore(workdir: configuration.workdir, faultHook: .fromEnvironment(environment))
    }

    /// Runs jobs; returns why it stopped and how many ran.
    func run() async -> (ending: Ending, jobs: Int) {
        let settings = configuration.run
        let started = ContinuousClock.now
        var done = 0
        var emptyPolls = 0
        var jobFileTaken = false
        await recoverUnfinishedJob()
        while true {
            if let reason = termination?.reason { return (.terminated(reason), done) }
            if settings.maxJobs > 0 && done >= settings.maxJobs { return (.maxJobs(done), done) }
            let left = secondsLeft(since: started)
            if let left, left <= 0 { return (.lifetime, done) }
            if let left, left <= settings.minJobTime {
                let why = "\(Int(left)) s of the pilot's lifetime left (after its \(Int(settings.stopBudget)) s stop budget), "
                    + "less than the \(Int(settings.minJobTime)) s a job needs at least (run.min_job_time): no job asked for"
                logger.info("lifetime too short for another job", metadata: ["why": "\(why)"])
                return (.lifetimeTooShort(why), done)
            }
            let asked = ContinuousClock.now
            let next: NextJob
            if let file = settings.jobFile {
                if jobFileTaken { return (.noMoreJobs("the job file was run"), done) }
                jobFileTaken = true
                next = readJobFile(file)
            } else {
                next = await acquire(secondsLeft: left)
            }
            switch next {
            case let .none(message):
                emptyPolls += 1
                logger.info("no job", metadata: ["message": "\(message)", "empty_polls": "\(emptyPolls)"])
                if emptyPolls >= settings.emptyPolls { return (.noMoreJobs(message), done) }
                try? await Task.sleep(for: .milliseconds(Int64(settings.pollInterval * 1000)))
            case let .refused(message):
                return (.serverRefused(message), done)
            case let .invalid(pandaID, attempt, error):
                emptyPolls = 0
                done += 1
                logger.error("job description refused", metadata: ["job.id": "\(pandaID)", "error": "\(error)"])
                _ = await reporter.sendFinal(.rejected(pandaID: pandaID, attemptNr: attempt, context: context, error: error))
            case let .job(job):
                emptyPolls = 0
                done += 1
                let left = secondsLeft(since: started)
                if let left, let needs = job.maxWalltimeSeconds, needs > 0, Double(needs) > left {
                    await refuseForLifetime(job, needs: needs, left: left)
                    continue
                }
                let runner = makeRunner(pilotSecondsLeft: left.map { $0 + settings.stopBudget })
                await JobLogContext.$pandaID.withValue(job.pandaID) {
                    let recorder = await runner.run(job, getJobSeconds: JobRunner.seconds(since: asked))
                    await close(job, recorder: recorder)
                }
            }
        }
    }

    private enum NextJob: Sendable {
        case job(JobDescription)
        case invalid(pandaID: Int, attempt: Int?, error: JobDescriptionError)
        case none(String)
        case refused(String)
    }

    /// A runner for the next job (with Rucio, its client and token shared by the job's files).
    func makeRunner(pilotSecondsLeft: Double?) -> JobRunner {
        let rucio = configuration.rucio.serverURL == nil ? nil : Swift.Result { () throws(RucioError) in
            try RucioStageIn.make(settings: configuration.rucio, environment: environment, logger: logger,
                                  localSite: configuration.rucio.localSite ?? configuration.panda.queue)
        }
        return JobRunner(configuration: configuration, environment: environment, logger: logger, reporter: reporter, context: context,
                         pilotSecondsLeft: pilotSecondsLeft, termination: termination, store: store, rucio: rucio)
    }

    /// Seconds a job may still run: the lifetime left less the stop budget (the time to wind
    /// down); nil when the lifetime is unlimited.
    private func secondsLeft(since start: ContinuousClock.Instant) -> Double? {
        let lifetime = configuration.run.lifetime
        guard lifetime > 0 else { return nil }
        let elapsed = ContinuousClock.now - start
        return lifetime - configuration.run.stopBudget - (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// A job longer than the pilot's lifetime left is not started: it fails at once (1213) so the
    /// server can hand it to a pilot with time for it.
    private func refuseForLifetime(_ job: JobDescription, needs: Int, left: Double) async {
        let why = "not started: the job may run \(needs) s (maxWalltime), the pilot has \(Int(left)) s of its lifetime left"
        logger.warning("job refused for lack of lifetime", metadata: ["job.id": "\(job.pandaID)", "why": "\(why)"])
        var end = JobEnd(endTime: Date())
        end.pilotError = .reachedMaxTime
        end.pilotErrorDiag = why
        _ = await reporter.sendFinal(.failed(job, context: context, progress: JobProgress(), end: end), stoppedBy: termination)
    }

    private func offer(_ offer: JobOffer?) -> NextJob {
        guard let offer else { return .none("no job") }
        switch offer.description {
        case let .success(job): return .job(job)
        case let .failure(error):
            guard let pandaID = offer.pandaID else { return .refused("a job without a readable PandaID: \(error)") }
            return .invalid(pandaID: pandaID, attempt: offer.attemptNr, error: error)
        }
    }

    private func readJobFile(_ path: String) -> NextJob {
        do {
            guard let text = try FileReader.readIfPresent(path) else { return .refused("job file \(path) does not exist") }
            return offer(try HarvesterFileFormat.jobs(in: text, path: path).first)
        } catch {
            return .refused("job file \(path): \(error)")
        }
    }

    private func acquire(secondsLeft: Double?) async -> NextJob {
        if configuration.panda.submitMode == .push {
            do { return offer(try await HarvesterWorkerDirectory(configuration.workdir).waitForPushedJob()) } catch {
                return .refused("\(error)")
            }
        }
        guard let client = reporter.client, var request = JobRequest(settings: configuration.panda, node: context.node) else {
            return .refused("no PanDA queue configured (panda.queue, PILOT_PANDA_QUEUE or --queue)")
        }
        request.remainingTime = secondsLeft.map { Int($0) }
        do {
            switch try await client.acquireJobs(request) {
            case let .noJobs(message): return .none(message)
            case let .jobs(offers): return offer(offers.first)
            }
        } catch {
            // The client has already retried with backoff: a server still away is an ending the pod
            // should show (exit 69), not "no work" (exit 0).
            return .refused(error.isTransient ? "server unavailable after retries: \(error)" : "\(error)")
        }
    }
}
