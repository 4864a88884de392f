import ArgumentParser
import Logging

/// `pilot exec` is on every payload launch's path, and swift-argument-parser's reflection over
/// its options (building the argument set, protocol-conformance scans in a 25 MB static binary)
/// was a quarter of a launch's CPU. A plain, valid command line is therefore read here directly;
/// anything else (help, `--version`, an unknown or malformed option, a bad value) returns nil and
/// goes to swift-argument-parser, whose messages and usage stay the only ones. Every option of
/// `ExecCommand` must be set here (`ExecFastPathTests` checks the list and the equivalence).
extension ExecCommand {
    /// The options read here, by property name as `Mirror` sees them.
    static let fastPathProperties: Set<String> = [
        "_global", "_image", "_bind", "_workdir", "_pwd", "_env", "_seccomp", "_allowNested", "_memory", "_pids", "_cpus",
        "_gpus", "_runtime", "_user", "_hostname", "_grace", "_timeout", "_imageCache", "_cgroup", "_result", "_command",
    ]

    private static let valueOptions: Set<String> = [
        "config", "log-level", "log-format", "image", "bind", "workdir", "pwd", "env", "seccomp", "memory", "pids", "cpus",
        "gpus", "runtime", "user", "hostname", "grace", "timeout", "image-cache", "cgroup", "result",
    ]

    /// The command `arguments` (what follows `exec`) stand for, or nil for swift-argument-parser.
    static func fastParse(_ arguments: [String]) -> ExecCommand? {
        var values: [String: [String]] = [:]
        var allowNested = false
        var command: [String]?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                command = Array(arguments[index...])
                break
            }
            guard argument.hasPrefix("--") else { return nil }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if name == "allow-nested", value == nil {
                allowNested = true
                continue
            }
            guard valueOptions.contains(name) else { return nil }
            if value == nil {
                guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                value = arguments[index]
                index += 1
            }
            values[name, default: []].append(value!)
        }
        guard let command, let image = values["image"]?.last else { return nil }
        return build(values: values, image: image, allowNested: allowNested, command: command)
    }

    private static func build(values: [String: [String]], image: String, allowNested: Bool, command: [String]) -> ExecCommand? {
        func last(_ name: String) -> String? { values[name]?.last }
        func parsed<T: ExpressibleByArgument>(_ name: String, _ type: T.Type) -> T?? {
            guard let text = last(name) else { return .some(nil) }
            guard let value = T(argument: text) else { return nil }
            return .some(value)
        }
        guard let logLevel = parsed("log-level", Logger.Level.self), let logFormat = parsed("log-format", LogFormat.self),
              let pids = parsed("pids", Int.self), let cpus = parsed("cpus", Double.self), let grace = parsed("grace", Double.self),
              let timeout = parsed("timeout", Double.self), let runtime = parsed("runtime", RuntimeChoice.self),
              let cgroup = parsed("cgroup", PayloadRunner.CgroupPolicy.self) else { return nil }
        var global = GlobalOptions()
        global.config = last("config")
        global.logLevel = logLevel
        global.logFormat = logFormat
        var parsedCommand = ExecCommand()
        parsedCommand.global = global
        parsedCommand.image = image
        parsedCommand.bind = values["bind"] ?? []
        parsedCommand.workdir = last("workdir")
        parsedCommand.pwd = last("pwd")
        parsedCommand.env = values["env"] ?? []
        parsedCommand.seccomp = last("seccomp") ?? "default"
        parsedCommand.allowNested = allowNested
        parsedCommand.memory = last("memory")
        parsedCommand.pids = pids
        parsedCommand.cpus = cpus
        parsedCommand.gpus = last("gpus") ?? "none"
        parsedCommand.runtime = runtime ?? .auto
        parsedCommand.user = last("user")
        parsedCommand.hostname = last("hostname") ?? "pilot-payload"
        parsedCommand.grace = grace ?? 10
        parsedCommand.timeout = timeout
        parsedCommand.imageCache = last("image-cache")
        parsedCommand.cgroup = cgroup ?? .auto
        parsedCommand.result = last("result")
        parsedCommand.command = command
        do { try parsedCommand.validate() } catch { return nil }
        return parsedCommand
    }
}
