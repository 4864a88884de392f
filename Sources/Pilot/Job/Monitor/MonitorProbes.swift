#if canImport(Glibc)
import Glibc
#endif
import Payload

/// What the job monitor measures, as closures: `live` reads the system; tests hand in figures
/// (a statvfs result, a scan, a clock) to drive each check without waiting for the real thing.
struct MonitorProbes: Sendable {
    /// Samples the payload's process tree, stamping the sample with `time` (seconds since the
    /// monitor started); also returns the processes that could not be read.
    var sampleTree: @Sendable (_ time: Double) -> (sample: TreeSample, errors: [ProcessSampleError])
    /// Free bytes for an unprivileged writer on the file system holding a directory; nil when
    /// statvfs fails.
    var freeBytes: @Sendable (_ directory: String) -> UInt64?
    /// Walks the work directory.
    var scanWorkDirectory: @Sendable (_ directory: String) -> WorkDirectoryScan
    /// The payload cgroup's usage; nil when there is no cgroup or it cannot be read.
    var cgroupUsage: @Sendable () -> CgroupUsage?
    /// Seconds since the epoch (the scale of file modification times).
    var epochNow: @Sendable () -> Double
    /// Whether a path exists (for the output check).
    var fileExists: @Sendable (_ path: String) -> Bool

    /// Probes of this system: the tree under `rootPID` (the container's set-up process) from
    /// `<procRoot>/proc`, statvfs, an lstat walk ignoring `ignoredNames`, and `cgroup` if any.
    static func live(rootPID: Int32, procRoot: String = "/", cgroup: PayloadCgroup?, ignoredNames: [String]) -> MonitorProbes {
        let sampler = ProcessTreeSampler(rootPID: rootPID, root: RootedPath(root: procRoot))
        let scanner = WorkDirectoryScanner(ignoredNames: Set(ignoredNames))
        return MonitorProbes(
            sampleTree: { time in sampler.sample(at: time) },
            freeBytes: { directory in try? DiskSpace.measure(directory).freeBytes },
            scanWorkDirectory: { directory in scanner.scan(directory) },
            cgroupUsage: { cgroup.flatMap { try? $0.usage() } },
            epochNow: { Self.epochSeconds() },
            fileExists: { path in access(path, F_OK) == 0 }
        )
    }

    /// CLOCK_REALTIME in seconds.
    static func epochSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
