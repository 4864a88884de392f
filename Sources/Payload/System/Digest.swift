import CCrypto

/// An incremental message digest over OpenSSL's EVP interface; owns its `EVP_MD_CTX`.
///
/// SHA-256 checks image blobs against their manifests; MD5 is Rucio's second checksum and S3's
/// `Content-MD5`. libcrypto is in the static binary anyway (TLS), and several times faster than a
/// digest written in Swift.
public final class Digest {
    /// The algorithms the pilot needs.
    public enum Algorithm: Sendable {
        case md5, sha256
    }

    private let context: OpaquePointer

    /// A fresh digest.
    public init(_ algorithm: Algorithm) {
        // EVP_MD_CTX_new only fails when memory is exhausted.
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, algorithm == .md5 ? EVP_md5() : EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds the bytes of an array.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest; it cannot be updated afterwards.
    public func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return Array(digest.prefix(Int(length)))
    }

    /// The digest as lowercase hex digits.
    public func finishHex() -> String { Self.hex(finish()) }

    /// The digest of a byte array, as lowercase hex.
    public static func hex(of bytes: [UInt8], _ algorithm: Algorithm) -> String {
        let digest = Digest(algorithm)
        digest.update(bytes)
        return digest.finishHex()
    }

    /// Bytes as lowercase hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
