/// The text rules of an APEL record value: what the builder does to free text from a job, and
/// what the writer refuses.
///
/// ssmsend decodes every message as ASCII and aborts on the first other byte, leaving the
/// message locked (APEL.md §6), so a DN such as `CN=José Müller` must never reach a record. The
/// builder transliterates: Latin letters lose their accents (`é` → `e`, `ß` → `ss`, `Ł` → `L`),
/// combining marks are dropped, and anything else outside ASCII becomes `?`. What the builder
/// cannot repair (a control character, the `%%` record separator, a value too long for the
/// server's column) is refused by `check`, never cut silently.
enum APELText {
    /// The text in ASCII, trimmed: transliterated as described above.
    static func ascii(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                out.unicodeScalars.append(scalar)
            } else if (0x300...0x36F).contains(value) {
                continue  // a combining mark: the letter before it is kept bare
            } else if let replacement = transliteration(value) {
                out += replacement
            } else {
                out += "?"
            }
        }
        return out.trimmed
    }

    /// The ASCII form of a Latin-1 or Latin Extended-A letter; nil for anything else.
    static func transliteration(_ value: UInt32) -> String? {
        switch value {
        case 0xC0...0xFF:
            return latin1[Int(value - 0xC0)]
        case 0x100...0x17F:
            let index = Int(value - 0x100)
            return latinExtendedSpecial[value] ?? String(latinExtendedA[index])
        default:
            return nil
        }
    }

    /// U+00C0 to U+00FF. `×` and `÷` become `?`: `/` would split a DN.
    private static let latin1: [String] = [
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
        "D", "N", "O", "O", "O", "O", "O", "?", "O", "U", "U", "U", "U", "Y", "TH", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", "?", "o", "u", "u", "u", "u", "y", "th", "y",
    ]

    /// U+0100 to U+017F, one letter each, except the ligatures in `latinExtendedSpecial`.
    private static let latinExtendedA = Array(
        "AaAaAaCcCcCcCcDd" + "DdEeEeEeEeEeGgGg" + "GgGgHhHhIiIiIiIi" + "IiIiJjKkkLlLlLlL"
            + "lLlNnNnNnnNnOoOo" + "OoOoRrRrRrSsSsSs" + "SsTtTtTtUuUuUuUu" + "UuUuWwYyYZzZzZzs")

    /// The Latin Extended-A letters that become two.
    private static let latinExtendedSpecial: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x152: "OE", 0x153: "oe",
    ]

    /// Refuses a value the server would reject or misread: non-ASCII, control characters, the
    /// `%%` separator, more than `limit` characters, or (for a mandatory field) a value APEL
    /// reads as NULL.
    static func check(_ field: String, _ value: String, limit: Int, mandatory: Bool = false) throws(APELRecordError) {
        if let scalar = value.unicodeScalars.first(where: { $0.value >= 0x80 }) {
            throw .notASCII(field: field, character: "U+" + String(scalar.value, radix: 16, uppercase: true))
        }
        if value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw .controlCharacter(field: field)
        }
        if value.contains("%%") { throw .containsSeparator(field: field) }
        if value.utf8.count > limit { throw .tooLong(field: field, length: value.utf8.count, limit: limit) }
        if value.trimmed != value { throw .outOfRange(field: field, value: value, reason: "APEL trims surrounding spaces") }
        if mandatory, ["", "none", "null"].contains(value.lowercased()) {
            throw .missingField(field)
        }
    }

    /// Refuses an integer outside 0 ..< 2^31, the range of the server's columns.
    static func check(_ field: String, _ value: Int64) throws(APELRecordError) {
        guard value >= 0 else { throw .outOfRange(field: field, value: String(value), reason: "must not be negative") }
        guard value < 1 << 31 else { throw .outOfRange(field: field, value: String(value), reason: "must be below 2^31") }
    }
}

/// Why a record was refused: it would fail in the APEL server's parser or database, and one bad
/// record sends its whole message to the reject queue (APEL.md §1).
enum APELRecordError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A mandatory field is absent, empty, or reads as NULL (`none`, `null`).
    case missingField(String)
    /// A character outside ASCII, which ssmsend cannot send.
    case notASCII(field: String, character: String)
    /// A newline, tab or other control character, which would end the `Key: value` line.
    case controlCharacter(field: String)
    /// `%%`, the record separator.
    case containsSeparator(field: String)
    /// Longer than the server's column.
    case tooLong(field: String, length: Int, limit: Int)
    /// A number or text outside what the field takes.
    case outOfRange(field: String, value: String, reason: String)
    /// EndTime is before StartTime.
    case endBeforeStart(start: Int64, end: Int64)
    /// EndTime is more than two days ahead of now, which the server refuses.
    case endInFuture(end: Int64, now: Int64)
    /// No benchmark is configured, so ServiceLevelType and ServiceLevel cannot be written.
    case noBenchmark

    var description: String {
        switch self {
        case .missingField(let field): "\(field) is missing or reads as NULL"
        case .notASCII(let field, let character): "\(field) holds \(character), not ASCII"
        case .controlCharacter(let field): "\(field) holds a control character (newline, tab)"
        case .containsSeparator(let field): "\(field) holds \"%%\", APEL's record separator"
        case .tooLong(let field, let length, let limit): "\(field) is \(length) characters, the server's column holds \(limit)"
        case .outOfRange(let field, let value, let reason): "\(field) \(value): \(reason)"
        case .endBeforeStart(let start, let end): "EndTime \(end) is before StartTime \(start)"
        case .endInFuture(let end, let now): "EndTime \(end) is more than two days after now (\(now))"
        case .noBenchmark: "no benchmark configured (--benchmark, PILOT_BENCHMARK): APEL refuses records without ServiceLevel"
        }
    }
}
