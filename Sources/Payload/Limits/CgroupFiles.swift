/// Pure parsers for cgroup files: `/proc/self/cgroup`, `/proc/cgroups`, the v1 and v2 limit files
/// and the counter files (`cpu.stat`, `memory.events`, `memory.stat`, `memory.oom_control`).
///
/// In Payload because both the pod's limits (Pilot's `CgroupReader`) and the payload's own
/// cgroup (`PayloadCgroupFactory`) read them; mountinfo is Pilot's `MountInfo`.
public enum CgroupFiles {
    /// One line of `/proc/self/cgroup`: `ID:controllers:path`.
    public struct Membership: Equatable, Sendable {
        /// The hierarchy ID; 0 for the unified (v2) hierarchy.
        public var hierarchy: Int
        /// The v1 controllers of this hierarchy (`name=systemd` included); empty for v2.
        public var controllers: [String]
        /// The cgroup's path inside its hierarchy.
        public var path: String

        public init(hierarchy: Int, controllers: [String], path: String) {
            self.hierarchy = hierarchy
            self.controllers = controllers
            self.path = path
        }
    }

    /// Reads `/proc/self/cgroup`.
    public static func memberships(_ text: String) -> [Membership] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let id = Int(parts[0]) else { return nil }
            let controllers = parts[1].split(separator: ",").map(String.init)
            return Membership(hierarchy: id, controllers: controllers, path: String(parts[2]))
        }
    }

    /// A CPU bandwidth limit: `quota` µs of CPU time every `period` µs.
    public struct CPUQuota: Equatable, Sendable {
        /// Microseconds of CPU time allowed per period.
        public var quota: Int
        /// The period in microseconds.
        public var period: Int
        /// The limit in CPUs, e.g. 0.42.
        public var cpus: Double { Double(quota) / Double(period) }

        public init(quota: Int, period: Int) {
            self.quota = quota
            self.period = period
        }

        /// The quota for a number of CPUs over the usual 100 ms period; at least 1 ms, the
        /// kernel's smallest quota.
        public init(cpus: Double, period: Int = 100_000) {
            self.init(quota: max(1_000, Int((cpus * Double(period)).rounded())), period: period)
        }
    }

    /// v2 `cpu.max`: `max 100000` (no limit, nil) or `<quota> <period>`.
    public static func cpuMax(_ text: String) -> CPUQuota? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 1, let quota = Int(fields[0]), quota > 0 else { return nil }
        let period = fields.count > 1 ? Int(fields[1]) ?? 100_000 : 100_000
        return period > 0 ? CPUQuota(quota: quota, period: period) : nil
    }

    /// v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; a quota of -1 means no limit (nil).
    public static func cfsQuota(quota: String, period: String) -> CPUQuota? {
        guard let q = Int(quota.cgroupTrimmed), q > 0, let p = Int(period.cgroupTrimmed), p > 0 else { return nil }
        return CPUQuota(quota: q, period: p)
    }

    /// A byte count from `memory.max` (v2) or `memory.limit_in_bytes` (v1); nil means unlimited.
    ///
    /// `max` is v2's word for none; v1 writes the page-aligned LONG_MAX (9223372036854771712),
    /// so anything from 2^62 up is treated as unlimited.
    public static func memoryLimit(_ text: String) -> UInt64? {
        guard let value = UInt64(text.cgroupTrimmed), value < (1 << 62) else { return nil }
        return value
    }

    /// `/proc/cgroups`: each controller's hierarchy ID; 0 means it is on the unified (v2)
    /// hierarchy or not mounted, anything else binds it to a v1 hierarchy.
    public static func controllers(_ text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.count >= 2, let id = Int(fields[1]) { result[String(fields[0])] = id }
        }
        return result
    }

    /// `key value` lines: `cpu.stat`, `memory.events`, `memory.stat`, `memory.oom_control`,
    /// `cpuacct.stat`, `pids.events`. Lines that are not a name and a number are skipped.
    public static func counters(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { result[String(fields[0])] = value }
        }
        return result
    }

    /// A file holding one number: `memory.peak`, `pids.peak`, `cpuacct.usage`,
    /// `memory.max_usage_in_bytes`; nil for `max` or anything else.
    public static func number(_ text: String) -> UInt64? {
        UInt64(text.cgroupTrimmed)
    }

    /// `cgroup.controllers` or `cgroup.subtree_control`: controller names separated by spaces.
    public static func controllerList(_ text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// `cgroup.procs` or `tasks`: one process ID a line.
    public static func processIDs(_ text: String) -> [Int32] {
        text.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }
}

extension String {
    /// The text without leading and trailing white space (cgroup files end in a newline).
    var cgroupTrimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
