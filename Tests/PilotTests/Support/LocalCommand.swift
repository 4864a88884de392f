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

    /// Runs `argv` (the first element searched in PATH) to completion.
    static func run(_ argv: [String]) throws -> Result {
        try run(executable: "/usr/bin/env", arguments: argv)
    }

    /// Runs a program to completion, with `environment` (nil: the test's own); stderr goes
    /// through a file: with two pipes read one after the other, a child that writes more than a
    /// pipe holds to stderr would block forever.
    static func run(executable: String, arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-stderr-\(UUID().uuidString)")
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
