extension PandaSettingsLayer {
    /// The environment's layer: what Harvester's submitter set, with `PILOT_PANDA_<KEY>` variables
    /// on top (an operator's explicit choice beats Harvester's).
    static func environment(_ environment: [String: String]) throws(ConfigurationError) -> PandaSettingsLayer {
        try HarvesterEnvironment(environment).layer().overridden(by: pilotVariables(environment))
    }

    /// `PILOT_PANDA_SERVER_URL`, `PILOT_PANDA_QUEUE`, … (the file keys in upper case); empty counts as unset.
    static func pilotVariables(_ environment: [String: String]) throws(ConfigurationError) -> PandaSettingsLayer {
        func name(_ key: CodingKeys) -> String { "PILOT_PANDA_" + key.rawValue.uppercased() }
        func string(_ key: CodingKeys) -> String? {
            guard let text = environment[name(key)], !text.isEmpty else { return nil }
            return text
        }
        func value<T>(_ key: CodingKeys, expected: String, _ convert: (String) -> T?) throws(ConfigurationError) -> T? {
            guard let text = string(key) else { return nil }
            guard let value = convert(text.trimmed) else {
                throw .invalidEnvironment(variable: name(key), value: text, expected: expected)
            }
            return value
        }
        var layer = PandaSettingsLayer()
        layer.serverURL = string(.serverURL)
        layer.api = try value(.api, expected: "auto, v1 or legacy") { PandaAPIMode(rawValue: $0.lowercased()) }
        layer.queue = string(.queue)
        layer.resourceType = string(.resourceType)
        layer.prodSourceLabel = string(.prodSourceLabel)
        layer.jobType = string(.jobType)
        layer.harvesterID = string(.harvesterID)
        layer.workerID = try value(.workerID, expected: "an integer") { Int($0) }
        layer.schedulerID = string(.schedulerID)
        layer.batchID = string(.batchID)
        layer.node = string(.node)
        layer.submitMode = try value(.submitMode, expected: "pull or push") { HarvesterSubmitMode(rawValue: $0.lowercased()) }
        layer.timeout = try value(.timeout, expected: "whole seconds") { Int($0) }
        layer.retries = try value(.retries, expected: "a number of attempts") { Int($0) }
        layer.caFile = string(.caFile)
        return layer
    }
}
