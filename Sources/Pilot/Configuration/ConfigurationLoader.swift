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

    /// The keys set by `PILOT_<KEY>` variables.
    static func environmentLayer(_ environment: [String: String]) throws(ConfigurationError) -> ConfigurationLayer {
        func value(_ key: PilotConfiguration.CodingKeys) -> (String, String)? {
            let name = "PILOT_" + key.rawValue.uppercased()
            guard let text = environment[name], !text.isEmpty else { return nil }
            return (name, text)
        }
        var layer = ConfigurationLayer()
        layer.root = value(.root)?.1
        layer.workdir = value(.workdir)?.1
        layer.nvidiaSMI = value(.nvidiaSMI)?.1
        if let (name, text) = value(.nvidiaSMITimeout) {
            guard let seconds = Double(text) else {
                throw .invalidEnvironment(variable: name, value: text, expected: "seconds")
            }
            layer.nvidiaSMITimeout = seconds
        }
        if let (name, text) = value(.logLevel) {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidEnvironment(variable: name, value: text, expected: "one of \(names)")
            }
            layer.logLevel = level
        }
        if let (name, text) = value(.logFormat) {
            guard let format = LogFormat(rawValue: text.lowercased()) else {
                throw .invalidEnvironment(variable: name, value: text, expected: "auto, json or text")
            }
            layer.logFormat = format
        }
        return layer
    }

    private static func validate(_ configuration: PilotConfiguration) throws(ConfigurationError) {
        guard configuration.nvidiaSMITimeout > 0, configuration.nvidiaSMITimeout <= 600 else {
            throw .invalidValue(key: "nvidia_smi_timeout", reason: "must be between 0 and 600 seconds")
        }
        guard configuration.root.hasPrefix("/") else {
            throw .invalidValue(key: "root", reason: "must be an absolute path")
        }
    }
}

/// The key names of a JSON object, whatever their values.
private struct KeyNames: Decodable {
    var names: [String]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        names = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
    }
}
