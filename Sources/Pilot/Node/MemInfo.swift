/// The node-wide memory figures of `/proc/meminfo`, in bytes.
struct MemInfo: Equatable, Sendable {
    /// `MemTotal`.
    var total: UInt64
    /// `MemAvailable`, when the kernel reports it (3.14 and later).
    var available: UInt64?
    /// `SwapTotal`.
    var swapTotal: UInt64?

    /// Why meminfo could not be read.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        /// The file has no `MemTotal` line.
        case missingTotal

        var description: String { "no MemTotal line" }
    }

    /// Reads `Key:   value kB` lines.
    static func parse(_ text: String) throws(ParseError) -> MemInfo {
        let fields = KeyValueText.blocks(text).first ?? [:]
        func bytes(_ key: String) -> UInt64? {
            guard let value = fields[key] else { return nil }
            let parts = value.split(separator: " ")
            guard let number = parts.first.flatMap({ UInt64($0) }) else { return nil }
            return parts.count > 1 && parts[1] == "kB" ? number * 1024 : number
        }
        guard let total = bytes("MemTotal") else { throw .missingTotal }
        return MemInfo(total: total, available: bytes("MemAvailable"), swapTotal: bytes("SwapTotal"))
    }
}
