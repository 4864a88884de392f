import Foundation
import Testing
@testable import Pilot

/// The job's log archive, read back with GNU tar.
@Suite("log archive")
struct LogArchiveTests {
    @Test("logs go in under the pilot3 top directory; inputs, outputs and oversized files stay out")
    func contents() throws {
        let work = NSTemporaryDirectory() + "pilot-logs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try "payload said hello\n".write(toFile: work + "/payload.stdout", atomically: true, encoding: .utf8)
        try "nested\n".write(toFile: work + "/sub/report.json", atomically: true, encoding: .utf8)
        try "input data".write(toFile: work + "/EVNT.root", atomically: true, encoding: .utf8)
        try String(repeating: "x", count: 2048).write(toFile: work + "/big.log", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: work + "/latest", withDestinationPath: "payload.stdout")
        let archive = LogArchive(directory: work, prefix: "tarball_PandaJob_42_SITE", excluded: ["EVNT.root"], maxFileBytes: 1024)
        let summary = try archive.write(to: work + "/log.tgz")
        #expect(summary.files == ["latest", "payload.stdout", "sub/report.json"])
        #expect(summary.skippedTooLarge == ["big.log"])
        #expect(!FileManager.default.fileExists(atPath: work + "/log.tgz.part"))
        let list = try LocalCommand.run(["tar", "-tzvf", work + "/log.tgz"])
        #expect(list.status == 0, "\(list.stderr)")
        let names = list.stdout.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(names.contains("tarball_PandaJob_42_SITE/payload.stdout"))
        #expect(names.contains("tarball_PandaJob_42_SITE/sub/report.json"))
        #expect(list.stdout.contains("tarball_PandaJob_42_SITE/latest -> payload.stdout"))
        #expect(!list.stdout.contains("EVNT.root") && !list.stdout.contains("big.log"))
        let content = try LocalCommand.run(["tar", "-xzOf", work + "/log.tgz", "tarball_PandaJob_42_SITE/payload.stdout"])
        #expect(content.stdout == "payload said hello\n")
    }

    @Test("an unwritable destination is a clear error and leaves nothing behind")
    func unwritable() {
        let archive = LogArchive(directory: "/etc", prefix: "p", excluded: [])
        #expect(throws: LogArchiveError.self) { try archive.write(to: "/nonexistent-dir/log.tgz") }
    }
}
