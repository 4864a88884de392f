import Testing
@testable import Pilot

/// A /proc tree in a scratch directory, with the files the monitor reads.
struct FakeProc {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("proc") }

    /// The root to hand to readers.
    var root: RootedPath { RootedPath(root: scratch.path) }

    /// Writes `/proc/<pid>/stat` (and, when given, the children of its threads).
    func process(
        _ pid: Int32, parent: Int32, ticks: (user: Int, system: Int, children: Int) = (0, 0, 0),
        threads: Int = 1, virtualBytes: Int = 0, residentPages: Int = 0, children: [Int32: [Int32]]? = nil
    ) throws {
        let stat = "\(pid) (p \(pid)) S \(parent) \(pid) \(pid) 0 -1 0 0 0 0 0 \(ticks.user) \(ticks.system) "
            + "\(ticks.children) 0 20 0 \(threads) 0 5000 \(virtualBytes) \(residentPages) 0 0\n"
        try scratch.write("proc/\(pid)/stat", stat)
        for (thread, kids) in children ?? [:] {
            try scratch.write("proc/\(pid)/task/\(thread)/children", kids.map { "\($0) " }.joined())
        }
    }

    /// Writes one more file of a process (`status`, `io`, `smaps_rollup`).
    func file(_ pid: Int32, _ name: String, _ text: String) throws {
        try scratch.write("proc/\(pid)/\(name)", text)
    }
}

@Suite("process tree discovery")
struct ProcessTreeTests {
    @Test("the walk visits grandchildren, breadth first, and ends on a cycle")
    func pureWalk() {
        let children: [Int32: [Int32]] = [1: [2, 3], 2: [4], 4: [1, 2], 3: []]
        #expect(ProcessTree.descendants(of: 1) { children[$0] ?? [] } == [2, 3, 4])
        #expect(ProcessTree.descendants(of: 9) { children[$0] ?? [] } == [])
        #expect(ProcessTree.descendants(of: 1, parents: [2: 1, 3: 1, 4: 2, 5: 7]) == [2, 3, 4])
        #expect(ProcessTree.parseChildren("101 102 \n") == [101, 102])
        #expect(ProcessTree.parseChildren("") == [])
    }

    @Test("children files of every thread are followed")
    func childrenFiles() throws {
        let proc = try FakeProc()
        try proc.process(100, parent: 1, children: [100: [101, 102], 105: [103]])
        try proc.process(101, parent: 100, children: [101: [104]])
        try proc.process(102, parent: 100, children: [102: []])
        try proc.process(103, parent: 100, children: [103: []])
        try proc.process(104, parent: 101, children: [104: []])
        // A process the scan would find but no children file names: not in the tree.
        try proc.process(200, parent: 100)
        let found = ProcessTreeReader(root: proc.root).descendants(of: 100)
        #expect(found.sorted() == [101, 102, 103, 104])
    }

    @Test("without children files every stat's PPid is read instead")
    func scanFallback() throws {
        let proc = try FakeProc()
        try proc.process(1, parent: 0)
        try proc.process(100, parent: 1)
        try proc.process(101, parent: 100)
        try proc.process(102, parent: 101)
        try proc.process(200, parent: 1)
        try proc.scratch.write("proc/meminfo", "MemTotal: 1 kB\n")
        try proc.scratch.write("proc/300/status", "Name:\tno stat\n")
        let reader = ProcessTreeReader(root: proc.root)
        #expect(reader.descendants(of: 100) == [101, 102])
        #expect(reader.descendants(of: 102) == [])
    }

    @Test("the sampler sums a fake tree and skips a process that vanished after the listing")
    func samplerOnFakeTree() throws {
        let proc = try FakeProc()
        try proc.process(100, parent: 1, children: [100: [101, 102, 106]])
        try proc.process(101, parent: 100, ticks: (150, 50, 100), threads: 3, virtualBytes: 1 << 30, residentPages: 10)
        try proc.file(101, "status", ProcCaptures.pythonStatus)
        try proc.file(101, "smaps_rollup", ProcCaptures.pythonSmapsRollup)
        try proc.file(101, "io", ProcCaptures.pythonIO)
        // 102 lost its status, rollup and io between reads: stat alone counts.
        try proc.process(102, parent: 100, ticks: (100, 0, 0), threads: 2, virtualBytes: 4096, residentPages: 25)
        let sampler = ProcessTreeSampler(rootPID: 100, root: proc.root, ticksPerSecond: 100, pageSize: 4096)
        let (sample, errors) = sampler.sample(at: 3)
        #expect(errors.isEmpty)
        #expect(sample.time == 3)
        #expect(sample.processes == 2)
        #expect(sample.threads == 4 + 2)
        #expect(sample.cpuSeconds == 4)
        #expect(sample.residentBytes == 64852 * 1024 + 25 * 4096)
        // 102 has no rollup, so its RSS stands in for its PSS.
        #expect(sample.proportionalBytes == 62801 * 1024 + 25 * 4096)
        #expect(sample.virtualBytes == 289_032 * 1024 + 4096)
        #expect(sample.io == (try ProcIO.parse(ProcCaptures.pythonIO)))
    }

    @Test("a stat that does not parse is reported, not fatal")
    func malformedStat() throws {
        let proc = try FakeProc()
        try proc.process(100, parent: 1, children: [100: [101, 102]])
        try proc.scratch.write("proc/101/stat", "garbage\n")
        try proc.process(102, parent: 100, residentPages: 1)
        let (sample, errors) = ProcessTreeSampler(rootPID: 100, root: proc.root, pageSize: 4096).sample(at: 0)
        #expect(sample.processes == 1)
        #expect(sample.skipped == 1)
        #expect(errors.count == 1)
        #expect(sample.proportionalBytes == nil)
        #expect(sample.io == nil)
    }
}
