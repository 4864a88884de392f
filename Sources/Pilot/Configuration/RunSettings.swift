import FoundationEssentials

/// How `pilot run` behaves: one nested object `run` in the configuration file, `PILOT_RUN_<KEY>`
/// variables, and `pilot run`'s flags.
struct RunSettings: Codable, Sendable, Equatable {
    /// Seconds between heartbeats (PanDA's default 1800; tests use 1).
    var heartbeat: Double = 1800
    /// Jobs to run before the pilot exits; 0: as many as its lifetime allows.
    var maxJobs = 0
    /// Empty answers in a row after which the pilot exits 0 ("no jobs, no cost").
    var emptyPolls = 1
    /// Seconds between two asks for a job after an empty answer.
    var pollInterval: Double = 60
    /// Seconds the pilot may live; no job is taken that it cannot finish in time. 0: unlimited.
    var lifetime: Double = 0
    /// A job description file (Harvester PUSH, or a job by hand) instead of the server's queue.
    var jobFile: String?
    /// The image for jobs that name none (`container_name` empty).
    var payloadImage: String?
    /// Where image archives are unpacked; default `<workdir>/.pilot-images`.
    var imageCache: String?
    /// Seconds between SIGTERM and SIGKILL when a payload is stopped.
    var grace: Double = 60
    /// Keep each job's directory after its final update (for debugging).
    var keepWorkdirs = false
    /// Seconds between the monitor's checks (PanDA's cadence by default; tests shorten it).
    var monitorInterval: Double?
    /// Seconds without a modified file in the work dir after which a job counts as looping.
    var loopingTimeout: Double?
    /// Seconds from a stop (SIGTERM, a preemption notice) to the pilot's exit: payload stopped,
    /// outputs and log staged out, final update, record. Kubernetes' default grace period.
    var stopBudget: Double = 30
    /// Seconds of lifetime (after the stop budget) a job needs at least; with less, none is asked for.
    var minJobTime: Double = 0
    /// A file whose appearance is the cloud's preemption notice (the node goes in seconds).
    var noticeFile: String?
    /// A metadata URL announcing preemption (answers 200 with a body other than empty, `FALSE`
    /// or no events; e.g. AWS `…/spot/instance-action`, GCE `…/instance/preempted`).
    var noticeURL: String?
    /// A header line the metadata server wants (`Metadata-Flavor: Google`).
    var noticeHeader: String?
    /// Seconds between two looks for a notice.
    var noticeInterval: Double = 5
    /// Whether a `degraded` CVMFS repository (mounted, but stale, hiding its xattrs, with I/O
    /// errors) is good enough for jobs: `refuse` (the default: only `ok` is) or `accept`.
    var cvmfsDegraded = CVMFSDegradedPolicy.refuse

    enum CodingKeys: String, CodingKey, CaseIterable {
        case heartbeat, maxJobs = "max_jobs", emptyPolls = "empty_polls", pollInterval = "poll_interval"
        case lifetime, jobFile = "job_file", payloadImage = "payload_image", imageCache = "image_cache"
        case grace, keepWorkdirs = "keep_workdirs", monitorInterval = "monitor_interval", loopingTimeout = "looping_timeout"
        case stopBudget = "stop_budget", minJobTime = "min_job_time", noticeFile = "notice_file", noticeURL = "notice_url"
        case noticeHeader = "notice_header", noticeInterval = "notice_interval", cvmfsDegraded = "cvmfs_degraded"
    }

