import Payload

/// Where a figure in the summary came from.
enum MeasurementSource: String, Sendable, Equatable, Codable {
    /// The payload's cgroup: every process counted, the short-lived ones too.
    case cgroup
    /// The process tree sampled from /proc: misses what happened between samples.
    case processTree = "proc"
    /// Nothing measured it.
    case none
}

/// A figure and where it came from.
struct Sourced<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The figure.
    var value: Value
    /// Its origin.
    var source: MeasurementSource
}

/// What the monitor saw over a payload's run: the maxima, averages and totals PanDA's job update
/// and prmon report.
///
/// Maxima and averages are over the samples, as prmon computes them. I/O and CPU are cumulative
/// counters, but a counter drops when a process exits without a sampled ancestor reaping it,
/// so the totals are the largest sum seen.
struct MonitorSummary: Sendable, Equatable {
    /// Samples taken.
    var samples = 0
    /// Seconds from the monitor's start to its last sample.
    var wallSeconds: Double = 0
    /// The largest summed RSS.
    var maxResidentBytes: UInt64 = 0
    /// The largest summed PSS; nil while no process's smaps_rollup was readable.
    var maxProportionalBytes: UInt64?
    /// The largest summed virtual memory.
    var maxVirtualBytes: UInt64 = 0
    /// The largest summed swap.
    var maxSwapBytes: UInt64 = 0
    /// The largest summed VmHWM of the processes alive at one sample.
    var maxResidentPeakBytes: UInt64 = 0
    /// The most processes at one sample.
    var maxProcesses = 0
    /// The most threads at one sample.
    var maxThreads = 0
    /// The largest tree CPU time seen.
    var treeCPUSeconds: Double = 0
    /// The largest I/O counters seen, each on its own.
    var io = ProcIO.zero
    /// Whether any sample read an io file.
    var ioMeasured = false
    /// The cgroup's figures, when the payload had one and `merge(cgroup:)` was called.
    var cgroup: CgroupUsage?

    private var residentSum: Double = 0
    private var proportionalSum: Double = 0
    private var virtualSum: Double = 0
    private var swapSum: Double = 0
    private var processSum: Double = 0

    /// Adds one sample.
    mutating func add(_ sample: TreeSample) {
        samples += 1
        wallSeconds = max(wallSeconds, sample.time)
        maxResidentBytes = max(maxResidentBytes, sample.residentBytes)
        if let pss = sample.proportionalBytes { maxProportionalBytes = max(maxProportionalBytes ?? 0, pss) }
        maxVirtualBytes = max(maxVirtualBytes, sample.virtualBytes)
        maxSwapBytes = max(maxSwapBytes, sample.swapBytes)
        maxResidentPeakBytes = max(maxResidentPeakBytes, sample.residentPeakBytes)
        maxProcesses = max(maxProcesses, sample.processes)
        maxThreads = max(maxThreads, sample.threads)
        treeCPUSeconds = max(treeCPUSeconds, sample.cpuSeconds)
        if let counters = sample.io {
            ioMeasured = true
            io = ProcIO(
                readChars: max(io.readChars, counters.readChars), writtenChars: max(io.writtenChars, counters.writtenChars),
                readBytes: max(io.readBytes, counters.readBytes), writtenBytes: max(io.writtenBytes, counters.writtenBytes)
            )
        }
        residentSum += Double(sample.residentBytes)
        proportionalSum += Double(sample.proportionalBytes ?? sample.residentBytes)
        virtualSum += Double(sample.virtualBytes)
        swapSum += Double(sample.swapBytes)
        processSum += Double(sample.processes)
    }

    /// Takes in the cgroup's usage, read after the payload ended and before the cgroup is torn down.
    mutating func merge(cgroup usage: CgroupUsage) {
        cgroup = usage
    }

    /// The average summed RSS over the samples.
    var averageResidentBytes: Double { average(residentSum) }
    /// The average summed PSS (RSS in samples without it).
    var averageProportionalBytes: Double { average(proportionalSum) }
    /// The average summed virtual memory.
    var averageVirtualBytes: Double { average(virtualSum) }
    /// The average summed swap.
    var averageSwapBytes: Double { average(swapSum) }
    /// The average number of processes.
    var averageProcesses: Double { average(processSum) }

    /// The payload's CPU time: the cgroup's, which counts every process that ever ran in it,
    /// else the largest tree total sampled.
    var cpuSeconds: Sourced<Double> {
        if let micro = cgroup?.cpuMicroseconds { return Sourced(value: Double(micro) / 1e6, source: .cgroup) }
        return Sourced(value: treeCPUSeconds, source: samples > 0 ? .processTree : .none)
    }

    /// The payload's peak memory: the cgroup's high-water mark (which includes page cache) where
    /// there is one, else the largest summed RSS sampled.
    var peakMemoryBytes: Sourced<UInt64> {
        if let peak = cgroup?.peakMemoryBytes { return Sourced(value: peak, source: .cgroup) }
        return Sourced(value: maxResidentBytes, source: samples > 0 ? .processTree : .none)
    }

    /// Whether the kernel's OOM killer struck inside the payload's cgroup (error 1212 material).
    var outOfMemoryKills: UInt64 { cgroup?.oomKills ?? 0 }

    private func average(_ sum: Double) -> Double {
        samples > 0 ? sum / Double(samples) : 0
    }
}
