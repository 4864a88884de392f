/// How often the job monitor looks and how much it tolerates: the node's settings, with
/// pilot3's defaults (PANDA.md section 9). Times are in seconds, so tests can shrink them.
struct MonitorConfiguration: Codable, Sendable, Equatable {
    /// Seconds between samples of the process tree (prmon's `--interval 60`).
    var sampleInterval: Double = 60
    /// Seconds between memory checks.
    var memoryCheckInterval: Double = 60
    /// The memory limit is this many times the job's memory (pilot3's `pilot_rss_grace`, 2).
    var memoryFactor: Double = 2
    /// Seconds before the first looping check (pilot3: 900).
    var loopingFirstCheck: Double = 900
    /// Seconds between looping checks (pilot3: 900).
    var loopingCheckInterval: Double = 900
    /// A payload that modified no file in its work directory for this long is looping (pilot3's
    /// `looping_limit_default`, 2 h).
    var loopingLimit: Double = 7200
    /// File names in the work directory that the pilot writes, not the payload; they do not
    /// count as the payload's progress.
    var loopingIgnoredNames: [String] = Self.pilotFileNames
    /// Seconds between disk checks.
    var diskCheckInterval: Double = 60
    /// Less free space than this on the work directory's file system while the payload runs
    /// fails the job (pilot3: 1 GB; 2 GB is its bar before the start).
    var minimumFreeBytes: UInt64 = 1 << 30
    /// Seconds between checks of the wall time and the pilot's lifetime.
    var wallTimeCheckInterval: Double = 60
    /// The payload is stopped this many seconds before the pilot's lifetime ends, to leave time
    /// for stage-out and the final update (pilot3: 3 minutes).
    var lifetimeGrace: Double = 180

    /// The files the pilot itself keeps in a job's directory (PANDA.md section 7).
    static let pilotFileNames = [
        "pilotlog.txt", "pilot_heartbeat.json", "heartbeat.json", "pandaJobData.out", "pilot_kill_payload",
        "worker_attributes.json", "worker_pandaids.json", "worker_requestjob.json", "event_status.dump.json",
        "kill_worker", "memory_monitor_summary.json",
    ]

    enum CodingKeys: String, CodingKey {
        case sampleInterval = "sample_interval"
        case memoryCheckInterval = "memory_check_interval"
        case memoryFactor = "memory_factor"
        case loopingFirstCheck = "looping_first_check"
        case loopingCheckInterval = "looping_check_interval"
        case loopingLimit = "looping_limit"
        case loopingIgnoredNames = "looping_ignored_names"
        case diskCheckInterval = "disk_check_interval"
        case minimumFreeBytes = "minimum_free_bytes"
        case wallTimeCheckInterval = "wall_time_check_interval"
        case lifetimeGrace = "lifetime_grace"
    }

    /// pilot3's defaults.
    init() {}

    /// Reads the keys present; every other key keeps its default.
    init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ current: T) throws -> T {
            try keys.decodeIfPresent(T.self, forKey: key) ?? current
        }
        sampleInterval = try read(.sampleInterval, sampleInterval)
        memoryCheckInterval = try read(.memoryCheckInterval, memoryCheckInterval)
        memoryFactor = try read(.memoryFactor, memoryFactor)
        loopingFirstCheck = try read(.loopingFirstCheck, loopingFirstCheck)
        loopingCheckInterval = try read(.loopingCheckInterval, loopingCheckInterval)
        loopingLimit = try read(.loopingLimit, loopingLimit)
        loopingIgnoredNames = try read(.loopingIgnoredNames, loopingIgnoredNames)
        diskCheckInterval = try read(.diskCheckInterval, diskCheckInterval)
        minimumFreeBytes = try read(.minimumFreeBytes, minimumFreeBytes)
        wallTimeCheckInterval = try read(.wallTimeCheckInterval, wallTimeCheckInterval)
        lifetimeGrace = try read(.lifetimeGrace, lifetimeGrace)
    }

    /// Every check, and sampling, every `seconds` (tests); limits stay at their defaults.
    static func every(_ seconds: Double) -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.sampleInterval = seconds
        configuration.memoryCheckInterval = seconds
        configuration.loopingFirstCheck = seconds
        configuration.loopingCheckInterval = seconds
        configuration.diskCheckInterval = seconds
        configuration.wallTimeCheckInterval = seconds
        return configuration
    }
}

/// What one job allows, from its description (PANDA.md section 4) and the pilot's own deadline.
/// A nil limit is not checked.
struct JobLimits: Sendable, Equatable {
    /// The job's work directory: looping and size checks scan it, the disk check measures its
    /// file system.
    var workDirectory: String
    /// The job's memory in kB before the factor: `minRamCount` (MB, the job's total) × 1024, or
    /// the queue's `maxrss` scaled by job cores / queue cores as pilot3 does. 0 or nil: no check.
    var memoryKilobytes: UInt64?
    /// `maxWalltime` in seconds, counted from the payload's start.
    var maxWallSeconds: Double?
    /// Seconds left in the pilot's lifetime when the monitor starts (`-l`, or the queue's
    /// `maxtime`, minus what the pilot has used).
    var pilotSecondsLeft: Double?
    /// The most the work directory may hold: `maxDiskCount` or the queue's `maxwdir`, in bytes.
    var maxWorkDirectoryBytes: UInt64?
    /// Whether the looping check runs (the job's `loopingCheck`; on by default).
    var loopingCheck: Bool = true
    /// The output files the payload must leave in the work directory (`outFiles`, relative).
    var outputFiles: [String] = []
    /// Output files that may be missing (`allowNoOutput`).
    var allowedMissingOutputs: [String] = []

    /// Limits from the job description's fields: `minRamCount` and `maxDiskCount` in MB,
    /// `maxWalltime` in seconds; 0 means "not set" in PanDA, as it does here.
    init(
        workDirectory: String, minRamCountMB: Int = 0, maxWalltime: Int = 0, maxDiskCountMB: Int = 0,
        pilotSecondsLeft: Double? = nil, loopingCheck: Bool = true, outputFiles: [String] = [],
        allowedMissingOutputs: [String] = []
    ) {
        self.workDirectory = workDirectory
        memoryKilobytes = minRamCountMB > 0 ? UInt64(minRamCountMB) * 1024 : nil
        maxWallSeconds = maxWalltime > 0 ? Double(maxWalltime) : nil
        maxWorkDirectoryBytes = maxDiskCountMB > 0 ? UInt64(maxDiskCountMB) << 20 : nil
        self.pilotSecondsLeft = pilotSecondsLeft
        self.loopingCheck = loopingCheck
        self.outputFiles = outputFiles
        self.allowedMissingOutputs = allowedMissingOutputs
    }
}
