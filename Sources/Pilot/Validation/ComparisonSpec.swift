import FoundationEssentials

/// How one output of a case is compared between two architectures (`compare` in a suite).
///
/// JSON: `{"method": "exact"}`, `{"method": "numeric", "absolute": 1e-12, "relative": 1e-9,
/// "columns": {"3": {"absolute": 0.5}}, "delimiter": ",", "spread_factor": 3}` or
/// `{"method": "histogram", "test": "chi2"|"ks"|"both", "significance": 0.01}`.
enum ComparisonSpec: Codable, Sendable, Equatable {
    /// Byte-identical, or different.
    case exact
    /// Columns of numbers within tolerances; text fields must match exactly.
    case numeric(NumericSpec)
    /// Binned counts compatible under a chi-square and/or Kolmogorov-Smirnov test.
    case histogram(HistogramSpec)

    /// The method's name as the suite writes it.
    var method: String {
        switch self {
        case .exact: "exact"
        case .numeric: "numeric"
        case .histogram: "histogram"
        }
    }

    private enum CodingKeys: String, CodingKey { case method }

    init(from decoder: any Decoder) throws {
        let method = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .method)
        switch method {
        case "exact":
            try StrictKeys.check(decoder, allowed: ["method"])
            self = .exact
        case "numeric": self = .numeric(try NumericSpec(from: decoder))
        case "histogram": self = .histogram(try HistogramSpec(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [CodingKeys.method],
                debugDescription: "unknown method \"\(method)\" (exact, numeric or histogram)"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .exact:
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("exact", forKey: .method)
        case .numeric(let spec): try spec.encode(to: encoder)
        case .histogram(let spec): try spec.encode(to: encoder)
        }
    }
}

/// Absolute and relative tolerances: a pair of values passes when
/// |a - b| ≤ max(absolute, relative × max(|a|, |b|)) (Python's `math.isclose`).
struct Tolerance: Codable, Sendable, Equatable {
    /// The largest difference always accepted.
    var absolute: Double
    /// The largest difference accepted, as a fraction of the larger magnitude.
    var relative: Double

    /// Exact equality unless given.
    init(absolute: Double = 0, relative: Double = 0) {
        self.absolute = absolute
        self.relative = relative
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: ["absolute", "relative"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        absolute = try container.decodeIfPresent(Double.self, forKey: .absolute) ?? 0
        relative = try container.decodeIfPresent(Double.self, forKey: .relative) ?? 0
    }

    /// Whether `a` and `b` agree; NaN agrees only with NaN, an infinity only with itself.
    func accepts(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        if a.isInfinite || b.isInfinite { return false }
        return abs(a - b) <= max(absolute, relative * max(abs(a), abs(b)))
    }
}

/// The numeric method's settings.
struct NumericSpec: Codable, Sendable, Equatable {
    /// The tolerance of every column without its own.
    var tolerance = Tolerance()
    /// Tolerances of single columns, by 1-based column number.
    var columns: [Int: Tolerance] = [:]
    /// The field separator; nil splits at whitespace.
    var delimiter: String?
    /// When above 0 and the reference ran with `--repeat` ≥ 2, a column's absolute tolerance is
    /// at least this many times the largest difference seen between the reference's repeats.
    var spreadFactor: Double = 0

    enum CodingKeys: String, CodingKey {
        case method, absolute, relative, columns, delimiter, spreadFactor = "spread_factor"
    }

    /// Exact equality of every value unless given.
    init(tolerance: Tolerance = Tolerance(), columns: [Int: Tolerance] = [:], delimiter: String? = nil, spreadFactor: Double = 0) {
        self.tolerance = tolerance
        self.columns = columns
        self.delimiter = delimiter
        self.spreadFactor = spreadFactor
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tolerance = Tolerance(
            absolute: try container.decodeIfPresent(Double.self, forKey: .absolute) ?? 0,
            relative: try container.decodeIfPresent(Double.self, forKey: .relative) ?? 0)
        for (key, value) in try container.decodeIfPresent([String: Tolerance].self, forKey: .columns) ?? [:] {
            guard let column = Int(key), column >= 1 else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: container.codingPath + [CodingKeys.columns],
                    debugDescription: "column \"\(key)\" is not a column number (1, 2, ...)"))
            }
            columns[column] = value
        }
        delimiter = try container.decodeIfPresent(String.self, forKey: .delimiter)
        spreadFactor = try container.decodeIfPresent(Double.self, forKey: .spreadFactor) ?? 0
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("numeric", forKey: .method)
        try container.encode(tolerance.absolute, forKey: .absolute)
        try container.encode(tolerance.relative, forKey: .relative)
        if !columns.isEmpty {
            try container.encode(Dictionary(uniqueKeysWithValues: columns.map { (String($0.key), $0.value) }), forKey: .columns)
        }
        try container.encodeIfPresent(delimiter, forKey: .delimiter)
        try container.encode(spreadFactor, forKey: .spreadFactor)
    }

    /// The tolerance for a 1-based column.
    func tolerance(column: Int) -> Tolerance { columns[column] ?? tolerance }
}

/// The histogram method's settings.
struct HistogramSpec: Codable, Sendable, Equatable {
    /// Which tests must pass.
    enum Test: String, Codable, Sendable, Equatable {
        case chi2, ks, both
    }

    /// The tests to run (default both).
    var test: Test = .both
    /// Histograms are compatible when every p-value is at least this.
    var significance: Double = 0.01

    enum CodingKeys: String, CodingKey {
        case method, test, significance
    }

    /// Both tests at 1% unless given.
    init(test: Test = .both, significance: Double = 0.01) {
        self.test = test
        self.significance = significance
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allNames)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        test = try container.decodeIfPresent(Test.self, forKey: .test) ?? .both
        significance = try container.decodeIfPresent(Double.self, forKey: .significance) ?? 0.01
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("histogram", forKey: .method)
        try container.encode(test, forKey: .test)
        try container.encode(significance, forKey: .significance)
    }
}

/// Refuses JSON object keys a type does not know, so a typo in a suite is an error, not a default.
enum StrictKeys {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws `DecodingError.dataCorrupted` naming the first key of the object not in `allowed`.
    static func check(_ decoder: any Decoder, allowed: [String]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "unknown key \"\(unknown)\""))
        }
    }
}

extension CodingKey where Self: CaseIterable {
    /// Every key's JSON name.
    static var allNames: [String] { allCases.map(\.stringValue) }
}

extension NumericSpec.CodingKeys: CaseIterable {}
extension HistogramSpec.CodingKeys: CaseIterable {}
