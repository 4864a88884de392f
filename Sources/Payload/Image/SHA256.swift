/// SHA-256 of image blobs, hashed while they are read and decompressed anyway (`Digest`).
struct SHA256 {
    private let digest = Digest(.sha256)

    init() {}

    /// Adds bytes.
    func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }

    /// Adds the bytes of an array.
    func update(_ bytes: [UInt8]) { digest.update(bytes) }

    /// The 32-byte digest; the value is spent afterwards.
    func finish() -> [UInt8] { digest.finish() }

    /// The digest as 64 lowercase hex digits.
    func finishHex() -> String { digest.finishHex() }

    /// The SHA-256 of a byte array, as lowercase hex.
    static func hex(of bytes: [UInt8]) -> String { Digest.hex(of: bytes, .sha256) }
}
