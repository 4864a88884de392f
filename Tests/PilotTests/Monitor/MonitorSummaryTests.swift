import Payload
import Testing
@testable import Pilot

/// A tree sample with round figures.
func treeSample(
    time: Double, processes: Int = 2, cpu: Double = 0, rss: UInt64 = 0, pss: UInt64? = nil, vmem: UInt64 = 0,
    swap: UInt64 = 0, io: ProcIO? = nil
) -> TreeSample {
    var sample = TreeSample(time: time)
    sample.processes = processes
    sample.threads = processes * 2
    sample.cpuSeconds = cpu
    sample.residentBytes = rss
    sample.proportionalBytes = pss
    sample.virtualBytes = vmem
    sample.swapBytes = swap
    sample.io = io
    return sample
}

@Suite("monitor summary and PanDA's prmon fields")
struct MonitorSummaryTests {
    static let mib: UInt64 = 1 << 20

    @Test("maxima, averages and cumulative totals over samples")
    func maximaAndAverages() {
        var summary = MonitorSummary()
        summary.add(treeSample(time: 1, processes: 1, cpu: 2, rss: 100 * Self.mib, pss: 80 * Self.mib, vmem: 400 * Self.mib,
                               io: ProcIO(readChars: 10, writtenChars: 20, readBytes: 30, writtenBytes: 40)))
        summary.add(treeSample(time: 2, processes: 3, cpu: 5, rss: 300 * Self.mib, pss: 200 * Self.mib, vmem: 800 * Self.mib,
                               swap: 8 * Self.mib, io: ProcIO(readChars: 50, writtenChars: 5, readBytes: 60, writtenBytes: 70)))
        // A reaped child took its counters with it: totals stay at their largest.
        summary.add(treeSample(time: 4, processes: 2, cpu: 3, rss: 200 * Self.mib, pss: 110 * Self.mib, vmem: 600 * Self.mib,
                               io: ProcIO(readChars: 1, writtenChars: 1, readBytes: 1, writtenBytes: 1)))
        #expect(summary.samples == 3)
        #expect(summary.wallSeconds == 4)
        #expect(summary.maxResidentBytes == 300 * Self.mib)
        #expect(summary.maxProportionalBytes == 200 * Self.mib)
        #expect(summary.maxVirtualBytes == 800 * Self.mib)
        #expect(summary.maxSwapBytes == 8 * Self.mib)
        #expect(summary.maxProcesses == 3)
        #expect(summary.averageProcesses == 2)
        #expect(summary.averageResidentBytes == Double(200 * Self.mib))
        #expect(summary.io == ProcIO(readChars: 50, writtenChars: 20, readBytes: 60, writtenBytes: 70))
        #expect(summary.cpuSeconds == Sourced(value: 5, source: .processTree))
        #expect(summary.peakMemoryBytes == Sourced(value: 300 * Self.mib, source: .processTree))
    }

    @Test("the cgroup's CPU and peak memory win, and say so")
    func cgroupPreferred() {
        var summary = MonitorSummary()
        summary.add(treeSample(time: 1, cpu: 5, rss: 100 * Self.mib))
        summary.merge(cgroup: CgroupUsage(peakMemoryBytes: 700 * Self.mib, cpuMicroseconds: 9_500_000, oomKills: 1))
        #expect(summary.cpuSeconds == Sourced(value: 9.5, source: .cgroup))
        #expect(summary.peakMemoryBytes == Sourced(value: 700 * Self.mib, source: .cgroup))
        #expect(summary.outOfMemoryKills == 1)
        #expect(summary.sources["cpu"] == .cgroup)
        #expect(summary.sources["max_rss"] == .processTree)
        // maxRSS stays prmon's sampled RSS: the cgroup peak counts page cache.
        #expect(summary.legacyUpdateFields["maxRSS"] == 102_400)
    }

    @Test("nothing sampled and no cgroup: no figures, and the source says so")
    func empty() {
        let summary = MonitorSummary()
        #expect(summary.legacyUpdateFields.isEmpty)
        #expect(summary.cpuSeconds == Sourced(value: 0, source: MeasurementSource.none))
        var short = MonitorSummary()
        short.merge(cgroup: CgroupUsage(peakMemoryBytes: 3 * Self.mib))
        #expect(short.legacyUpdateFields == ["maxRSS": 3072])
        #expect(short.sources["max_rss"] == .cgroup)
    }

    @Test("the keys are exactly PanDA's, memory in kB, I/O totals in bytes, rates in bytes per second")
    func pandaKeys() {
        var summary = MonitorSummary()
        summary.add(treeSample(time: 5, rss: 2 * Self.mib, pss: Self.mib, vmem: 4 * Self.mib, swap: 0,
                               io: ProcIO(readChars: 1000, writtenChars: 2000, readBytes: 3000, writtenBytes: 4000)))
        summary.add(treeSample(time: 10, rss: 4 * Self.mib, pss: 3 * Self.mib, vmem: 8 * Self.mib, swap: Self.mib,
                               io: ProcIO(readChars: 1000, writtenChars: 2000, readBytes: 3000, writtenBytes: 4000)))
        #expect(summary.legacyUpdateFields == [
            "maxRSS": 4096, "maxVMEM": 8192, "maxSWAP": 1024, "maxPSS": 3072,
            "avgRSS": 3072, "avgVMEM": 6144, "avgSWAP": 512, "avgPSS": 2048,
            "totRCHAR": 1000, "totWCHAR": 2000, "totRBYTES": 3000, "totWBYTES": 4000,
            "rateRCHAR": 100, "rateWCHAR": 200, "rateRBYTES": 300, "rateWBYTES": 400,
        ])
        #expect(summary.updateJobFields == [
            "max_rss": 4096, "max_vmem": 8192, "max_swap": 1024, "max_pss": 3072,
            "avg_rss": 3072, "avg_vmem": 6144, "avg_swap": 512, "avg_pss": 2048,
            "tot_rchar": 1000, "tot_wchar": 2000, "tot_rbytes": 3000, "tot_wbytes": 4000,
            "rate_rchar": 100, "rate_wchar": 200, "rate_rbytes": 300, "rate_wbytes": 400,
        ])
    }

    @Test("unmeasured PSS and I/O are left out, not sent as 0 or -1")
    func unmeasuredLeftOut() {
        var summary = MonitorSummary()
        summary.add(treeSample(time: 1, rss: Self.mib))
        #expect(Set(summary.legacyUpdateFields.keys) == ["maxRSS", "maxVMEM", "maxSWAP", "avgRSS", "avgVMEM", "avgSWAP"])
        #expect(summary.sources["max_pss"] == MeasurementSource.none)
        #expect(summary.sources["io"] == MeasurementSource.none)
    }
}
