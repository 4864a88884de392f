import Foundation
import Testing
@testable import Pilot

@Suite("configuration layers")
struct ConfigurationLoaderTests {
    private func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("every key has a default")
    func defaults() throws {
        let config = try ConfigurationLoader.load(flags: .init(), configFile: nil, environment: [:], currentDirectory: "/here")
        #expect(config == PilotConfiguration.defaults(currentDirectory: "/here"))
        #expect(config.root == "/" && config.nvidiaSMI == "nvidia-smi" && config.nvidiaSMITimeout == 10)
    }

    @Test("flags beat the environment, which beats the file, which beats the defaults")
    func precedence() throws {
        let path = try file(#"{"workdir": "/from-file", "nvidia_smi": "/file/nvidia-smi", "nvidia_smi_timeout": 3, "log_level": "debug"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = ["PILOT_NVIDIA_SMI": "/env/nvidia-smi", "PILOT_NVIDIA_SMI_TIMEOUT": "4", "PILOT_CONFIG": path]
        let flags = ConfigurationLayer(nvidiaSMITimeout: 5)
        let config = try ConfigurationLoader.load(flags: flags, configFile: nil, environment: environment, currentDirectory: "/cwd")
        #expect(config.workdir == "/from-file")
        #expect(config.nvidiaSMI == "/env/nvidia-smi")
        #expect(config.nvidiaSMITimeout == 5)
        #expect(config.logLevel == .debug)
        #expect(config.root == "/")
    }

    @Test("--config wins over PILOT_CONFIG")
    func explicitFile() throws {
        let chosen = try file(#"{"root": "/chosen"}"#)
        let other = try file(#"{"root": "/other"}"#)
        let config = try ConfigurationLoader.load(flags: .init(), configFile: chosen, environment: ["PILOT_CONFIG": other], currentDirectory: "/")
        #expect(config.root == "/chosen")
    }

    @Test("a missing file, bad JSON, an unknown key and a wrong type are errors naming the file")
    func badFiles() throws {
        #expect(throws: ConfigurationError.unreadableFile(SystemCallError(call: "open", path: "/no/such.json", errno: ENOENT))) {
            try ConfigurationLoader.fileLayer("/no/such.json")
        }
        for (json, reason) in [("{", "not a JSON object"), (#"{"rooot": "/"}"#, #"unknown key "rooot""#),
                               (#"{"nvidia_smi_timeout": "ten"}"#, #"bad value for "nvidia_smi_timeout""#), ("[1]", "not a JSON object")] {
            let path = try file(json)
            #expect(throws: ConfigurationError.invalidFile(path: path, reason: reason)) { try ConfigurationLoader.fileLayer(path) }
        }
        // A typo inside a nested object is caught too, whichever object it is in.
        for json in [#"{"run": {"graec": 5}}"#, #"{"panda": {"queu": "Q"}}"#, #"{"rucio": {"server": "https://r"}}"#, #"{"accounting": {"sight": "S"}}"#] {
            let path = try file(json)
            #expect(throws: ConfigurationError.self, "\(json)") { try ConfigurationLoader.fileLayer(path) }
        }
        let good = try file(#"{"run": {"stop_budget": 25, "notice_file": "/var/run/notice"}, "rucio": {"server_url": "https://rucio.example.org"}}"#)
        let layer = try ConfigurationLoader.fileLayer(good)
        #expect(layer.run?.stopBudget == 25 && layer.run?.noticeFile == "/var/run/notice")
        #expect(layer.rucio?.serverURL == "https://rucio.example.org")
    }

    @Test("bad environment values say what was expected")
    func badEnvironment() {
        #expect(throws: ConfigurationError.invalidEnvironment(variable: "PILOT_NVIDIA_SMI_TIMEOUT", value: "soon", expected: "seconds")) {
            try ConfigurationLoader.environmentLayer(["PILOT_NVIDIA_SMI_TIMEOUT": "soon"])
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.environmentLayer(["PILOT_LOG_FORMAT": "xml"]) }
    }

    @Test("out-of-range values are rejected whatever their source")
    func validation() {
        #expect(throws: ConfigurationError.invalidValue(key: "root", reason: "must be an absolute path")) {
            try ConfigurationLoader.load(flags: ConfigurationLayer(root: "relative"), configFile: nil, environment: [:], currentDirectory: "/")
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(flags: ConfigurationLayer(nvidiaSMITimeout: -1), configFile: nil, environment: [:], currentDirectory: "/")
        }
    }
}
