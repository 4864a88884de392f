#if canImport(Glibc)
import Glibc
#endif
import Logging

extension PandaClient {
    /// The client the configuration describes: its server, API mode and retries; credentials from
    /// the environment (`PANDA_AUTH_*`/`OIDC_AUTH_*`, `X509_USER_PROXY` or Harvester's
    /// `proxySecretPath`); CA certificates from `X509_CERT_DIR` and the system bundle (or
    /// `panda.ca_file`); gzip replies accepted.
    static func make(settings: PandaSettings, environment: [String: String], logger: Logger) -> PandaClient {
        var authentication = PandaAuthentication.fromEnvironment(environment)
        authentication.proxyPath = authentication.proxyPath ?? HarvesterEnvironment(environment).proxyPath
        var curl = CurlSettings.fromEnvironment(environment, caFile: settings.caFile)
        curl.clientCertificate = authentication.proxyPath
        curl.acceptEncoding = ""
        curl.timeout = settings.timeout
        curl.connectTimeout = min(curl.connectTimeout, settings.timeout)
        curl.userAgent = "pilot/\(BuildInfo.pilotVersion) (Swift; Linux)"
        var policy = defaultPolicy
        policy.attempts = settings.retries
        return PandaClient(serverURL: settings.serverURL, mode: settings.api, authentication: authentication,
                           http: CurlPandaHTTP(settings: curl), policy: policy, logger: logger)
    }
}

extension JobRequest {
    /// The request the settings describe for one job: queue, labels, Harvester's ids, the node.
    /// Nil without a queue, which `acquire_jobs` requires.
    init?(settings: PandaSettings, node: String) {
        guard let queue = settings.queue else { return nil }
        self.init(queue: queue)
        self.node = node
        prodSourceLabel = settings.prodSourceLabel
        resourceType = settings.resourceType
        jobType = settings.jobType
        harvesterID = settings.harvesterID
        workerID = settings.workerID
        schedulerID = settings.schedulerID
        computingElement = queue
    }
}

extension PandaSettings {
    /// The node name reported to the server: `panda.node` (Harvester's `PANDA_HOSTNAME`), else
    /// the host name, as pilot3 does.
    var nodeName: String {
        if let node { return node }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The context every job update repeats.
    func updateContext(cpu: CPUIdentity?, gpu: GPUIdentity? = nil, pilotID: String? = nil) -> UpdateContext {
        UpdateContext(node: nodeName, site: queue ?? "", schedulerID: schedulerID, pilotID: pilotID,
                      batchID: batchID, cpu: cpu, gpu: gpu)
    }

    /// The worker status call for Harvester's bookkeeping; nil when this is not a Harvester
    /// worker (no `harvester_id` or `worker_id`).
    func workerStatus(_ status: WorkerStatusUpdate.Status) -> WorkerStatusUpdate? {
        guard let harvesterID, let workerID else { return nil }
        return WorkerStatusUpdate(workerID: workerID, harvesterID: harvesterID, status: status, node: nodeName, queue: queue)
    }
}
