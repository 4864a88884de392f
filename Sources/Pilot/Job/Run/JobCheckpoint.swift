import FoundationEssentials

/// What a running job has cost so far, kept in the pilot's state file (written at every
/// transition and every heartbeat), so that a pilot killed mid-job (SIGKILL, a node lost) leaves
/// enough behind for the next pilot to account for the job.
struct JobCheckpoint: Codable, Sendable, Equatable {
    var pandaID: Int
    var queue: String
    var site: String?
    var node: String
    var cores: Int
    /// Seconds since the epoch.
    var startTime: Int64
    /// When this checkpoint was written: the last moment the job is known to have run.
    var lastSeen: Int64
    var cpuSeconds: Double
    var maxRSSKiB: Int64?
    var cpuModel: String?

    enum CodingKeys: String, CodingKey {
        case pandaID = "panda_id", queue, site, node, cores, startTime = "start_time", lastSeen = "last_seen"
        case cpuSeconds = "cpu_seconds", maxRSSKiB = "max_rss_kib", cpuModel = "cpu_model"
    }
}
