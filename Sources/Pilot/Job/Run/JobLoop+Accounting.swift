#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Payload

/// The accounting record of each job, however it ended (APEL job record and usage record), and
/// the job's last transition: its directory and state file removed.
extension JobLoop {
    /// Records the job (unless the state file says it is recorded), then cleans up after it.
    func close(_ job: JobDescription?, recorder: JobStateRecorder) async {
        let state = recorder.state
        if state.phase < .recorded {
            if let ledger, let facts = Self.facts(job, state: state, context: context, queue: configuration.panda.queue ?? "local") {
                let problem = await BlockingThread.run { () -> String? in
                    do {
                        let recorded = try ledger.record(facts)
                        return recorded.problems.isEmpty ? nil : recorded.problems.joined(separator: "; ")
                    } catch {
                        return "\(error)"
                    }
                }
                if let problem { logger.warning("accounting record not complete", metadata: ["job.id": "\(state.checkpoint.pandaID)", "problem": "\(problem)"]) }
            }
            recorder.advance(to: .recorded)
        }
        if !configuration.run.keepWorkdirs { try? FileTree.removeTree(state.directory) }
        recorder.store.remove()
    }

    /// What accounting needs of the job: from its result, or, for a job whose payload died with
    /// its pilot (`lost`), from the last checkpoint.
    static func facts(_ job: JobDescription?, state: JobStateFile, context: UpdateContext, queue: String) -> JobAccountingFacts? {
        if state.lost == true || job == nil {
            let checkpoint = state.checkpoint
            return JobAccountingFacts(
                pandaID: String(checkpoint.pandaID), queue: checkpoint.queue, site: checkpoint.site, nodeName: checkpoint.node,
                userDN: job?.prodUserID, localUser: nil, fqan: nil, vo: nil, startTime: checkpoint.startTime,
                endTime: max(checkpoint.startTime, checkpoint.lastSeen), wallSeconds: Double(max(0, checkpoint.lastSeen - checkpoint.startTime)),
                cpuUserSeconds: checkpoint.cpuSeconds, cpuSystemSeconds: 0, cores: checkpoint.cores, nodeCount: 1,
                maxRSSKiB: checkpoint.maxRSSKiB, maxVMemKiB: nil, exitState: .lost, exitCode: nil, architecture: SeccompHost.current.machine,
                cpuModel: checkpoint.cpuModel, gpuModel: nil, gpuSeconds: nil, stagedIn: nil, stagedOut: nil, instanceType: nil)
        }
        guard let job, let result = state.result else { return nil }
        return facts(job, result, context: context, queue: queue)
    }

    /// What accounting needs of a job that ran here.
    static func facts(_ job: JobDescription, _ result: JobRunner.Result, context: UpdateContext, queue: String) -> JobAccountingFacts {
        let exit = result.payload
        let state: JobExitState = switch result.state {
        case .finished: .finished
        default:
            if [.sigterm, .sigint, .sigquit, .killSignal, .preemption].contains(result.pilotError) { .pilotTerminated }
            else if result.pilotError == .pandaKill || exit?.killedByPilot == true { .killed }
            else { .failed }
        }
        let start = Int64(result.startTime.timeIntervalSince1970)
        let end = max(start, Int64(result.endTime.timeIntervalSince1970))
        return JobAccountingFacts(
            pandaID: String(job.pandaID), queue: queue, site: context.site.isEmpty ? nil : context.site, nodeName: context.node,
            userDN: job.prodUserID, localUser: nil, fqan: nil, vo: nil, startTime: start, endTime: end,
            wallSeconds: Double(end - start),
            cpuUserSeconds: exit?.userCPUSeconds ?? 0, cpuSystemSeconds: exit?.systemCPUSeconds ?? 0, cores: max(1, job.coreCount),
            nodeCount: 1, maxRSSKiB: exit?.maxRSSKiB, maxVMemKiB: nil, exitState: state,
            exitCode: exit.map { $0.exitCode }, architecture: SeccompHost.current.machine, cpuModel: context.cpu?.model,
            gpuModel: context.gpu?.model, gpuSeconds: nil,
            stagedIn: result.stagedIn.isEmpty ? nil : result.stagedIn,
            stagedOut: result.stagedOut.isEmpty ? nil : result.stagedOut, instanceType: nil)
    }
}
