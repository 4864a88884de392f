#if canImport(Glibc)
import Glibc
#endif

/// A payload's process tree at one moment: its processes' figures added up.
///
/// RSS adds shared pages once per process, so it overstates a tree that shares libraries or
/// forked memory; PSS does not, which is why the memory limit is checked on PSS where the
/// kernel gives it.
struct TreeSample: Sendable, Equatable {
    /// Seconds since the monitor started.
    var time: Double
    /// Processes in the tree (zombies included: they are still the payload's).
    var processes: Int
    /// Threads in those processes.
    var threads: Int
    /// CPU seconds, user + system, of the processes and of the children they reaped.
    var cpuSeconds: Double
    /// Summed resident memory.
    var residentBytes: UInt64
    /// Summed PSS, taking RSS for a process whose smaps_rollup was refused; nil when no
    /// process's was readable.
    var proportionalBytes: UInt64?
    /// Summed swap.
    var swapBytes: UInt64
    /// Summed virtual memory.
    var virtualBytes: UInt64
    /// Summed VmHWM: what the processes alive now held at their worst, an upper bound on peaks
    /// the samples missed.
    var residentPeakBytes: UInt64
    /// Summed I/O counters; nil when no process's io file was readable.
    var io: ProcIO?
    /// Processes listed but not sampled, for a reason other than their exit.
    var skipped: Int

    /// An empty tree at `time`.
    init(time: Double) {
        self.time = time
        processes = 0
        threads = 0
        cpuSeconds = 0
        residentBytes = 0
        proportionalBytes = nil
        swapBytes = 0
        virtualBytes = 0
        residentPeakBytes = 0
        io = nil
        skipped = 0
    }

    /// The sum over `samples`; `ticksPerSecond` converts stat times (`sysconf(_SC_CLK_TCK)`),
    /// `pageSize` stat's page counts.
    init(time: Double, samples: [ProcessSample], skipped: Int = 0, ticksPerSecond: Double, pageSize: UInt64) {
        self.init(time: time)
        self.skipped = skipped
        var ticks: UInt64 = 0
        for sample in samples {
            let resident = sample.residentBytes(pageSize: pageSize)
            processes += 1
            threads += sample.status?.threads ?? sample.stat.threads
            ticks += sample.stat.totalTicks
            residentBytes += resident
            swapBytes += sample.status?.swapBytes ?? 0
            virtualBytes += sample.status?.virtualBytes ?? sample.stat.virtualBytes
            residentPeakBytes += sample.status?.residentPeakBytes ?? resident
            if let smaps = sample.smaps {
                proportionalBytes = (proportionalBytes ?? 0) + smaps.proportionalBytes
            }
            if let io = sample.io { self.io = (self.io ?? .zero) + io }
        }
        if let pss = proportionalBytes {
            let withoutSmaps = samples.filter { $0.smaps == nil }.map { $0.residentBytes(pageSize: pageSize) }
            proportionalBytes = pss + withoutSmaps.reduce(0, +)
        }
        cpuSeconds = Double(ticks) / ticksPerSecond
    }
}

/// Samples the tree under one process (the container's set-up process) from a /proc tree.
struct ProcessTreeSampler: Sendable {
    /// The process whose descendants are the payload; it is not counted itself.
    var rootPID: Int32
    /// Prefixes `/proc`.
    var root: RootedPath
    /// Clock ticks per second of stat's times.
    var ticksPerSecond: Double = Self.systemTicksPerSecond
    /// Bytes per page of stat's RSS.
    var pageSize: UInt64 = Self.systemPageSize

    /// `sysconf(_SC_CLK_TCK)`, 100 where sysconf does not answer.
    static var systemTicksPerSecond: Double {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? Double(ticks) : 100
    }

    /// `sysconf(_SC_PAGESIZE)`, 4096 where sysconf does not answer.
    static var systemPageSize: UInt64 {
        let size = sysconf(Int32(_SC_PAGESIZE))
        return size > 0 ? UInt64(size) : 4096
    }

    /// Lists the tree and reads every process in it; `time` is stamped on the result.
    ///
    /// Returns the sample and the errors of processes that could not be read (not those that
    /// exited, which is normal).
    func sample(at time: Double) -> (sample: TreeSample, errors: [ProcessSampleError]) {
        let pids = ProcessTreeReader(root: root).descendants(of: rootPID)
        let reader = ProcessSampleReader(root: root)
        var samples: [ProcessSample] = []
        var errors: [ProcessSampleError] = []
        for pid in pids {
            do {
                if let sample = try reader.sample(pid) { samples.append(sample) }
            } catch {
                errors.append(error)
            }
        }
        let tree = TreeSample(
            time: time, samples: samples, skipped: errors.count, ticksPerSecond: ticksPerSecond, pageSize: pageSize
        )
        return (tree, errors)
    }
}
