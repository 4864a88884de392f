/// Splits `key : value` text (cpuinfo, lscpu, meminfo, nvidia /proc files) into dictionaries.
enum KeyValueText {
    /// One dictionary per blank-line-separated block; keys and values trimmed, split at the first `:`.
    ///
    /// Later duplicates of a key in one block are ignored, so the first value wins.
    static func blocks(_ text: String) -> [[String: String]] {
        var blocks: [[String: String]] = []
        var current: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else {
                if line.allSatisfy(\.isWhitespace), !current.isEmpty {
                    blocks.append(current)
                    current = [:]
                }
                continue
            }
            let key = line[..<colon].trimmed
            let value = line[line.index(after: colon)...].trimmed
            if !key.isEmpty, current[key] == nil { current[key] = value }
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    var trimmed: String {
        // Most texts have nothing to trim: their ends, seen as bytes, answer at once, without the
        // Unicode tables `isWhitespace` needs (a noticeable part of a short command's start-up).
        if let first = utf8.first, let last = utf8.last, Self.isPlainEnd(first), Self.isPlainEnd(last) { return String(self) }
        return String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// An ASCII byte that is not whitespace (spaces, tabs, line and page breaks).
    private static func isPlainEnd(_ byte: UInt8) -> Bool {
        byte < 0x80 && byte != 0x20 && !(0x09...0x0D).contains(byte)
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmed: String { Substring(self).trimmed }
}
