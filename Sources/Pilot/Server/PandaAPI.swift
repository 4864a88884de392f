/// The two generations of PanDA's HTTP API (PANDA.md §1).
enum PandaAPIVersion: String, Sendable, Equatable, Codable {
    /// `/api/v1/pilot/<method>`: JSON bodies with native types, `{success, message, data}` replies.
    case v1
    /// `/server/panda/<method>`: form-encoded bodies; gone from server master (403).
    case legacy
}

/// Which API generation the client speaks (configuration key `panda.api`).
enum PandaAPIMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// v1 first; legacy only when v1 answers 404 or 403 "method … is forbidden" (an older server),
    /// and from then on for the rest of the client's life.
    case auto
    /// v1 only.
    case v1
    /// Legacy only (a server that predates v1).
    case legacy
}

/// The server calls the pilot makes.
enum PandaMethod: String, Sendable, Equatable, CaseIterable {
    case acquireJobs
    case updateJob
    case updateWorkerStatus

    /// The path of the call in an API generation.
    func path(_ version: PandaAPIVersion) -> String {
        switch (self, version) {
        case (.acquireJobs, .v1): "/api/v1/pilot/acquire_jobs"
        case (.updateJob, .v1): "/api/v1/pilot/update_job"
        case (.updateWorkerStatus, .v1): "/api/v1/pilot/update_worker_status"
        case (.acquireJobs, .legacy): "/server/panda/getJob"
        case (.updateJob, .legacy): "/server/panda/updateJob"
        case (.updateWorkerStatus, .legacy): "/server/panda/updateWorkerPilotStatus"
        }
    }

    /// `base` (`https://host:25443`, a trailing `/` allowed) joined with the call's path.
    func url(base: String, _ version: PandaAPIVersion) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path(version)
    }

    /// The versions to try, in order, for a client in `mode` that has settled on `settled` (if any).
    static func candidates(mode: PandaAPIMode, settled: PandaAPIVersion?) -> [PandaAPIVersion] {
        switch mode {
        case .v1: [.v1]
        case .legacy: [.legacy]
        case .auto: settled.map { [$0] } ?? [.v1, .legacy]
        }
    }

    /// Whether an answer means this generation lacks the method: 404, or a 403 whose body says
    /// the method is forbidden (panda.py's answer to a method it does not know) rather than that
    /// the token failed.
    static func isMethodMissing(status: Int, body: String) -> Bool {
        if status == 404 { return true }
        guard status == 403 else { return false }
        return body.contains("is forbidden") && !body.contains("Token authentication failed")
    }
}
