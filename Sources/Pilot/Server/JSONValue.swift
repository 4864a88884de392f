import FoundationEssentials

/// A JSON value of any shape.
///
/// PanDA's replies and job descriptions mix types field by field (the v1 API sends `PandaID` as a
/// number, the legacy urlencoded one as text), and the v1 API checks the *types* of what it is
/// sent, so integers stay integers here: a number becomes `.double` only when it has a fraction.
enum JSONValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Parses JSON text; nil when it is not JSON.
    static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Compact JSON, keys sorted (so bodies and files are reproducible), `/` not escaped.
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of strings, numbers and containers cannot fail, except for a
        // non-finite double, which JSON cannot hold: it is written as null.
        guard let data = try? encoder.encode(self.finite) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The same value with NaN and infinities replaced by null.
    private var finite: JSONValue {
        switch self {
        case .double(let value) where !value.isFinite: .null
        case .array(let values): .array(values.map(\.finite))
        case .object(let values): .object(values.mapValues(\.finite))
        default: self
        }
    }

    /// The member `key` of an object; nil for a missing key or a value that is not an object.
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The members, when this is an object.
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements, when this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The value as text: a string as it is, a number or a bool written out (legacy replies carry
    /// every value as text, v1 replies carry numbers); nil for null, arrays and objects.
    var text: String? {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .bool(let value): value ? "True" : "False"
        case .null, .array, .object: nil
        }
    }

    /// The value as an integer: an integer, a whole double, or text holding one (`"42"`, `" 42 "`).
    var integer: Int? {
        switch self {
        case .int(let value): value
        case .double(let value): value == value.rounded() && abs(value) < 9e15 ? Int(value) : nil
        case .string(let value): Int(value.trimmed)
        default: nil
        }
    }

    /// The value as a bool: a bool, or the text `True`/`true`/`1` (the server writes flags as `"True"`).
    var flag: Bool? {
        switch self {
        case .bool(let value): value
        case .int(let value): value != 0
        case .string(let value): ["true", "1", "yes"].contains(value.trimmed.lowercased())
        default: nil
        }
    }
}
