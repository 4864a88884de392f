import FoundationEssentials

/// A result directory's manifest, `bundle.json` (README.md, "pilot validate"): which suite ran
/// where, and for each case its runs (exit, wall, CPU, peak memory) and its collected outputs
/// with their checksums. Paths inside are relative to the bundle directory.
struct ValidationBundle: Codable, Sendable, Equatable {
    /// The value of `format` in every bundle.
    static let formatName = "pilot-validation-bundle"
    /// The only version this pilot writes and reads.
    static let currentVersion = 1

    /// `pilot-validation-bundle`.
    var format = ValidationBundle.formatName
    /// The layout's version (1).
    var formatVersion = ValidationBundle.currentVersion
    /// The suite that ran.
    var suite: SuiteRecord
    /// The version of the pilot that ran it.
    var pilotVersion: String
    /// When the run started, ISO 8601 UTC.
    var created: String
    /// The node in brief; the whole `pilot detect --json` report is in `node.json`.
    var node: NodeRecord
    /// Runs per case (`--repeat`).
    var repeats: Int
    /// The runtime asked for (`auto`, `builtin`, `apptainer`); each run records the one used.
    var runtime: String
    /// The cases in the suite's order.
    var cases: [CaseRecord]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", suite, pilotVersion = "pilot_version", created, node
        case repeats = "repeat", runtime, cases
    }
}

/// The suite a bundle ran: its name, its copy in the bundle and that copy's SHA-256.
struct SuiteRecord: Codable, Sendable, Equatable {
    /// Its name.
    var name: String
    /// `suite.json`, the suite file as it was read.
    var file: String
    /// SHA-256 of its bytes, hex.
    var sha256: String
}

/// The node in brief, for the verdict table's header.
struct NodeRecord: Codable, Sendable, Equatable {
    /// `x86_64` or `aarch64`.
    var arch: String
    /// The host name, as `pilot detect` reports it.
    @EncodedAsNull var hostname: String?
    @EncodedAsNull var cpuModel: String?
    /// `x86-64-v3`, or the Arm core (`Neoverse-V2`).
    @EncodedAsNull var cpuLevel: String?
    var cores: Int
    /// The memory this node gives (the cgroup limit where lower).
    var memoryBytes: UInt64
    /// The GPUs' names.
    var gpus: [String]
    /// `node.json`: the full `pilot detect --json` report.
    var file: String

    enum CodingKeys: String, CodingKey {
        case arch, hostname, cpuModel = "cpu_model", cpuLevel = "cpu_level", cores, memoryBytes = "memory_bytes", gpus, file
    }

    /// One line: `aarch64 Neoverse-V2 (Neoverse-V2), 8 cores, 31.2 GiB`.
    var line: String {
        let gib = NumberText.format(Double(memoryBytes) / 1_073_741_824, digits: 3)
        var text = arch + (cpuModel.map { " " + $0 } ?? "") + (cpuLevel.map { " (\($0))" } ?? "")
        text += ", \(cores) cores, \(gib) GiB" + (gpus.isEmpty ? "" : ", " + gpus.joined(separator: ", "))
        return text + (hostname.map { ", host \($0)" } ?? "")
    }
}

/// Whether a case ran to the end with every output collected.
enum CaseStatus: String, Codable, Sendable, Equatable {
    /// Ran to the end; or failed (the reason is in `error`).
    case ok, failed
}

/// One case in a bundle.
struct CaseRecord: Codable, Sendable, Equatable {
    /// Its name.
    var name: String
    /// The image path used.
    var image: String
    /// The argv run.
    var command: [String]
    /// Whether every run and output was good.
    var status: CaseStatus
    /// Why it failed; null when it did not.
    @EncodedAsNull var error: String?
    var inputs: [InputRecord]
    /// Each repeat that started.
    var runs: [RunRecord]
    /// Each output of the suite, with the files collected.
    var outputs: [OutputRecord]
}

/// An input as it was staged.
struct InputRecord: Codable, Sendable, Equatable {
    /// Its name.
    var name: String
    /// The local path, or the URL with its signature redacted.
    var source: String
    /// SHA-256 of its bytes, hex.
    var sha256: String
    /// Its size.
    var bytes: Int
}

/// One run of a case: how it ended and what it used (`pilot exec --result`'s measurements).
struct RunRecord: Codable, Sendable, Equatable {
    /// 1-based repeat number.
    var index: Int
    /// The exit code, or 128 + the signal.
    var exitCode: Int32
    /// The signal that ended it, if one did.
    @EncodedAsNull var signal: Int32?
    var wallSeconds: Double
    /// User CPU seconds of the whole tree.
    var userCPUSeconds: Double
    /// System CPU seconds of the whole tree.
    var systemCPUSeconds: Double
    /// The whole tree's peak memory where the pilot could make a cgroup, else the largest process's.
    var maxRSSKilobytes: UInt64
    /// Whether the case's timeout stopped it.
    var timedOut: Bool
    /// Whether the OOM killer acted.
    var outOfMemory: Bool
    /// `builtin` or `apptainer`.
    var runtime: String
    /// The payload's standard output and error, relative to the bundle.
    var stdout: String
    var stderr: String

    /// User plus system CPU seconds.
    var cpuSeconds: Double { userCPUSeconds + systemCPUSeconds }

    enum CodingKeys: String, CodingKey {
        case index = "repeat", exitCode = "exit_code", signal, wallSeconds = "wall_seconds"
        case userCPUSeconds = "user_cpu_seconds", systemCPUSeconds = "system_cpu_seconds"
        case maxRSSKilobytes = "max_rss_kb", timedOut = "timed_out", outOfMemory = "out_of_memory", runtime, stdout, stderr
    }
}

/// An output of a case: its comparison and the file each repeat wrote.
struct OutputRecord: Codable, Sendable, Equatable {
    /// The path under `/srv`.
    var path: String
    /// The comparison method, all settings spelled out.
    var compare: ComparisonSpec
    /// The file each repeat wrote.
    var files: [OutputFile]
    /// The run-to-run spread; null with one repeat.
    @EncodedAsNull var spread: OutputSpread?
}

/// A collected output file of one repeat.
struct OutputFile: Codable, Sendable, Equatable {
    /// 1-based repeat number.
    var index: Int
    /// Relative to the bundle directory.
    var file: String
    /// SHA-256 of its bytes, hex.
    var sha256: String
    /// Its size.
    var bytes: Int

    enum CodingKeys: String, CodingKey {
        case index = "repeat", file, sha256, bytes
    }
}

/// The JSON form of bundles and comparison reports: sorted keys, and infinities or NaN (a
/// difference against an infinite value) as strings rather than an encoding failure.
enum BundleJSON {
    /// Pretty-printed JSON with sorted keys.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes what `encode` wrote.
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
