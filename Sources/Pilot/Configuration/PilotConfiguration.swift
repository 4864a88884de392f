import Logging

/// The pilot's settings, fixed for the life of a command.
///
/// Built in layers (`ConfigurationLoader`): defaults < configuration file < environment < flags.
/// Keys in the file are the `CodingKeys` below; environment variables are `PILOT_` plus the key
/// in upper case.
struct PilotConfiguration: Codable, Sendable, Equatable {
    /// The directory standing for `/` when reading /proc, /sys and /etc (a captured tree in tests).
    var root: String
    /// The work directory: jobs run under it, and its free space is reported.
    var workdir: String
    /// The nvidia-smi to run: a name looked up in PATH, or a path.
    var nvidiaSMI: String
    /// How long nvidia-smi may take before it is killed, in seconds.
    var nvidiaSMITimeout: Double
    /// The lowest level logged.
    var logLevel: Logger.Level
    /// How log lines are written.
    var logFormat: LogFormat

    enum CodingKeys: String, CodingKey, CaseIterable {
        case root, workdir
        case nvidiaSMI = "nvidia_smi"
        case nvidiaSMITimeout = "nvidia_smi_timeout"
        case logLevel = "log_level"
        case logFormat = "log_format"
    }

    /// Every key's default; the work directory defaults to the current directory.
    static func defaults(currentDirectory: String) -> PilotConfiguration {
        PilotConfiguration(
            root: "/", workdir: currentDirectory, nvidiaSMI: "nvidia-smi", nvidiaSMITimeout: 10,
            logLevel: .info, logFormat: .auto
        )
    }
}

/// Part of a configuration: what one layer (file, environment, flags) sets.
struct ConfigurationLayer: Codable, Sendable, Equatable {
    var root: String?
    var workdir: String?
    var nvidiaSMI: String?
    var nvidiaSMITimeout: Double?
    var logLevel: Logger.Level?
    var logFormat: LogFormat?

    typealias CodingKeys = PilotConfiguration.CodingKeys

    /// Overrides the configuration's keys with the ones this layer sets.
    func apply(to configuration: inout PilotConfiguration) {
        if let root { configuration.root = root }
        if let workdir { configuration.workdir = workdir }
        if let nvidiaSMI { configuration.nvidiaSMI = nvidiaSMI }
        if let nvidiaSMITimeout { configuration.nvidiaSMITimeout = nvidiaSMITimeout }
        if let logLevel { configuration.logLevel = logLevel }
        if let logFormat { configuration.logFormat = logFormat }
    }
}

