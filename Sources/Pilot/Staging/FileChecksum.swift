import Payload
import CZlib

/// A file checksum as Rucio and PanDA write it: `ad:` + 8 hex digits (Adler-32) or `md5:` + 32.
enum FileChecksum: Equatable, Sendable, CustomStringConvertible {
    /// zlib's Adler-32 (seed 1), 8 lowercase hex digits, zero-padded.
    case adler32(String)
    /// MD5, 32 lowercase hex digits.
    case md5(String)

    /// Why a checksum text was refused.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        case invalid(String)

        var description: String {
            switch self {
            case .invalid(let text): "invalid checksum \"\(text)\": expected ad:XXXXXXXX or md5:<32 hex digits>"
            }
        }
    }

    /// Reads `ad:…`, `adler32:…`, `md5:…`, or a bare value typed by its length (8 or 32), as pilot3 does.
    init(_ text: String) throws(ParseError) {
        let lowered = text.lowercased()
        var kind: String?
        var value = lowered
        if let colon = lowered.firstIndex(of: ":") {
            kind = String(lowered[..<colon])
            value = String(lowered[lowered.index(after: colon)...])
        }
        guard !value.isEmpty, value.allSatisfy(\.isHexDigit) else { throw .invalid(text) }
        switch (kind, value.count) {
        case ("ad", 8), ("adler32", 8), (nil, 8): self = .adler32(value)
        case ("md5", 32), (nil, 32): self = .md5(value)
        default: throw .invalid(text)
        }
    }

    /// `ad:0a1b2c3d` or `md5:…`.
    var description: String {
        switch self {
        case .adler32(let value): "ad:\(value)"
        case .md5(let value): "md5:\(value)"
        }
    }
}

/// Adler-32 and, when asked, MD5 of a byte stream, updated as the bytes arrive.
struct StreamingChecksums {
    private(set) var adler: UInt = 1
    private let md5: Digest?
    /// Bytes seen.
    private(set) var count: Int = 0

    /// Starts both sums; MD5 only when `md5` is true.
    init(md5: Bool) {
        self.md5 = md5 ? Digest(.md5) : nil
    }

    /// Adds a chunk.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        adler = adler32_z(adler, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        md5?.update(bytes)
        count += bytes.count
    }

    /// The Adler-32 as Rucio formats it.
    var adler32Hex: String { Self.adler32Hex(adler) }

    /// An Adler-32 as Rucio formats it: eight lowercase hex digits.
    static func adler32Hex(_ adler: UInt) -> String {
        let hex = String(adler & 0xffff_ffff, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The Adler-32 of pieces read apart (each summed from seed 1: parallel streams or parts),
    /// joined in file order with zlib's `adler32_combine`, formatted as Rucio does.
    static func joinedAdler32Hex(_ pieces: [(adler: UInt, length: Int)]) -> String {
        adler32Hex(pieces.reduce(UInt(1)) { adler32_combine($0, $1.adler, off_t($1.length)) })
    }

    /// The MD5, when it was asked for; finishes the digest.
    func finishMD5() -> String? { md5?.finishHex() }
}