    /// Ranges every value must be in.
    func validate() throws(ConfigurationError) {
        func check(_ ok: Bool, _ key: CodingKeys, _ reason: String) throws(ConfigurationError) {
            if !ok { throw .invalidValue(key: "run." + key.rawValue, reason: reason) }
        }
        try check(heartbeat >= 0.1, .heartbeat, "must be at least 0.1 seconds")
        try check(maxJobs >= 0, .maxJobs, "must not be negative")
        try check(emptyPolls >= 1, .emptyPolls, "must be at least 1")
        try check(pollInterval >= 0, .pollInterval, "must not be negative")
        try check(lifetime >= 0, .lifetime, "must not be negative")
        try check(grace >= 0, .grace, "must not be negative")
        try check((monitorInterval ?? 1) > 0, .monitorInterval, "must be positive")
        try check((loopingTimeout ?? 1) > 0, .loopingTimeout, "must be positive")
        try check(stopBudget >= 1, .stopBudget, "must be at least 1 second")
        try check(minJobTime >= 0, .minJobTime, "must not be negative")
        try check(noticeInterval >= 0.1, .noticeInterval, "must be at least 0.1 seconds")
        try check(noticeURL.map { $0.hasPrefix("http://") || $0.hasPrefix("https://") } ?? true, .noticeURL, "must be an http:// or https:// URL")
    }
}

/// What one layer (file, environment, flags) sets of `RunSettings`.
struct RunSettingsLayer: Codable, Sendable, Equatable {
    var heartbeat: Double?
    var maxJobs: Int?
    var emptyPolls: Int?
    var pollInterval: Double?
    var lifetime: Double?
    var jobFile: String?
    var payloadImage: String?
    var imageCache: String?
    var grace: Double?
    var keepWorkdirs: Bool?
    var monitorInterval: Double?
    var loopingTimeout: Double?
    var stopBudget: Double?
    var minJobTime: Double?
    var noticeFile: String?
    var noticeURL: String?
    var noticeHeader: String?
    var noticeInterval: Double?
    var cvmfsDegraded: CVMFSDegradedPolicy?

    typealias CodingKeys = RunSettings.CodingKeys

    /// A layer that sets nothing.
    init() {}

