import CCrypto

/// An incremental MD5 over OpenSSL's EVP interface; owns its `EVP_MD_CTX`.
///
/// MD5 is Rucio's second checksum and S3's `Content-MD5`; at ~0.8 GB/s it is slower than a
/// loopback download, so callers compute it only when it is asked for.
final class MD5Digest {
    private let context: OpaquePointer

    /// A fresh digest.
    init() {
        // EVP_MD_CTX_new only fails when memory is exhausted.
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, EVP_md5(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds bytes.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The digest as 32 lowercase hex digits; the digest cannot be updated afterwards.
    func finish() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
