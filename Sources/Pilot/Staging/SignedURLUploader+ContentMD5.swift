#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Payload

extension SignedURLUploader {
    /// Whether a PUT to `url` carries `Content-MD5`: yes for an S3 SigV4 presigned URL, where the
    /// header is not part of the signature and S3 checks the body against it (400 `BadDigest`).
    ///
    /// Never for SigV2-style signatures (S3 `AWSAccessKeyId`, GCS `GoogleAccessId`): their signed
    /// string includes the Content-MD5 line, signed empty by Rucio, so sending one would break
    /// the signature. Stores that ignore the header (nginx WebDAV) are not sent it either.
    static func sendsContentMD5(_ url: SignedURL) -> Bool {
        let query = url.url.firstIndex(of: "?").map { url.url[url.url.index(after: $0)...] } ?? ""
        let items = SignedURL.items(query)
        return items["x-amz-algorithm"] == "AWS4-HMAC-SHA256" && items["x-amz-signature"] != nil
    }

    /// The MD5 of bytes `[offset, offset + length)` of `file`, read with pread before the upload:
    /// `Content-MD5` goes in the headers, before the first body byte.
    static func md5(of file: OpenedFile, offset: Int, length: Int) throws(StagingError) -> [UInt8] {
        let digest = Digest(.md5)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done = 0
        while done < length {
            let wanted = min(buffer.count, length - done)
            let n = buffer.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, wanted, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .invalidRequest("cannot read \(SystemCallError.last("pread", path: file.path))")
            }
            if n == 0 { throw .invalidRequest("cannot read \(file.path): it shrank while being uploaded") }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            done += n
        }
        return digest.finish()
    }

    /// The `Content-MD5` header value: the digest's 16 bytes in base64.
    static func base64(_ digest: [UInt8]) -> String { Data(digest).base64EncodedString() }
}
