import FoundationEssentials

/// The JSON form every command prints with `--json`: sorted keys, so output diffs cleanly.
enum JSONOutput {
    /// Encodes a value as pretty-printed JSON with sorted keys.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
