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
        if let harvester {
            do { try harvester.publishAttributes(update) } catch {
                logger.warning("cannot write the worker attributes for Harvester", metadata: ["error": "\(error)"])
            }
        }
        guard let client else { return nil }
        do {
            return try await client.updateJob(update)
        } catch {
            logger.warning("job update not delivered", metadata: [
                "job.id": "\(update.pandaID)", "state": "\(update.state.rawValue)", "error": "\(error)"])
            return nil
        }
    }

    /// The final update, tried in rounds (each the client's own retries with backoff) so that a
    /// server away for minutes still gets it; false when it never arrived.
    func sendFinal(_ update: JobUpdate, rounds: Int = 5, pause: Duration = .seconds(10)) async -> Bool {
        if client == nil {
            _ = await send(update)
            return true
        }
        for round in 1...rounds {
            if await send(update) != nil { return true }
            if round < rounds { try? await Task.sleep(for: pause) }
        }
        logger.error("the final update never reached the server", metadata: ["job.id": "\(update.pandaID)", "state": "\(update.state.rawValue)"])
        return false
    }
}
