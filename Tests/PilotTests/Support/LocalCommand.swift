import Foundation

/// Runs a helper program for a test and collects what it printed and how it ended.
enum LocalCommand {
    /// How a run ended.
    struct Result {
        /// The exit status, or the signal number when `signaled`.
        var status: Int32
        /// Whether a signal ended it.
        var signaled: Bool
        var stdout: String
        var stderr: String

        /// The first line of stdout, trimmed.
        var answer: String { stdout.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
    }

    /// A python3 for helper scripts: the system one when present (a pyenv shim starts slowly).
    static let python: String = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        ? "/usr/bin/python3" : "python3"

    /// The path of a script in Tests/PilotTests/Scripts.
    static func script(_ name: String) -> String {
        Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts/\(name)").path
    }

    /// Runs `argv` (the first element searched in PATH) to completion; stderr goes through a
    /// file so that a chatty child cannot block on a full pipe.
    static func run(_ argv: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-cmd-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }
}
