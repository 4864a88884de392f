/// Value conventions shared by every nvidia-smi output format.
enum NvidiaSMIValue {
    /// The values nvidia-smi prints for "no value", with or without brackets.
    private static let missing: Set<String> = [
        "n/a", "not supported", "unknown error", "requested functionality has been deprecated",
        "insufficient permissions", "gpu is lost", "",
    ]

    /// The trimmed value, or nil for `[N/A]`, `[Not Supported]`, `N/A` and the like.
    ///
    /// Any value wholly in square brackets is a placeholder, not data (`[Unknown Error]`,
    /// `[Requested functionality has been deprecated]`), so those are nil too.
    static func clean(_ raw: some StringProtocol) -> String? {
        let value = trim(raw)
        if value.hasPrefix("[") && value.hasSuffix("]") { return nil }
        if missing.contains(value.lowercased()) { return nil }
        return value
    }

    /// Bytes from a memory value in MiB: "81559 MiB", "81559MiB" or "81559" (nounits).
    static func bytes(fromMiB raw: some StringProtocol) -> UInt64? {
        guard var value = clean(raw) else { return nil }
        if value.hasSuffix("MiB") { value = trim(value.dropLast(3)) }
        guard let mib = UInt64(value) else { return nil }
        let (bytes, overflow) = mib.multipliedReportingOverflow(by: 1 << 20)
        return overflow ? nil : bytes
    }

    /// A PCI address as /proc and sysfs write it: 4-digit domain, lowercase ("0000:04:00.0").
    ///
    /// nvidia-smi prints an 8-digit domain ("00000000:04:00.0") and uppercase hex; without the
    /// normalisation the same GPU would not match across sources.
    static func busID(_ raw: some StringProtocol) -> String? {
        guard let value = clean(raw)?.lowercased() else { return nil }
        var parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 { parts.insert("0000", at: 0) }
        guard parts.count == 3, let domain = UInt32(parts[0], radix: 16),
              parts[1].count == 2, UInt8(parts[1], radix: 16) != nil
        else { return nil }
        let slot = parts[2].split(separator: ".")
        guard slot.count == 2, slot[0].count == 2, UInt8(slot[0], radix: 16) != nil,
              slot[1].count == 1, UInt8(slot[1], radix: 16) != nil
        else { return nil }
        let hex = String(domain, radix: 16)
        let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return "\(padded):\(parts[1]):\(parts[2])"
    }

    /// The text without leading and trailing spaces, tabs and carriage returns.
    static func trim(_ raw: some StringProtocol) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = raw.firstIndex(where: { !isSpace($0) }),
              let last = raw.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(raw[first...last])
    }

    /// Splits `key: value` at the first colon and trims both sides; nil when there is no colon.
    static func keyValue(_ line: some StringProtocol) -> (key: String, value: String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (trim(line[..<colon]), trim(line[line.index(after: colon)...]))
    }

    /// The lines of a text, without line terminators; `\r\n` from Windows captures is handled.
    static func lines(_ text: String) -> [Substring] {
        // "\r\n" is a single Character in Swift, so split on every newline character.
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}
