import FoundationEssentials
import Logging
import Payload
import Synchronization

/// The pilot's side of PanDA's pilot API (PANDA.md): ask for jobs, report on them, tell
/// Harvester the worker's state.
///
/// Speaks v1 (JSON with native types) and falls back to the legacy form-encoded API when the
/// server lacks v1 (`PandaAPIMode.auto`); once a generation has answered, the client keeps it.
/// Transient failures (no connection, timeouts, 5xx, the server's own `TimeOut`) are retried
/// with exponential backoff and jitter, bounded by `policy`; the token file is read before every
/// call. The async methods run the blocking libcurl calls, sleeps included, on a thread of their
/// own, never on Swift's cooperative pool.
final class PandaClient: Sendable {
    /// `https://pandaserver.cern.ch:25443` or the like; the API paths are appended.
    let serverURL: String
    let mode: PandaAPIMode
    let authentication: PandaAuthentication
    let http: any PandaHTTP
    /// Attempts and backoff for transient failures.
    let policy: RetryPolicy
    let logger: Logger
    private let settled = Mutex<PandaAPIVersion?>(nil)

    /// A client for the server at `serverURL`.
    init(serverURL: String, mode: PandaAPIMode = .auto, authentication: PandaAuthentication,
         http: any PandaHTTP, policy: RetryPolicy = PandaClient.defaultPolicy, logger: Logger) {
        self.serverURL = serverURL
        self.mode = mode
        self.authentication = authentication
        self.http = http
        self.policy = policy
        self.logger = logger
    }

    /// Five attempts, 2 s doubling to at most 60 s between them (with full jitter): a server
    /// restart is bridged, and a lost server costs the loop about two minutes, not pilot3's 20.
    static let defaultPolicy = RetryPolicy(attempts: 5, baseDelay: 2, maxDelay: 60)

    /// The API generation in use, once a call has been answered.
    var apiVersion: PandaAPIVersion? { settled.withLock { $0 } }

    // MARK: - Calls (async: the job loop's entry points)

    /// Asks for jobs; `.noJobs` is a normal answer.
    func acquireJobs(_ request: JobRequest) async throws(ServerError) -> AcquireResult {
        try await BlockingThread.run { [self] in Result { () throws(ServerError) in try acquireJobsBlocking(request) } }.get()
    }

    /// Sends one update; the reply may hold commands (`tobekilled`) the loop must obey.
    func updateJob(_ update: JobUpdate) async throws(ServerError) -> UpdateReply {
        try await BlockingThread.run { [self] in Result { () throws(ServerError) in try updateJobBlocking(update) } }.get()
    }

    /// Reports the worker `started` or `finished` (Harvester's bookkeeping).
    func updateWorkerStatus(_ update: WorkerStatusUpdate) async throws(ServerError) {
        try await BlockingThread.run { [self] in Result { () throws(ServerError) in try updateWorkerStatusBlocking(update) } }.get()
    }

    // MARK: - Calls (blocking: on a thread of the caller's own)

    /// `acquireJobs`, on the calling thread.
    func acquireJobsBlocking(_ request: JobRequest) throws(ServerError) -> AcquireResult {
        try perform(.acquireJobs, v1: request.v1Body, legacy: request.legacyForm, context: ["queue": "\(request.queue)"]) {
            (api, response, url) throws(ServerError) in try PandaReply.acquire(response.body, api: api, url: url)
        }
    }

    /// `updateJob`, on the calling thread.
    func updateJobBlocking(_ update: JobUpdate) throws(ServerError) -> UpdateReply {
        try perform(.updateJob, v1: update.v1Body, legacy: update.legacyForm(),
                    context: ["job.id": "\(update.pandaID)", "job.state": "\(update.state.rawValue)"]) {
            (api, response, url) throws(ServerError) in try PandaReply.update(response.body, api: api, url: url)
        }
    }

    /// `updateWorkerStatus`, on the calling thread.
    func updateWorkerStatusBlocking(_ update: WorkerStatusUpdate) throws(ServerError) {
        try perform(.updateWorkerStatus, v1: update.v1Body, legacy: update.legacyForm,
                    context: ["worker.id": "\(update.workerID)", "worker.status": "\(update.status.rawValue)"]) {
            (api, response, url) throws(ServerError) in try PandaReply.workerStatus(response.body, api: api, url: url)
        }
    }

