import FoundationEssentials

/// A validation suite: the cases to run on every architecture and how to compare their outputs
/// (README.md, "pilot validate"). Read from a JSON file; unknown keys are errors.
struct ValidationSuite: Codable, Sendable, Equatable {
    /// The suite's name, recorded in every bundle; bundles of different suites are not compared.
    var name: String
    /// Free text for people.
    var description: String?
    /// The cases, run in this order.
    var cases: [ValidationCase]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, cases
    }

    /// A suite of these cases.
    init(name: String, description: String? = nil, cases: [ValidationCase]) {
        self.name = name
        self.description = description
        self.cases = cases
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        cases = try container.decode([ValidationCase].self, forKey: .cases)
    }
}

/// One piece of work: a command in a container image, its inputs, the outputs to compare.
struct ValidationCase: Codable, Sendable, Equatable {
    /// Unique in the suite; letters, digits, `.`, `_`, `-` (it names a directory in the bundle).
    var name: String
    /// An image path (absolute, or relative to the suite's directory), or a name that
    /// `--image NAME=PATH` maps to a path.
    var image: String
    /// The program and its arguments; a JSON string is run with `/bin/sh -c`.
    var command: [String]
    /// Variables added to the payload's otherwise empty environment (PATH and HOME=/srv are set).
    var environment: [String: String]
    /// Seconds of wall time after which a run is stopped and the case fails.
    var timeout: Double?
    /// Files put in the work directory (`/srv`) before each run.
    var inputs: [CaseInput]
    /// Files the payload writes under `/srv`, collected and compared.
    var outputs: [CaseOutput]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, image, command, environment, timeout, inputs, outputs
    }

    /// A case; only the outputs are required beside its identity.
    init(name: String, image: String, command: [String], environment: [String: String] = [:], timeout: Double? = nil,
         inputs: [CaseInput] = [], outputs: [CaseOutput]) {
        self.name = name
        self.image = image
        self.command = command
        self.environment = environment
        self.timeout = timeout
        self.inputs = inputs
        self.outputs = outputs
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        image = try container.decode(String.self, forKey: .image)
        if let line = try? container.decode(String.self, forKey: .command) {
            command = ["/bin/sh", "-c", line]
        } else {
            command = try container.decode([String].self, forKey: .command)
        }
        environment = try container.decodeIfPresent([String: String].self, forKey: .environment) ?? [:]
        timeout = try container.decodeIfPresent(Double.self, forKey: .timeout)
        inputs = try container.decodeIfPresent([CaseInput].self, forKey: .inputs) ?? []
        outputs = try container.decode([CaseOutput].self, forKey: .outputs)
    }
}

/// An input file: from a signed URL or a local path (relative to the suite), with checksums.
struct CaseInput: Codable, Sendable, Equatable {
    /// Where it goes under `/srv` (a relative path).
    var name: String
    /// A signed URL to download it from.
    var url: String?
    /// A local file: absolute, or relative to the suite's directory.
    var path: String?
    /// SHA-256, 64 hex digits.
    var sha256: String?
    /// `ad:XXXXXXXX` or `md5:…`, as Rucio lists it.
    var checksum: String?
    /// Bytes, when known.
    var size: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, path, sha256, checksum, size
    }

    /// An input from a URL or a path.
    init(name: String, url: String? = nil, path: String? = nil, sha256: String? = nil, checksum: String? = nil, size: Int? = nil) {
        self.name = name
        self.url = url
        self.path = path
        self.sha256 = sha256
        self.checksum = checksum
        self.size = size
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        sha256 = try container.decodeIfPresent(String.self, forKey: .sha256)
        checksum = try container.decodeIfPresent(String.self, forKey: .checksum)
        size = try container.decodeIfPresent(Int.self, forKey: .size)
    }
}

/// An output file and how it is compared.
struct CaseOutput: Codable, Sendable, Equatable {
    /// Its path under `/srv` (relative).
    var path: String
    /// The comparison method and its settings.
    var compare: ComparisonSpec

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, compare
    }

    /// An output compared by `compare`.
    init(path: String, compare: ComparisonSpec) {
        self.path = path
        self.compare = compare
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        compare = try container.decode(ComparisonSpec.self, forKey: .compare)
    }
}
