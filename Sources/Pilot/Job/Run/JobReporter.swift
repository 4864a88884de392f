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
        try? await attempt(update).get()
    }

    /// One update: the reply, or why it did not arrive (logged).
    private func attempt(_ update: JobUpdate) async -> Swift.Result<UpdateReply?, ServerError> {
        if let harvester {
            do { try harvester.publishAttributes(update) } catch {
                logger.warning("cannot write the worker attributes for Harvester", metadata: ["error": "\(error)"])
            }
        }
        guard let client else { return .success(nil) }
        do {
            return .success(try await client.updateJob(update))
        } catch {
            logger.warning("job update not delivered", metadata: [
                "job.id": "\(update.pandaID)", "state": "\(update.state.rawValue)", "error": "\(error)"])
            return .failure(error)
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
            switch await attempt(update) {
            case .success: return true
            case let .failure(error) where !error.isTransient:
                logger.error("the server refused the final update", metadata: ["job.id": "\(update.pandaID)", "error": "\(error)"])
                return false
            case .failure:
                if round < rounds { try? await Task.sleep(for: pause) }
            }
        }
        logger.error("the final update never reached the server", metadata: ["job.id": "\(update.pandaID)", "state": "\(update.state.rawValue)"])
        return false
    }
}
