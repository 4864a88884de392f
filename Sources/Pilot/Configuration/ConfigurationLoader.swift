import FoundationEssentials
import Logging

/// Why the configuration could not be built.
enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The configuration file named by `--config` or `PILOT_CONFIG` could not be read.
    case unreadableFile(SystemCallError)
    /// The file is not a JSON object of known keys with the right types.
    case invalidFile(path: String, reason: String)
    /// An environment variable holds a value its key cannot take.
    case invalidEnvironment(variable: String, value: String, expected: String)
    /// A key's value is out of range, wherever it came from.
    case invalidValue(key: String, reason: String)

    var description: String {
        switch self {
        case .unreadableFile(let error): "cannot read configuration file: \(error)"
        case .invalidFile(let path, let reason): "invalid configuration file \(path): \(reason)"
        case .invalidEnvironment(let variable, let value, let expected):
            "invalid \(variable)=\(Redactor.redact(value)): expected \(expected)"
        case .invalidValue(let key, let reason): "invalid \(key): \(reason)"
        }
    }
}

/// Builds a `PilotConfiguration`: defaults < file < environment < flags.
enum ConfigurationLoader {
    /// The environment variable naming a configuration file when `--config` does not.
    static let fileVariable = "PILOT_CONFIG"

    /// Loads every layer and checks the result.
    static func load(
        flags: ConfigurationLayer, configFile: String?, environment: [String: String], currentDirectory: String
    ) throws(ConfigurationError) -> PilotConfiguration {
        var configuration = PilotConfiguration.defaults(currentDirectory: currentDirectory)
        if let path = configFile ?? environment[fileVariable], !path.isEmpty {
            try fileLayer(path).apply(to: &configuration)
        }
        try environmentLayer(environment).apply(to: &configuration)
        flags.apply(to: &configuration)
        try validate(configuration)
        return configuration
    }

    /// The keys a JSON configuration file sets; unknown keys are an error, so typos are caught.
    static func fileLayer(_ path: String) throws(ConfigurationError) -> ConfigurationLayer {
        let text: String
        do { text = try FileReader.readString(path) } catch { throw .unreadableFile(error) }
        do {
            let keys = try JSONDecoder().decode(KeyNames.self, from: Data(text.utf8)).names
            let known = Set(PilotConfiguration.CodingKeys.allCases.map(\.rawValue))
            if let unknown = keys.first(where: { !known.contains($0) }) {
                throw ConfigurationError.invalidFile(path: path, reason: "unknown key \"\(unknown)\"")
            }
            return try JSONDecoder().decode(ConfigurationLayer.self, from: Data(text.utf8))
        } catch let error as ConfigurationError {
            throw error
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidFile(path: path, reason: key.isEmpty ? "not a JSON object" : "bad value for \"\(key)\"")
        } catch {
            throw .invalidFile(path: path, reason: "not valid JSON")
        }
    }

    /// The keys set by `PILOT_<KEY>` variables; lists are comma-separated.
    static func environmentLayer(_ environment: [String: String]) throws(ConfigurationError) -> ConfigurationLayer {
        let reader = EnvironmentReader(environment: environment)
        var layer = ConfigurationLayer()
        layer.root = reader.string(.root)
        layer.workdir = reader.string(.workdir)
        layer.nvidiaSMI = reader.environment[reader.name(.nvidiaSMI)]  // "" is meaningful: skip nvidia-smi
        layer.nvidiaSMITimeout = try reader.value(.nvidiaSMITimeout, expected: "seconds", Double.init)
        layer.logLevel = try reader.value(
            .logLevel, expected: "one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        ) { Logger.Level(rawValue: $0.lowercased()) }
        layer.logFormat = try reader.value(.logFormat, expected: "auto, json or text") { LogFormat(rawValue: $0.lowercased()) }
        layer.cvmfsRoot = reader.string(.cvmfsRoot)
        layer.cvmfsRepos = reader.list(.cvmfsRepos)
        layer.cvmfsTimeout = try reader.value(.cvmfsTimeout, expected: "seconds", Double.init)
        layer.cvmfsMaxAge = try reader.value(.cvmfsMaxAge, expected: "whole seconds") { Int($0) }
        layer.cvmfsMountCommand = reader.string(.cvmfsMountCommand)
        layer.cvmfsFreshnessFiles = try CVMFSFreshnessFiles.environment(environment)
        layer.panda = try PandaSettingsLayer.environment(environment)  // PanDA server: Harvester's and PILOT_PANDA_*
        layer.accounting = try AccountingLayer.environment(environment)  // issue 7
        layer.run = try RunSettingsLayer.environment(environment)  // pilot run: PILOT_RUN_*
        layer.rucio = try RucioSettingsLayer.environment(environment)  // Rucio: PILOT_RUCIO_*
        return layer
    }

    private static func validate(_ configuration: PilotConfiguration) throws(ConfigurationError) {
        guard configuration.nvidiaSMITimeout >= 0.1, configuration.nvidiaSMITimeout <= 600 else {
            throw .invalidValue(key: "nvidia_smi_timeout", reason: "must be between 0.1 and 600 seconds")
        }
        guard configuration.root.hasPrefix("/") else {
            throw .invalidValue(key: "root", reason: "must be an absolute path")
        }
        guard configuration.cvmfsRoot.hasPrefix("/") else {
            throw .invalidValue(key: "cvmfs_root", reason: "must be an absolute path")
        }
        guard configuration.cvmfsTimeout >= 0.1, configuration.cvmfsTimeout <= 600 else {
            throw .invalidValue(key: "cvmfs_timeout", reason: "must be between 0.1 and 600 seconds")
        }
        guard configuration.cvmfsMaxAge > 0 else {
            throw .invalidValue(key: "cvmfs_max_age", reason: "must be a positive number of seconds")
        }
        try CVMFSFreshnessFiles.validate(configuration.cvmfsFreshnessFiles)
        try configuration.panda.validate()  // PanDA server
        try AccountingLayer.validate(configuration.accounting)  // issue 7
        try configuration.run.validate()  // pilot run
        do { try configuration.rucio.validate() } catch {  // Rucio
            throw .invalidValue(key: "rucio", reason: error.description)
        }
        for name in configuration.cvmfsRepos {
            do { _ = try CVMFSRepository(name: name) } catch {
                throw .invalidValue(key: "cvmfs_repos", reason: error.description)
            }
        }
    }
}

/// The key names of a JSON object, whatever their values.
private struct KeyNames: Decodable {
    var names: [String]

    init(from decoder: any Decoder) throws {
        names = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue).sorted()
    }
}

/// Reads `PILOT_<KEY>` variables; an empty variable counts as unset.
private struct EnvironmentReader {
    var environment: [String: String]

    func name(_ key: PilotConfiguration.CodingKeys) -> String { "PILOT_" + key.rawValue.uppercased() }

    func string(_ key: PilotConfiguration.CodingKeys) -> String? {
        guard let text = environment[name(key)], !text.isEmpty else { return nil }
        return text
    }

    func list(_ key: PilotConfiguration.CodingKeys) -> [String]? {
        guard let text = environment[name(key)] else { return nil }
        return text.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
    }

    func value<T>(
        _ key: PilotConfiguration.CodingKeys, expected: String, _ convert: (String) -> T?
    ) throws(ConfigurationError) -> T? {
        guard let text = string(key) else { return nil }
        guard let value = convert(text) else {
            throw .invalidEnvironment(variable: name(key), value: text, expected: expected)
        }
        return value
    }
}