    /// Decodes the file's `run` object; an unknown key is an error, as at the top level.
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        heartbeat = try keyed.decodeIfPresent(Double.self, forKey: .heartbeat)
        maxJobs = try keyed.decodeIfPresent(Int.self, forKey: .maxJobs)
        emptyPolls = try keyed.decodeIfPresent(Int.self, forKey: .emptyPolls)
        pollInterval = try keyed.decodeIfPresent(Double.self, forKey: .pollInterval)
        lifetime = try keyed.decodeIfPresent(Double.self, forKey: .lifetime)
        jobFile = try keyed.decodeIfPresent(String.self, forKey: .jobFile)
        payloadImage = try keyed.decodeIfPresent(String.self, forKey: .payloadImage)
        imageCache = try keyed.decodeIfPresent(String.self, forKey: .imageCache)
        grace = try keyed.decodeIfPresent(Double.self, forKey: .grace)
        keepWorkdirs = try keyed.decodeIfPresent(Bool.self, forKey: .keepWorkdirs)
        monitorInterval = try keyed.decodeIfPresent(Double.self, forKey: .monitorInterval)
        loopingTimeout = try keyed.decodeIfPresent(Double.self, forKey: .loopingTimeout)
        stopBudget = try keyed.decodeIfPresent(Double.self, forKey: .stopBudget)
        minJobTime = try keyed.decodeIfPresent(Double.self, forKey: .minJobTime)
        noticeFile = try keyed.decodeIfPresent(String.self, forKey: .noticeFile)
        noticeURL = try keyed.decodeIfPresent(String.self, forKey: .noticeURL)
        noticeHeader = try keyed.decodeIfPresent(String.self, forKey: .noticeHeader)
        noticeInterval = try keyed.decodeIfPresent(Double.self, forKey: .noticeInterval)
        cvmfsDegraded = try keyed.decodeIfPresent(CVMFSDegradedPolicy.self, forKey: .cvmfsDegraded)
    }

    /// Overrides the settings this layer sets.
    func apply(to settings: inout RunSettings) {
        func set<T>(_ value: T?, _ key: WritableKeyPath<RunSettings, T>) { if let value { settings[keyPath: key] = value } }
        func set<T>(_ value: T?, _ key: WritableKeyPath<RunSettings, T?>) { if let value { settings[keyPath: key] = value } }
        set(heartbeat, \.heartbeat); set(maxJobs, \.maxJobs); set(emptyPolls, \.emptyPolls)
        set(pollInterval, \.pollInterval); set(lifetime, \.lifetime); set(jobFile, \.jobFile)
        set(payloadImage, \.payloadImage); set(imageCache, \.imageCache); set(grace, \.grace)
        set(keepWorkdirs, \.keepWorkdirs); set(monitorInterval, \.monitorInterval); set(loopingTimeout, \.loopingTimeout)
        set(stopBudget, \.stopBudget); set(minJobTime, \.minJobTime); set(noticeFile, \.noticeFile)
        set(noticeURL, \.noticeURL); set(noticeHeader, \.noticeHeader); set(noticeInterval, \.noticeInterval)
        set(cvmfsDegraded, \.cvmfsDegraded)
    }

    /// `PILOT_RUN_HEARTBEAT`, `PILOT_RUN_MAX_JOBS`, … (the file keys in upper case); empty counts as unset.
    static func environment(_ environment: [String: String]) throws(ConfigurationError) -> RunSettingsLayer {
        let numbers: Set<CodingKeys> = [.heartbeat, .maxJobs, .emptyPolls, .pollInterval, .lifetime, .grace, .monitorInterval, .loopingTimeout,
                                        .stopBudget, .minJobTime, .noticeInterval]
        var members: [String] = []
        for key in CodingKeys.allCases {
            let variable = "PILOT_RUN_" + key.rawValue.uppercased()
            guard let text = environment[variable]?.trimmed, !text.isEmpty else { continue }
            let literal: String
            if numbers.contains(key) {
                guard Double(text) != nil, (key != .maxJobs && key != .emptyPolls) || Int(text) != nil else {
                    throw .invalidEnvironment(variable: variable, value: text, expected: key == .maxJobs || key == .emptyPolls ? "a whole number" : "seconds")
                }
                literal = text
            } else if key == .cvmfsDegraded {
                guard CVMFSDegradedPolicy(rawValue: text) != nil else {
                    throw .invalidEnvironment(variable: variable, value: text, expected: "refuse or accept")
                }
                literal = PilotLogHandler.jsonString(text)
            } else if key == .keepWorkdirs {
                guard ["true", "false", "1", "0"].contains(text.lowercased()) else {
                    throw .invalidEnvironment(variable: variable, value: text, expected: "true or false")
                }
                literal = ["true", "1"].contains(text.lowercased()) ? "true" : "false"
            } else {
                literal = PilotLogHandler.jsonString(text)
            }
            members.append("\"\(key.rawValue)\":\(literal)")
        }
        // No variable set (the usual case outside a pod): no decoder, whose first use costs a
        // launch of `pilot exec` ~5 % of its CPU.
        if members.isEmpty { return RunSettingsLayer() }
        do {
            return try JSONDecoder().decode(RunSettingsLayer.self, from: Data("{\(members.joined(separator: ","))}".utf8))
        } catch {
            throw .invalidValue(key: "PILOT_RUN_*", reason: "\(error)")
        }
    }
}

/// What `pilot run` makes of a `degraded` CVMFS repository that the queue or a job needs.
enum CVMFSDegradedPolicy: String, Codable, Sendable, Equatable {
    /// Only `ok` will do: no job is taken (queue), the job fails with 1360 (job).
    case refuse
    /// Degraded is good enough; the pilot logs a warning.
    case accept

    /// Whether a repository in `status` stops the queue or the job.
    func refuses(_ status: CVMFSRepoReport.Status) -> Bool {
        status == .unavailable || (status == .degraded && self == .refuse)
    }
}
