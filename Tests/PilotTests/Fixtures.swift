import Foundation

/// Where the captured fixtures live: `<repo>/../shared/fixtures`, or `PILOT_FIXTURES` when set.
enum Fixtures {
    /// The fixtures directory.
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["PILOT_FIXTURES"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures", isDirectory: true)
    }

    /// The repository root, three levels above this file (Tests/PilotTests/Fixtures.swift).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The text of one fixture file.
    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The path of one fixture file.
    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The names of the fixtures that start with a prefix, sorted.
    static func names(withPrefix prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(prefix) }.sorted()
    }
}
