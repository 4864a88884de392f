/// Pure parsers for the cgroup files that limit a pod: `/proc/self/cgroup`, `/proc/cgroups`, and
/// the v1 and v2 limit files (mountinfo is `MountInfo`'s).
enum CgroupFiles {
    /// One line of `/proc/self/cgroup`: `ID:controllers:path`.
    struct Membership: Equatable, Sendable {
        /// The hierarchy ID; 0 for the unified (v2) hierarchy.
        var hierarchy: Int
        /// The v1 controllers of this hierarchy; empty for v2.
        var controllers: [String]
        /// The cgroup's path inside its hierarchy.
        var path: String
    }

    /// Reads `/proc/self/cgroup`.
    static func memberships(_ text: String) -> [Membership] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let id = Int(parts[0]) else { return nil }
            let controllers = parts[1].split(separator: ",").map(String.init)
            return Membership(hierarchy: id, controllers: controllers, path: String(parts[2]))
        }
    }

    /// A CPU bandwidth limit: `quota` µs of CPU time every `period` µs.
    struct CPUQuota: Equatable, Sendable {
        /// Microseconds of CPU time allowed per period.
        var quota: Int
        /// The period in microseconds.
        var period: Int
        /// The limit in CPUs, e.g. 0.42.
        var cpus: Double { Double(quota) / Double(period) }
    }

    /// v2 `cpu.max`: `max 100000` (no limit, nil) or `<quota> <period>`.
    static func cpuMax(_ text: String) -> CPUQuota? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 1, let quota = Int(fields[0]), quota > 0 else { return nil }
        let period = fields.count > 1 ? Int(fields[1]) ?? 100_000 : 100_000
        return period > 0 ? CPUQuota(quota: quota, period: period) : nil
    }

    /// v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; a quota of -1 means no limit (nil).
    static func cfsQuota(quota: String, period: String) -> CPUQuota? {
        guard let q = Int(quota.trimmed), q > 0, let p = Int(period.trimmed), p > 0 else { return nil }
        return CPUQuota(quota: q, period: p)
    }

    /// A byte count from `memory.max` (v2) or `memory.limit_in_bytes` (v1); nil means unlimited.
    ///
    /// `max` is v2's word for none; v1 writes the page-aligned LONG_MAX (9223372036854771712),
    /// so anything from 2^62 up is treated as unlimited.
    static func memoryLimit(_ text: String) -> UInt64? {
        guard let value = UInt64(text.trimmed), value < (1 << 62) else { return nil }
        return value
    }

    /// `/proc/cgroups`: each controller's hierarchy ID; 0 means it is on the unified (v2)
    /// hierarchy or not mounted, anything else binds it to a v1 hierarchy.
    static func controllers(_ text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.count >= 2, let id = Int(fields[1]) { result[String(fields[0])] = id }
        }
        return result
    }

    /// `key value` lines, as in `cpu.stat` and `memory.events`.
    static func counters(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { result[String(fields[0])] = value }
        }
        return result
    }
}
