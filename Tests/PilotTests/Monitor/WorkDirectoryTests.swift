import Foundation
import Logging
import Testing
@testable import Pilot

@Suite("work directory scan and looping detection")
struct WorkDirectoryTests {
    static func setTime(_ path: String, _ epoch: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: epoch)], ofItemAtPath: path)
    }

    @Test("the newest payload file wins; the pilot's files and symlink targets do not count")
    func scan() throws {
        let work = try ScratchDirectory("workdir")
        try Self.setTime(try work.write("a.txt", "a"), 1000)
        try Self.setTime(try work.write("sub/b.txt", String(repeating: "b", count: 10000)), 2000)
        try Self.setTime(try work.write("pilotlog.txt", "log"), 3000)
        try FileManager.default.createSymbolicLink(atPath: work("input.root"), withDestinationPath: work("sub/b.txt"))
        try Self.setTime(work("sub"), 1500)
        // lstat sees the link itself: give it an old time through its own inode.
        var times = [timespec(tv_sec: 500, tv_nsec: 0), timespec(tv_sec: 500, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, work("input.root"), &times, AT_SYMLINK_NOFOLLOW) == 0)
        let scan = WorkDirectoryScanner(ignoredNames: ["pilotlog.txt"]).scan(work.path)
        #expect(scan.latestPath == "sub/b.txt")
        #expect(scan.latestModification == 2000)
        #expect(scan.entries == 5)
        #expect(scan.totalBytes >= 10000)
        #expect(WorkDirectoryScanner(ignoredNames: []).scan(work.path).latestPath == "pilotlog.txt")
        #expect(WorkDirectoryScanner(ignoredNames: []).scan(work("missing")) == WorkDirectoryScan(entries: [], ignoredNames: []))
    }

    static func monitor(_ work: ScratchDirectory, kills: KillRecorder) -> JobMonitor {
        var settings = MonitorConfiguration.every(0.2)
        settings.loopingLimit = 1
        var probes = MonitorProbes.live(rootPID: getpid(), cgroup: nil, ignoredNames: settings.loopingIgnoredNames)
        probes.freeBytes = { _ in nil }
        return JobMonitor(
            configuration: settings, limits: JobLimits(workDirectory: work.path), probes: probes,
            logger: Logger(label: "test.looping"), kill: kills.record
        )
    }

    @Test("a payload that modifies nothing for the looping limit is stopped with 1150")
    func loopingDetected() async throws {
        let work = try ScratchDirectory("looping")
        try Self.setTime(try work.write("input.root", "old"), 1000)
        let kills = KillRecorder()
        let monitor = Self.monitor(work, kills: kills)
        let log = work("pilotlog.txt")
        // The pilot's own log changing is no progress.
        let (killed, report) = await monitor.watch {
            async let writer: Void = {
                for round in 0..<20 where kills.calls == 0 {
                    try? "round \(round)\n".write(toFile: log, atomically: false, encoding: .utf8)
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }()
            let killed = await kills.payload(seconds: 6)
            await writer
            return killed
        }
        #expect(killed)
        #expect(kills.calls == 1)
        let verdict = try #require(report.verdict)
        #expect(verdict.errorCode.rawValue == 1150)
        guard case let .looping(idle, limit, last) = verdict else { Issue.record("not a looping verdict: \(verdict)"); return }
        #expect(idle > 1 && idle < 3)
        #expect(limit == 1)
        #expect(last == nil)
    }

    @Test("touching a file resets the looping clock")
    func touchingResets() async throws {
        let work = try ScratchDirectory("progress")
        let kills = KillRecorder()
        let monitor = Self.monitor(work, kills: kills)
        let events = work("events.txt")
        let (killed, report) = await monitor.watch {
            async let writer: Void = {
                for round in 0..<10 {
                    try? "event \(round)\n".write(toFile: events, atomically: false, encoding: .utf8)
                    try? await Task.sleep(for: .milliseconds(300))
                }
            }()
            let killed = await kills.payload(seconds: 3)
            await writer
            return killed
        }
        #expect(!killed)
        #expect(kills.calls == 0)
        #expect(report.verdict == nil)
    }
}
