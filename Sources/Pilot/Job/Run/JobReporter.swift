#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// Where a job's updates go: the PanDA server, Harvester's worker files (PUSH mode), or nowhere
/// (a job file run by hand). Updates never throw: a server that is away is logged and retried by
/// the client; the final update is tried harder (`sendFinal`).
struct JobReporter: Sendable {
    var client: PandaClient?
    var harvester: HarvesterWorkerDirectory?
    var logger: Logger

    /// Sends one update; the server's reply (kill commands), or nil when none came.
    func send(_ update: JobUpdate) async -> UpdateReply? {
        publish(update)
        guard let client else { return nil }
        do { return try await client.updateJob(update) } catch {
            warn(update, error)
            return nil
        }
    }

    /// The final update, tried in rounds (each the client's own retries with backoff) so that a
    /// server away for minutes still gets it; false when it never arrived. Once the pilot is
    /// stopping, it is given up at the final update's deadline in the stop budget.
    func sendFinal(_ update: JobUpdate, stoppedBy termination: TerminationSignal? = nil,
                   rounds: Int = 5, pause: Double = 10) async -> Bool {
        publish(update)
        guard let client else { return true }
        let delivered = await termination.bounded(.finalUpdate) { [self] () -> Bool in
            for round in 1...rounds {
                do throws(ServerError) {
                    _ = try client.updateJobBlocking(update)
                    return true
                } catch {
                    if !error.isTransient {
                        logger.error("the server refused the final update", metadata: ["job.id": "\(update.pandaID)", "error": "\(error)"])
                        return false
                    }
                    warn(update, error)
                    if round < rounds { usleep(useconds_t(pause * 1_000_000)) }
                }
            }
            return false
        }
        if delivered != true {
            logger.error("the final update never reached the server", metadata: [
                "job.id": "\(update.pandaID)", "state": "\(update.state.rawValue)",
                "why": "\(delivered == nil ? "the stop budget ran out" : "the server stayed away or refused")"])
        }
        return delivered ?? false
    }

    private func publish(_ update: JobUpdate) {
        guard let harvester else { return }
        do { try harvester.publishAttributes(update) } catch {
            logger.warning("cannot write the worker attributes for Harvester", metadata: ["error": "\(error)"])
        }
    }

    private func warn(_ update: JobUpdate, _ error: ServerError) {
        logger.warning("job update not delivered", metadata: [
            "job.id": "\(update.pandaID)", "state": "\(update.state.rawValue)", "error": "\(error)"])
    }
}
