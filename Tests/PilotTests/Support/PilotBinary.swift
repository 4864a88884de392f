import Foundation

/// Runs the built `pilot` executable as a user would (`$PILOT_BINARY` overrides which one).
enum PilotBinary {
    /// The binary under test: beside the test bundle in `.build/<config>/`, unless overridden.
    static let path: String = {
        if let path = ProcessInfo.processInfo.environment["PILOT_BINARY"], !path.isEmpty { return path }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !dir.path.hasSuffix(".xctest") && dir.path != "/" && dir.lastPathComponent != "debug"
            && dir.lastPathComponent != "release" {
            dir.deleteLastPathComponent()
        }
        if dir.path.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("pilot").path
    }()

    /// What a run printed and how it ended.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `pilot` with the arguments; `environment` entries are added to (or, when nil, removed
    /// from) the test's own environment.
    static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // stderr goes to a file: with two pipes read one after the other, a run that logs more
        // than a pipe holds would block forever.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs `pilot` and decodes its JSON output.
    static func json(_ arguments: [String], environment: [String: String?] = [:]) throws -> (Result, [String: Any]) {
        let result = try run(arguments, environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (result, object)
    }
}