    // MARK: - Exchange

    /// Calls `method` until it is answered or a non-transient error occurs, at most
    /// `policy.attempts` times, and reads the answer with `interpret`.
    private func perform<T>(
        _ method: PandaMethod, v1: [String: JSONValue], legacy: [(name: String, value: String)],
        context: Logger.Metadata,
        interpret: (PandaAPIVersion, PandaHTTPResponse, String) throws(ServerError) -> T
    ) throws(ServerError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            var retryAfter: String?
            do {
                let (api, response, url) = try exchange(method, v1: v1, legacy: legacy, retryAfter: &retryAfter)
                return try interpret(api, response, url)
            } catch {
                var metadata = context
                metadata["attempt"] = "\(attempt)"
                guard error.isTransient, attempt < policy.attempts else {
                    logger.warning("panda call failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                    throw error.counting(attempts: attempt)
                }
                let delay = policy.delay(beforeAttempt: attempt + 1, retryAfter: retryAfter)
                metadata["retry_in"] = "\(Int(delay * 1000)) ms"
                logger.info("panda call failed, retrying", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                RetryPolicy.sleep(seconds: delay)
            }
        }
    }

    /// One try: v1 or legacy as the mode and earlier answers say, falling back from v1 to legacy
    /// when v1 lacks the method. Throws for anything but HTTP 200.
    private func exchange(
        _ method: PandaMethod, v1: [String: JSONValue], legacy: [(name: String, value: String)],
        retryAfter: inout String?
    ) throws(ServerError) -> (PandaAPIVersion, PandaHTTPResponse, String) {
        let candidates = PandaMethod.candidates(mode: mode, settled: apiVersion)
        let credentials = try authentication.headers()
        var lastMissing: (url: String, status: Int)?
        for api in candidates {
            let url = method.url(base: serverURL, api)
            let request = switch api {
            case .v1:
                PandaHTTPRequest(url: url, headers: credentials + Self.v1Headers, body: Array(JSONValue.object(v1).jsonText.utf8))
            case .legacy:
                PandaHTTPRequest(url: url, headers: credentials + Self.legacyHeaders, body: Array(FormEncoding.encode(legacy).utf8))
            }
            let response = http.post(request)
            logger.debug("panda call", metadata: ["url": "\(url)", "status": "\(response.status)", "curl": "\(response.curlCode)"])
            if response.curlCode != 0 {
                if RetryPolicy.isTLSVerification(curlCode: response.curlCode) {
                    throw .tls(url: url, detail: response.message)
                }
                if response.curlCode == 28 { throw .timedOut(url: url, attempts: 1) }
                throw .unreachable(url: url, attempts: 1, reason: response.message)
            }
            if PandaMethod.isMethodMissing(status: response.status, body: response.body) {
                lastMissing = (url, response.status)
                if api != candidates.last {
                    logger.info("panda v1 API not offered, trying the legacy API", metadata: ["url": "\(url)", "status": "\(response.status)"])
                }
                continue
            }
            switch response.status {
            case 200:
                if mode == .auto { settled.withLock { $0 = $0 ?? api } }
                return (api, response, url)
            case 401, 403:
                throw .authRefused(url: url, status: response.status, detail: ServerError.excerpt(response.body))
            case 500 where response.body.contains("received invalid JSON"):
                // The server could not read what was sent: sending it again cannot help.
                throw .unexpectedStatus(url: url, status: 500, detail: ServerError.excerpt(response.body))
            case _ where RetryPolicy.isRetryable(status: response.status):
                retryAfter = response.headers["retry-after"]
                throw .serverFailure(url: url, status: response.status, attempts: 1, detail: ServerError.excerpt(response.body))
            default:
                throw .unexpectedStatus(url: url, status: response.status, detail: ServerError.excerpt(response.body))
            }
        }
        let missing = lastMissing ?? (method.url(base: serverURL, candidates.last ?? .v1), 404)
        throw .methodUnavailable(url: missing.url, status: missing.status)
    }

    private static let v1Headers = ["Content-Type: application/json", "Accept: application/json", "Expect:"]
    private static let legacyHeaders = ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json", "Expect:"]
}
