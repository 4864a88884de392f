/// A job description's fields exactly as the server (or Harvester) sent them, read with the types
/// the pilot needs.
///
/// The same field comes as a number from the v1 API and as text from the legacy one, so every
/// reader accepts both; `NULL`, `None` and the empty string are the server's spellings of
/// nothing. Readers that can fail name the field in their error.
struct JobFields: Sendable, Equatable {
    /// Every field as received: `secrets` and `pilotSecrets` are among them, so never log this.
    var values: [String: JSONValue]

    /// Wraps the fields of one job.
    init(_ values: [String: JSONValue]) {
        self.values = values
    }

    /// Fields from the legacy urlencoded form, every value text.
    init(form: [(name: String, value: String)]) {
        var values: [String: JSONValue] = [:]
        for (name, value) in form { values[name] = .string(value) }
        self.values = values
    }

    /// Whether a text means "no value".
    static func isNothing(_ text: String) -> Bool {
        let trimmed = text.trimmed
        return trimmed.isEmpty || trimmed == "NULL" || trimmed == "None" || trimmed == "null"
    }

    /// The field as text; nil when absent, null or nothing.
    func string(_ key: String) -> String? {
        guard let text = values[key]?.text, !Self.isNothing(text) else { return nil }
        return text
    }

    /// The field as text, which must be there.
    func requiredString(_ key: String) throws(JobDescriptionError) -> String {
        guard let text = string(key) else { throw .missingField(key) }
        return text
    }

    /// The field as an integer; nil when absent or nothing; an error when it is something else.
    func int(_ key: String) throws(JobDescriptionError) -> Int? {
        guard let value = values[key], value != .null, !(value.text.map(Self.isNothing) ?? false) else { return nil }
        guard let number = value.integer else {
            throw .invalidField(field: key, value: value.text ?? value.jsonText, expected: "an integer")
        }
        return number
    }

    /// The field as an integer, which must be there.
    func requiredInt(_ key: String) throws(JobDescriptionError) -> Int {
        guard let number = try int(key) else { throw .missingField(key) }
        return number
    }

    /// The field as a flag (`True`, `"True"`, `1`); false when absent.
    func flag(_ key: String) -> Bool {
        values[key]?.flag ?? false
    }

    /// A comma-separated list; nil when the field is absent or empty. Empty entries are kept
    /// (`"a,,b"` has three), because lists are aligned by position.
    func list(_ key: String) -> [String]? {
        guard let text = values[key]?.text, !text.isEmpty else { return nil }
        return text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
    }

    /// A list that must have `count` entries, like the list named `alignedWith`; nil when absent.
    func list(_ key: String, count: Int, alignedWith: String) throws(JobDescriptionError) -> [String]? {
        guard let items = list(key) else { return nil }
        guard items.count == count else {
            throw .misaligned(field: key, count: items.count, expected: count, alignedWith: alignedWith)
        }
        return items
    }

    /// The PandaID, if it can be read: the loop needs it to report an otherwise invalid job.
    var pandaID: Int? { (try? int("PandaID")) ?? nil }

    /// The attempt number, if it can be read.
    var attemptNr: Int? { (try? int("attemptNr")) ?? nil }
}
