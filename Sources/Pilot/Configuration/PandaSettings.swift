/// How a Harvester worker gets its jobs (Harvester's `submit_mode`).
enum HarvesterSubmitMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// The pilot asks the server (`acquire_jobs`).
    case pull
    /// Harvester places the job in the pilot's directory (`pandaJobData.out`).
    case push
}

/// The PanDA server, queue and worker identity: the `panda` object of the configuration file,
/// `PILOT_PANDA_<KEY>` variables, and what Harvester's Kubernetes submitter sets
/// (`HarvesterEnvironment`), which needs no flag at all.
struct PandaSettings: Codable, Sendable, Equatable {
    /// The server; the API paths are appended.
    var serverURL = "https://pandaserver.cern.ch:25443"
    /// `auto`: v1, then legacy if the server lacks v1; `v1`; `legacy`.
    var api = PandaAPIMode.auto
    /// The PanDA queue jobs are asked for (`site_name`); required by `acquire_jobs`.
    var queue: String?
    /// `SCORE`, `MCORE`, …
    var resourceType: String?
    /// `managed` unless told otherwise (as Harvester's pilots_starter does).
    var prodSourceLabel = "managed"
    var jobType: String?
    var harvesterID: String?
    var workerID: Int?
    /// Who submitted this pilot (`PANDA_JSID`).
    var schedulerID: String?
    /// The batch job (`K8S_JOB_ID`).
    var batchID: String?
    /// The node name reported to the server (`PANDA_HOSTNAME`); the host name when nil.
    var node: String?
    var submitMode = HarvesterSubmitMode.pull
    /// Seconds one call may take, connection included.
    var timeout = 120
    /// Attempts per call for transient failures (the first included).
    var retries = 5
    /// A CA bundle to trust instead of the system one (`X509_CERT_DIR` still applies).
    var caFile: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case serverURL = "server_url"
        case api, queue
        case resourceType = "resource_type"
        case prodSourceLabel = "prod_source_label"
        case jobType = "job_type"
        case harvesterID = "harvester_id"
        case workerID = "worker_id"
        case schedulerID = "scheduler_id"
        case batchID = "batch_id"
        case node
        case submitMode = "submit_mode"
        case timeout, retries
        case caFile = "ca_file"
    }

    /// Checks ranges; called by `ConfigurationLoader.validate`.
    func validate() throws(ConfigurationError) {
        guard serverURL.hasPrefix("https://") || serverURL.hasPrefix("http://") else {
            throw .invalidValue(key: "panda.server_url", reason: "must be an http:// or https:// URL")
        }
        guard (1...3600).contains(timeout) else {
            throw .invalidValue(key: "panda.timeout", reason: "must be between 1 and 3600 seconds")
        }
        guard (1...20).contains(retries) else {
            throw .invalidValue(key: "panda.retries", reason: "must be between 1 and 20 attempts")
        }
    }
}

/// What one layer sets of `PandaSettings`; in a file, an unknown key inside `panda` is an error.
struct PandaSettingsLayer: Codable, Sendable, Equatable {
    var serverURL: String?
    var api: PandaAPIMode?
    var queue: String?
    var resourceType: String?
    var prodSourceLabel: String?
    var jobType: String?
    var harvesterID: String?
    var workerID: Int?
    var schedulerID: String?
    var batchID: String?
    var node: String?
    var submitMode: HarvesterSubmitMode?
    var timeout: Int?
    var retries: Int?
    var caFile: String?

    typealias CodingKeys = PandaSettings.CodingKeys

    /// A layer that sets nothing.
    init() {}

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        serverURL = try keyed.decodeIfPresent(String.self, forKey: .serverURL)
        api = try keyed.decodeIfPresent(PandaAPIMode.self, forKey: .api)
        queue = try keyed.decodeIfPresent(String.self, forKey: .queue)
        resourceType = try keyed.decodeIfPresent(String.self, forKey: .resourceType)
        prodSourceLabel = try keyed.decodeIfPresent(String.self, forKey: .prodSourceLabel)
        jobType = try keyed.decodeIfPresent(String.self, forKey: .jobType)
        harvesterID = try keyed.decodeIfPresent(String.self, forKey: .harvesterID)
        workerID = try keyed.decodeIfPresent(Int.self, forKey: .workerID)
        schedulerID = try keyed.decodeIfPresent(String.self, forKey: .schedulerID)
        batchID = try keyed.decodeIfPresent(String.self, forKey: .batchID)
        node = try keyed.decodeIfPresent(String.self, forKey: .node)
        submitMode = try keyed.decodeIfPresent(HarvesterSubmitMode.self, forKey: .submitMode)
        timeout = try keyed.decodeIfPresent(Int.self, forKey: .timeout)
        retries = try keyed.decodeIfPresent(Int.self, forKey: .retries)
        caFile = try keyed.decodeIfPresent(String.self, forKey: .caFile)
    }

    /// Overrides the settings this layer sets.
    func apply(to settings: inout PandaSettings) {
        func set<T>(_ value: T?, _ key: WritableKeyPath<PandaSettings, T>) {
            if let value { settings[keyPath: key] = value }
        }
        func set<T>(_ value: T?, _ key: WritableKeyPath<PandaSettings, T?>) {
            if let value { settings[keyPath: key] = value }
        }
        set(serverURL, \.serverURL)
        set(api, \.api)
        set(queue, \.queue)
        set(resourceType, \.resourceType)
        set(prodSourceLabel, \.prodSourceLabel)
        set(jobType, \.jobType)
        set(harvesterID, \.harvesterID)
        set(workerID, \.workerID)
        set(schedulerID, \.schedulerID)
        set(batchID, \.batchID)
        set(node, \.node)
        set(submitMode, \.submitMode)
        set(timeout, \.timeout)
        set(retries, \.retries)
        set(caFile, \.caFile)
    }

    /// This layer with `other`'s settings on top.
    func overridden(by other: PandaSettingsLayer) -> PandaSettingsLayer {
        var merged = self
        for key in CodingKeys.allCases { merged.take(key, from: other) }
        return merged
    }

    private mutating func take(_ key: CodingKeys, from other: PandaSettingsLayer) {
        switch key {
        case .serverURL: serverURL = other.serverURL ?? serverURL
        case .api: api = other.api ?? api
        case .queue: queue = other.queue ?? queue
        case .resourceType: resourceType = other.resourceType ?? resourceType
        case .prodSourceLabel: prodSourceLabel = other.prodSourceLabel ?? prodSourceLabel
        case .jobType: jobType = other.jobType ?? jobType
        case .harvesterID: harvesterID = other.harvesterID ?? harvesterID
        case .workerID: workerID = other.workerID ?? workerID
        case .schedulerID: schedulerID = other.schedulerID ?? schedulerID
        case .batchID: batchID = other.batchID ?? batchID
        case .node: node = other.node ?? node
        case .submitMode: submitMode = other.submitMode ?? submitMode
        case .timeout: timeout = other.timeout ?? timeout
        case .retries: retries = other.retries ?? retries
        case .caFile: caFile = other.caFile ?? caFile
        }
    }
}
