/// The node's CPU benchmark per core, which APEL needs in every record (ServiceLevelType and
/// ServiceLevel): without it the server refuses the record (`ScalingFactorUnit custom not valid`).
///
/// Written `TYPE:VALUE`, e.g. `HEPscore23:10.5` (flag `--benchmark`, `PILOT_BENCHMARK`, or
/// `accounting.benchmark` in the configuration file). The value is kept in thousandths, exactly
/// as the server's DECIMAL(10,3) column holds it, so records group and compare without floating
/// point.
struct APELBenchmark: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The benchmark's unit.
    enum Kind: String, Codable, Sendable, CaseIterable {
        /// HEPscore23, the current WLCG benchmark.
        case hepscore23 = "HEPscore23"
        /// HEP-SPEC06 (HS06); APEL's name for it is HEPSPEC.
        case hepspec = "HEPSPEC"
    }

    /// Why a benchmark could not be read.
    struct ParseError: Error, CustomStringConvertible, Equatable {
        /// The text as given.
        var text: String
        /// What is wrong with it.
        var reason: String

        var description: String { "invalid benchmark \"\(text)\": \(reason)" }
    }

    /// The unit.
    var kind: Kind
    /// The per-core score in thousandths (15.2 is 15200).
    var thousandths: Int64

    /// The largest value DECIMAL(10,3) holds, in thousandths.
    static let maximumThousandths: Int64 = 9_999_999_999

    /// A benchmark from a unit and a value in thousandths.
    init(kind: Kind, thousandths: Int64) {
        self.kind = kind
        self.thousandths = thousandths
    }

    /// Reads `TYPE:VALUE`: TYPE is HEPscore23 or HEPSPEC (any case), VALUE a positive decimal with
    /// at most three decimals.
    init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ParseError(text: text, reason: "expected TYPE:VALUE, e.g. HEPscore23:10.5") }
        let type = parts[0].trimmed.lowercased()
        guard let kind = Kind.allCases.first(where: { $0.rawValue.lowercased() == type }) else {
            let hint = switch type {
            case "hs06", "hepspec06": "APEL calls HS06 HEPSPEC"
            case "si2k": "si2k is the old unit: give HEPSPEC (si2k / 250)"
            default: "the type must be HEPscore23 or HEPSPEC"
            }
            throw ParseError(text: text, reason: hint)
        }
        guard let value = Self.thousandths(parts[1].trimmed) else {
            throw ParseError(text: text, reason: "the value must be a decimal number with at most 3 decimals")
        }
        guard value > 0, value <= Self.maximumThousandths else {
            throw ParseError(text: text, reason: "the value must be above 0 and below 10000000")
        }
        self.init(kind: kind, thousandths: value)
    }

    /// The value as APEL's ServiceLevel: no exponent, no trailing zeros (`15.2`, `10`, `0.125`).
    var value: String {
        let whole = thousandths / 1000
        var fraction = String(thousandths % 1000)
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }

    /// `TYPE:VALUE`, the form it is configured in.
    var description: String { "\(kind.rawValue):\(value)" }

    /// `12`, `12.5`, `0.125` in thousandths; nil for anything else (signs, exponents, 4 decimals).
    static func thousandths(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        let digits: (Substring) -> Bool = { $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard !whole.isEmpty, whole.count <= 7, fraction.count <= 3, digits(whole), digits(fraction),
              parts.count == 1 || !fraction.isEmpty,
              let integer = Int64(whole)
        else { return nil }
        var thousandths = integer * 1000
        var scale: Int64 = 100
        for digit in fraction.utf8 {
            thousandths += Int64(digit - 0x30) * scale
            scale /= 10
        }
        return thousandths
    }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
