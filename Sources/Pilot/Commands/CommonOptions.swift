#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging

/// Options every command takes: where the configuration is and how to log.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "JSON configuration file (also PILOT_CONFIG).")
    var config: String?

    @Option(name: .long, help: "Lowest level logged (default info; also PILOT_LOG_LEVEL).")
    var logLevel: Logger.Level?

    @Option(name: .long, help: "auto: text on a terminal, JSON lines otherwise (default; also PILOT_LOG_FORMAT).")
    var logFormat: LogFormat?
}

/// Options for commands that read the node: where its files are and which nvidia-smi to run.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: "Directory standing for / when reading /proc, /sys and /etc (default /).")
    var root: String?

    @Option(name: .long, help: "Work directory whose free space is reported (default: current directory).")
    var workdir: String?

    @Option(name: .customLong("nvidia-smi"), help: "nvidia-smi to run: a name in PATH or a path.")
    var nvidiaSMI: String?

    @Option(name: .customLong("nvidia-smi-timeout"), help: "Seconds nvidia-smi may take (default 10).")
    var nvidiaSMITimeout: Double?

    /// The configuration keys these flags set.
    var layer: ConfigurationLayer {
        ConfigurationLayer(root: root, workdir: workdir, nvidiaSMI: nvidiaSMI, nvidiaSMITimeout: nvidiaSMITimeout)
    }
}

// The value lists are spelled out: swift-argument-parser's defaults for CaseIterable enums go
// through String(describing:) and dynamic casts, each a scan of every protocol conformance in the
// static binary (a measurable part of a short command's start; README, "The static binary").
extension Logger.Level: @retroactive ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}

extension LogFormat: ExpressibleByArgument {
    static var allValueStrings: [String] { allCases.map(\.rawValue) }
    var defaultValueDescription: String { rawValue }
}

/// What a command needs once its options are parsed: the configuration, a logger, the environment.
struct CommandContext: Sendable {
    var configuration: PilotConfiguration
    var environment: [String: String]
    var logger: Logger

    /// Loads the configuration and starts logging; exits with the configuration code on error.
    static func make(global: GlobalOptions, flags: ConfigurationLayer = .init(), label: String) throws -> CommandContext {
        let environment = ProcessEnvironment.current()
        var flags = flags
        flags.logLevel = global.logLevel
        flags.logFormat = global.logFormat
        let configuration: PilotConfiguration
        do {
            configuration = try ConfigurationLoader.load(
                flags: flags, configFile: global.config, environment: environment,
                currentDirectory: ProcessEnvironment.currentDirectory()
            )
        } catch {
            throw fail(error)
        }
        PilotLogging.bootstrap(level: configuration.logLevel, format: configuration.logFormat, identity: PilotLogging.identity(environment))
        return CommandContext(configuration: configuration, environment: environment, logger: Logger(label: label))
    }

    /// Prints the error as one line on standard error and returns the exit code to throw.
    static func fail(_ error: some CommandError) -> ExitCode {
        var line = Array("pilot: \(Redactor.redact(error.description))\n".utf8)
        _ = line.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        return error.exitCode.exitCode
    }
}
