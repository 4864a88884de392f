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
    typealias Result = LocalCommand.Result

    /// Runs `pilot` with the arguments; `environment` entries are added to (or, when nil, removed
    /// from) the test's own environment.
    static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        return try LocalCommand.run(executable: path, arguments: arguments, environment: env)
    }

    /// Runs `pilot` and decodes its JSON output.
    static func json(_ arguments: [String], environment: [String: String?] = [:]) throws -> (Result, [String: Any]) {
        let result = try run(arguments, environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (result, object)
    }
}
