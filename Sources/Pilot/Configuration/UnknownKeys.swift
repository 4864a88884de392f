/// Any key of a JSON object, to list them all.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws when the object being decoded holds a key `keys` does not name: a typo in a
    /// configuration file's nested object is an error (exit 78), as at its top level.
    func rejectUnknownKeys<Keys: CodingKey>(_ keys: Keys.Type) throws {
        let names = try container(keyedBy: AnyCodingKey.self).allKeys
        if let unknown = names.first(where: { Keys(stringValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [unknown], debugDescription: "unknown key"))
        }
    }
}
