import Testing
@testable import Pilot

@Suite("monitor limit checks")
struct LimitChecksTests {
    static func summary(rss: UInt64, pss: UInt64?) -> MonitorSummary {
        var summary = MonitorSummary()
        summary.add(treeSample(time: 1, rss: rss, pss: pss))
        return summary
    }

    @Test("memory: PSS over factor × the job's memory fails the job with 1235")
    func memoryPSS() throws {
        // minRamCount 1000 MB, factor 2: the limit is 2,048,000 kB.
        let limits = JobLimits(workDirectory: "/w", minRamCountMB: 1000)
        #expect(limits.memoryKilobytes == 1_024_000)
        let under = Self.summary(rss: 5 << 30, pss: 2_048_000 * 1024)
        #expect(LimitChecks.memory(under, jobKilobytes: limits.memoryKilobytes, factor: 2) == nil)
        let over = Self.summary(rss: 1 << 20, pss: 2_048_001 * 1024)
        let verdict = try #require(LimitChecks.memory(over, jobKilobytes: limits.memoryKilobytes, factor: 2))
        #expect(verdict == .memoryExceeded(usedKilobytes: 2_048_001, limitKilobytes: 2_048_000, measure: .pss))
        #expect(verdict.errorCode.rawValue == 1235)
        #expect(verdict.diagnostic == "payload exceeded its memory limit: PSS 2048001 kB > 2048000 kB")
    }

    @Test("memory: RSS stands in when no PSS was readable; no limit or no sample, no verdict")
    func memoryRSS() {
        let over = Self.summary(rss: 3 << 20, pss: nil)
        #expect(LimitChecks.memory(over, jobKilobytes: 1024, factor: 2)
            == .memoryExceeded(usedKilobytes: 3072, limitKilobytes: 2048, measure: .rss))
        #expect(LimitChecks.memory(over, jobKilobytes: nil, factor: 2) == nil)
        #expect(LimitChecks.memory(over, jobKilobytes: 0, factor: 2) == nil)
        #expect(LimitChecks.memory(MonitorSummary(), jobKilobytes: 1, factor: 1) == nil)
    }

    @Test("wall time: maxWalltime, then the pilot's lifetime less the grace, both 1213")
    func wallTime() {
        let job = JobLimits(workDirectory: "/w", maxWalltime: 3600, pilotSecondsLeft: 10_000)
        #expect(LimitChecks.wallTime(elapsed: 3600, limits: job, grace: 180) == nil)
        let over = LimitChecks.wallTime(elapsed: 3601, limits: job, grace: 180)
        #expect(over == .wallTimeExceeded(elapsedSeconds: 3601, limitSeconds: 3600))
        #expect(over?.errorCode.rawValue == 1213)
        let lifetime = JobLimits(workDirectory: "/w", pilotSecondsLeft: 1000)
        #expect(LimitChecks.wallTime(elapsed: 820, limits: lifetime, grace: 180) == nil)
        let out = LimitChecks.wallTime(elapsed: 821, limits: lifetime, grace: 180)
        #expect(out == .lifetimeExhausted(elapsedSeconds: 821, allowedSeconds: 820))
        #expect(out?.errorCode.rawValue == 1213)
        #expect(LimitChecks.wallTime(elapsed: 1e9, limits: JobLimits(workDirectory: "/w"), grace: 180) == nil)
    }

    @Test("looping: idle time counts from the last change, or from the start when nothing changed")
    func looping() throws {
        let started = 1_000_000.0
        var scan = WorkDirectoryScan(entries: [.init(path: "out.log", modified: started + 100, allocatedBytes: 0)], ignoredNames: [])
        #expect(LimitChecks.looping(now: started + 7300, started: started, scan: scan, limit: 7200) == nil)
        let verdict = try #require(LimitChecks.looping(now: started + 7301, started: started, scan: scan, limit: 7200))
        #expect(verdict == .looping(idleSeconds: 7201, limitSeconds: 7200, lastModified: "out.log"))
        #expect(verdict.errorCode.rawValue == 1150)
        // Files older than the payload (staged-in inputs) are no progress.
        scan = WorkDirectoryScan(entries: [.init(path: "in.root", modified: started - 50, allocatedBytes: 0)], ignoredNames: [])
        #expect(LimitChecks.looping(now: started + 7201, started: started, scan: scan, limit: 7200)
            == .looping(idleSeconds: 7201, limitSeconds: 7200, lastModified: nil))
        #expect(LimitChecks.looping(now: started + 7200, started: started, scan: scan, limit: 7200) == nil)
    }

    @Test("disk: free space under the minimum is 1098, a work directory over its limit 1104")
    func disk() {
        let gib: UInt64 = 1 << 30
        #expect(LimitChecks.disk(freeBytes: gib, minimumFree: gib, workDirectoryBytes: nil, limit: nil) == nil)
        let full = LimitChecks.disk(freeBytes: gib - 1, minimumFree: gib, workDirectoryBytes: nil, limit: nil)
        #expect(full == .noLocalSpace(freeBytes: gib - 1, minimumBytes: gib))
        #expect(full?.errorCode.rawValue == 1098)
        let big = LimitChecks.disk(freeBytes: nil, minimumFree: gib, workDirectoryBytes: 5 * gib + 1, limit: 5 * gib)
        #expect(big == .workDirectoryTooLarge(bytes: 5 * gib + 1, limitBytes: 5 * gib))
        #expect(big?.errorCode.rawValue == 1104)
        #expect(big?.diagnostic == "work directory too large: 5368709121 bytes > 5368709120 bytes (5120 MB)")
        #expect(LimitChecks.disk(freeBytes: 10 * gib, minimumFree: gib, workDirectoryBytes: 5 * gib, limit: 5 * gib) == nil)
    }

    @Test("outputs: missing files fail with 1165 unless allowed; PanDA's empty names are ignored")
    func outputs() {
        let present: Set<String> = ["a.root"]
        let verdict = LimitChecks.outputs(expected: ["a.root", "b.root", "c.root", ""], allowedMissing: ["c.root"]) {
            present.contains($0)
        }
        #expect(verdict == .missingOutput(files: ["b.root"]))
        #expect(verdict?.errorCode.rawValue == 1165)
        #expect(verdict?.description == "1165 missing output file: b.root")
        #expect(LimitChecks.outputs(expected: ["a.root", ""], allowedMissing: []) { present.contains($0) } == nil)
    }
}
