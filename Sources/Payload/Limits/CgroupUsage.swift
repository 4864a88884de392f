/// What a payload's processes used, read from its cgroup after it ended; nil where the kernel
/// offers no such file (an old kernel, a controller that is not there).
public struct CgroupUsage: Sendable, Equatable {
    /// The most memory the whole tree was charged at once (RSS + page cache): memory.peak,
    /// v1 memory.max_usage_in_bytes.
    public var peakMemoryBytes: UInt64?
    /// CPU time of every process, user + system.
    public var cpuMicroseconds: UInt64?
    /// CPU time in user mode.
    public var userMicroseconds: UInt64?
    /// CPU time in the kernel.
    public var systemMicroseconds: UInt64?
    /// Time the CPU limit held the tree back.
    public var throttledMicroseconds: UInt64?
    /// The most processes and threads at once (pids.peak).
    public var peakProcesses: UInt64?
    /// Processes the OOM killer killed in the tree (v2 memory.events, v1 memory.oom_control).
    public var oomKills: UInt64?
    /// How often usage reached the memory limit (v2 memory.events `max`, v1 memory.failcnt).
    public var memoryLimitHits: UInt64?

    public init(
        peakMemoryBytes: UInt64? = nil, cpuMicroseconds: UInt64? = nil, userMicroseconds: UInt64? = nil,
        systemMicroseconds: UInt64? = nil, throttledMicroseconds: UInt64? = nil, peakProcesses: UInt64? = nil,
        oomKills: UInt64? = nil, memoryLimitHits: UInt64? = nil
    ) {
        self.peakMemoryBytes = peakMemoryBytes
        self.cpuMicroseconds = cpuMicroseconds
        self.userMicroseconds = userMicroseconds
        self.systemMicroseconds = systemMicroseconds
        self.throttledMicroseconds = throttledMicroseconds
        self.peakProcesses = peakProcesses
        self.oomKills = oomKills
        self.memoryLimitHits = memoryLimitHits
    }

    /// Whether the OOM killer struck. Kernels before 4.13 count no v1 kills; then reaching
    /// the limit (failcnt) stands in, though the kernel may have reclaimed without killing.
    public var oomKilled: Bool {
        if let oomKills { return oomKills > 0 }
        return (memoryLimitHits ?? 0) > 0
    }

    /// The v2 files `init(v2:)` reads, all in the payload's cgroup.
    public static let v2Files = ["cpu.stat", "memory.events", "memory.peak", "pids.peak"]

    /// Usage from v2 files, by name (see `v2Files`); absent ones are left out.
    public init(v2 files: [String: String]) {
        self.init()
        let cpu = files["cpu.stat"].map(CgroupFiles.counters) ?? [:]
        cpuMicroseconds = cpu["usage_usec"]
        userMicroseconds = cpu["user_usec"]
        systemMicroseconds = cpu["system_usec"]
        throttledMicroseconds = cpu["throttled_usec"]
        let events = files["memory.events"].map(CgroupFiles.counters) ?? [:]
        oomKills = events["oom_kill"]
        memoryLimitHits = events["max"]
        peakMemoryBytes = files["memory.peak"].flatMap(CgroupFiles.number)
        peakProcesses = files["pids.peak"].flatMap(CgroupFiles.number)
    }

    /// The v1 files `init(v1:)` reads, each from its controller's hierarchy.
    public static let v1Files = [
        "memory": ["memory.max_usage_in_bytes", "memory.oom_control", "memory.failcnt"],
        "cpuacct": ["cpuacct.usage", "cpuacct.usage_user", "cpuacct.usage_sys", "cpuacct.stat"],
        "cpu": ["cpu.stat"],
        "pids": ["pids.peak"],
    ]

    /// USER_HZ, the unit of cpuacct.stat: 100 on every Linux architecture.
    static let ticksPerSecond: UInt64 = 100

    /// Usage from v1 files, by name (see `v1Files`); absent ones are left out.
    ///
    /// cpuacct counts nanoseconds; cpuacct.stat (ticks) is the fallback for kernels without
    /// usage_user and usage_sys. v1 cpu.stat's throttled_time is in nanoseconds too.
    public init(v1 files: [String: String]) {
        self.init()
        peakMemoryBytes = files["memory.max_usage_in_bytes"].flatMap(CgroupFiles.number)
        oomKills = files["memory.oom_control"].flatMap { CgroupFiles.counters($0)["oom_kill"] }
        memoryLimitHits = files["memory.failcnt"].flatMap(CgroupFiles.number)
        cpuMicroseconds = files["cpuacct.usage"].flatMap(CgroupFiles.number).map { $0 / 1_000 }
        userMicroseconds = files["cpuacct.usage_user"].flatMap(CgroupFiles.number).map { $0 / 1_000 }
        systemMicroseconds = files["cpuacct.usage_sys"].flatMap(CgroupFiles.number).map { $0 / 1_000 }
        if userMicroseconds == nil || systemMicroseconds == nil, let text = files["cpuacct.stat"] {
            let ticks = CgroupFiles.counters(text)
            let microsecondsPerTick = 1_000_000 / Self.ticksPerSecond
            userMicroseconds = userMicroseconds ?? ticks["user"].map { $0 * microsecondsPerTick }
            systemMicroseconds = systemMicroseconds ?? ticks["system"].map { $0 * microsecondsPerTick }
        }
        throttledMicroseconds = files["cpu.stat"].flatMap { CgroupFiles.counters($0)["throttled_time"] }.map { $0 / 1_000 }
        peakProcesses = files["pids.peak"].flatMap(CgroupFiles.number)
    }
}
