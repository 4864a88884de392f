#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Payload

/// The accounting record of each job, however it ended (APEL job record and usage record).
extension JobLoop {
    func account(_ job: JobDescription, _ result: JobRunner.Result) async {
        guard let ledger else { return }
        let facts = Self.facts(job, result, context: context, queue: configuration.panda.queue ?? "local")
        let outcome = await BlockingThread.run { () -> String? in
            do {
                let recorded = try ledger.record(facts)
                return recorded.problems.isEmpty ? nil : recorded.problems.joined(separator: "; ")
            } catch {
                return "\(error)"
            }
        }
        if let outcome { logger.warning("accounting record not complete", metadata: ["job.id": "\(job.pandaID)", "problem": "\(outcome)"]) }
    }

    /// Accounts, as `lost`, the jobs a pilot killed mid-job left in the work dir (their checkpoint
    /// says how long they ran and what they used), then removes their directories.
    func recoverLostJobs() async {
        for (directory, checkpoint) in JobCheckpoint.leftovers(in: configuration.workdir) {
            logger.warning("a previous pilot died during a job; accounting it as lost", metadata: [
                "job.id": "\(checkpoint.pandaID)", "last_seen": "\(checkpoint.lastSeen)"])
            if let ledger {
                let facts = JobAccountingFacts(
                    pandaID: String(checkpoint.pandaID), queue: checkpoint.queue, site: checkpoint.site, nodeName: checkpoint.node,
                    userDN: nil, localUser: nil, fqan: nil, vo: nil, startTime: checkpoint.startTime,
                    endTime: max(checkpoint.startTime, checkpoint.lastSeen), wallSeconds: Double(max(0, checkpoint.lastSeen - checkpoint.startTime)),
                    cpuUserSeconds: checkpoint.cpuSeconds, cpuSystemSeconds: 0, cores: checkpoint.cores, nodeCount: 1,
                    maxRSSKiB: checkpoint.maxRSSKiB, maxVMemKiB: nil, exitState: .lost, exitCode: nil, architecture: SeccompHost.current.machine,
                    cpuModel: checkpoint.cpuModel, gpuModel: nil, gpuSeconds: nil, stagedIn: nil, stagedOut: nil, instanceType: nil)
                let problem = await BlockingThread.run { () -> String? in
                    do { _ = try ledger.record(facts); return nil } catch { return "\(error)" }
                }
                if let problem { logger.warning("lost job not accounted", metadata: ["job.id": "\(checkpoint.pandaID)", "problem": "\(problem)"]) }
            }
            try? FileTree.removeTree(directory)
        }
    }

    /// What accounting needs of a job that ran here.
    static func facts(_ job: JobDescription, _ result: JobRunner.Result, context: UpdateContext, queue: String) -> JobAccountingFacts {
        let exit = result.payload?.exit
        let state: JobExitState = switch result.state {
        case .finished: .finished
        default:
            if [.sigterm, .sigint, .sigquit, .killSignal].contains(result.pilotError) { .pilotTerminated }
            else if result.pilotError == .pandaKill || exit?.killedByPilot == true { .killed }
            else { .failed }
        }
        let start = Int64(result.startTime.timeIntervalSince1970)
        let end = max(start, Int64(result.endTime.timeIntervalSince1970))
        return JobAccountingFacts(
            pandaID: String(job.pandaID), queue: queue, site: context.site.isEmpty ? nil : context.site, nodeName: context.node,
            userDN: job.prodUserID, localUser: nil, fqan: nil, vo: nil, startTime: start, endTime: end,
            wallSeconds: result.endTime.timeIntervalSince(result.startTime),
            cpuUserSeconds: exit?.userCPUSeconds ?? 0, cpuSystemSeconds: exit?.systemCPUSeconds ?? 0, cores: max(1, job.coreCount),
            nodeCount: 1, maxRSSKiB: exit.map { Int64($0.maxRSSKilobytes) }, maxVMemKiB: nil, exitState: state,
            exitCode: exit.map { $0.exitCode }, architecture: SeccompHost.current.machine, cpuModel: context.cpu?.model,
            gpuModel: context.gpu?.model, gpuSeconds: nil,
            stagedIn: result.stagedInBytes > 0 ? ["signed-url": result.stagedInBytes] : nil,
            stagedOut: result.stagedOutBytes > 0 ? ["signed-url": result.stagedOutBytes] : nil, instanceType: nil)
    }
}
