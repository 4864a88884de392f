/// The operating system as `/etc/os-release` names it.
struct OSRelease: Codable, Equatable, Sendable {
    /// `ID`, e.g. `rocky`, `ubuntu`.
    @EncodedAsNull var id: String?
    /// `VERSION_ID`, e.g. `9.2`.
    @EncodedAsNull var versionID: String?
    /// `PRETTY_NAME`, for people.
    @EncodedAsNull var prettyName: String?
    /// `ID_LIKE`, split: e.g. `["rhel", "centos", "fedora"]`.
    var idLike: [String]

    enum CodingKeys: String, CodingKey {
        case id
        case versionID = "version_id"
        case prettyName = "pretty_name"
        case idLike = "id_like"
    }

    /// Reads the shell-like `KEY=value` lines; quotes and backslash escapes are removed.
    static func parse(_ text: String) -> OSRelease {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmed
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            values[String(trimmed[..<eq])] = unquote(trimmed[trimmed.index(after: eq)...])
        }
        return OSRelease(
            id: values["ID"], versionID: values["VERSION_ID"], prettyName: values["PRETTY_NAME"],
            idLike: values["ID_LIKE"]?.split(separator: " ").map(String.init) ?? []
        )
    }

    private static func unquote(_ raw: Substring) -> String {
        var value = raw
        if let quote = value.first, quote == "\"" || quote == "'", value.count >= 2, value.last == quote {
            value = value.dropFirst().dropLast()
        }
        var out = ""
        var escaped = false
        for c in value {
            if escaped || c != "\\" { out.append(c); escaped = false } else { escaped = true }
        }
        return out
    }
}
