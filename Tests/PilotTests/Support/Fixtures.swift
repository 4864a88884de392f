import Foundation

/// Captured hardware files from `../shared/fixtures/` (or `$PILOT_FIXTURES`).
enum Fixtures {
    /// The repository's root, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The fixtures directory.
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["PILOT_FIXTURES"] {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }()

    /// The text of one fixture.
    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The path of one fixture.
    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The fixtures whose names start with a prefix, sorted.
    static func names(withPrefix prefix: String) throws -> [String] {
        try names(prefixes: [prefix])
    }

    /// Every fixture whose name starts with one of the prefixes, sorted.
    static func names(prefixes: [String]) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { name in prefixes.contains { name.hasPrefix($0) } }
            .sorted()
    }
}

/// A temporary directory laid out as a node's root (`proc/`, `sys/`, `etc/`), removed on deinit.
final class FakeRoot {
    /// The directory standing for `/`.
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("pilot-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` at the absolute path `file` inside the root, creating directories.
    func write(_ file: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + file)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Copies a fixture to `file` inside the root.
    func copy(fixture: String, to file: String) throws {
        try write(file, try Fixtures.text(fixture))
    }

    /// Writes a minimal live-looking node: cpuinfo from a fixture, meminfo, os-release.
    func layOutNode(cpuinfo: String, memTotalKiB: UInt64 = 16_384_000, osRelease: String? = nil) throws {
        try copy(fixture: cpuinfo, to: "/proc/cpuinfo")
        try write("/proc/meminfo", "MemTotal:       \(memTotalKiB) kB\nMemFree:         1000 kB\nMemAvailable:   \(memTotalKiB / 2) kB\n")
        if let osRelease { try copy(fixture: osRelease, to: "/etc/os-release") }
    }
}
