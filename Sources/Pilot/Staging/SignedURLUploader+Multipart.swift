#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// What a service holding the store's credentials hands out for an S3 multipart upload: the
/// upload already created, one presigned `upload_part` URL per part (part `i + 1` is `parts[i]`)
/// and a presigned `complete_multipart_upload` POST.
///
/// ```json
/// {"part_size": 5242880, "parts": ["https://…&partNumber=1&uploadId=…", …], "complete": "https://…?uploadId=…"}
/// ```
struct MultipartManifest: Codable, Sendable, Equatable {
    var partSize: Int
    var parts: [String]
    var complete: String

    enum CodingKeys: String, CodingKey {
        case partSize = "part_size"
        case parts
        case complete
    }

    /// S3's smallest part but the last (5 MiB) and largest part (5 GiB); at most 10,000 parts.
    static let minimumPartSize = 5 << 20
    static let maximumPartSize = 5 << 30
    static let maximumParts = 10_000

    /// Reads and decodes the manifest at `path`.
    static func load(_ path: String) throws(StagingError) -> MultipartManifest {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .invalidRequest("cannot read the parts manifest \(SystemCallError.last("open", path: path))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .invalidRequest("cannot read the parts manifest \(SystemCallError.last("read", path: path))")
            }
            if n == 0 { break }
            bytes += chunk[..<n]
            guard bytes.count <= 64 << 20 else { throw .invalidRequest("the parts manifest \(path) is over 64 MiB") }
        }
        do {
            return try JSONDecoder().decode(MultipartManifest.self, from: Data(bytes))
        } catch {
            throw .invalidRequest(
                "the parts manifest \(path) is not {\"part_size\": N, \"parts\": [\"url\", …], \"complete\": \"url\"}: \(error)")
        }
    }

    /// Checks the manifest against a file of `size` bytes: the part count must be
    /// ceil(size / part_size) (one part for an empty file) and parts within S3's limits.
    func validate(size: Int) throws(StagingError) {
        guard partSize > 0 else { throw .invalidRequest("parts manifest: part_size must be positive, not \(partSize)") }
        let expected = max(1, (size + partSize - 1) / partSize)
        guard parts.count == expected else {
            throw .invalidRequest(
                "parts manifest: \(parts.count) part URLs, but a file of \(size) bytes in parts of \(partSize) bytes needs \(expected)")
        }
        guard parts.count <= Self.maximumParts else {
            throw .invalidRequest("parts manifest: \(parts.count) parts, S3 allows at most \(Self.maximumParts)")
        }
        guard parts.count == 1 || partSize >= Self.minimumPartSize else {
            throw .invalidRequest(
                "parts manifest: part_size \(partSize) is under S3's 5 MiB (\(Self.minimumPartSize) bytes) minimum for all parts but the last")
        }
        guard min(size, partSize) <= Self.maximumPartSize else {
            throw .invalidRequest("parts manifest: part_size \(partSize) is over S3's 5 GiB maximum")
        }
    }
}

extension SignedURLUploader {
    /// Uploads `path` as an S3 multipart upload: part `i + 1` (bytes `[i * part_size,
    /// min(size, (i + 1) * part_size))`) is PUT to `manifest.parts[i]`, streamed with pread, and its
    /// ETag kept; then the `CompleteMultipartUpload` XML is POSTed to `manifest.complete`.
    ///
    /// Parts go one after the other, on one connection: the Adler-32 of the whole file is then
    /// computed in order as the bytes are read, with no second pass, and a failed part is retried
    /// alone (the sums restart from the end of the part before). Every signature's expiry is
    /// checked before the first byte is sent.
    func upload(_ path: String, parts manifest: MultipartManifest) throws(StagingError) -> UploadSummary {
        let start = ContinuousClock.now
        let file = try OpenedFile(path)
        defer { close(file.fd) }
        try manifest.validate(size: file.size)
        let partURLs = manifest.parts.map(SignedURL.init)
        let complete = SignedURL(manifest.complete)
        let now = Int(Date().timeIntervalSince1970)
        for url in partURLs { try url.checkNotExpired(now: now) }
        try complete.checkNotExpired(now: now)
        guard let easy = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }

        var sums = StreamingChecksums(md5: false)
        var retries = 0
        var etags: [String] = []
        for (index, url) in partURLs.enumerated() {
            let offset = index * manifest.partSize
            let length = min(file.size - offset, manifest.partSize)
            try url.checkNotExpired(now: Int(Date().timeIntervalSince1970))
            let response = try put(file, offset: offset, length: max(0, length), to: url, easy: easy, sums: &sums, retries: &retries)
            guard let etag = response.headers["etag"], !etag.isEmpty else {
                throw .transfer(url: url.description, attempts: 1, last: "part \(index + 1) was stored but the answer has no ETag")
            }
            etags.append(etag)
            logger.debug("part uploaded", metadata: ["part": "\(index + 1)", "of": "\(partURLs.count)", "bytes": "\(length)"])
        }
        let etag = try completeUpload(complete, etags: etags, easy: easy, retries: &retries)
        let seconds = SignedURLDownloader.seconds(ContinuousClock.now - start)
        return UploadSummary(
            bytes: file.size, seconds: seconds, rate: seconds > 0 ? Double(file.size) / seconds : 0, retries: retries,
            checksum: "ad:\(sums.adler32Hex)", etag: etag, parts: etags.count)
    }

    /// The `CompleteMultipartUpload` document: each part's number and its ETag as the store gave it
    /// (quotes included, which S3 expects).
    static func completionXML(etags: [String]) -> String {
        var xml = "<CompleteMultipartUpload>"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(xmlEscaped(etag))</ETag></Part>"
        }
        return xml + "</CompleteMultipartUpload>"
    }

    /// POSTs the completion, retried like a part on transient failures. S3 may answer 200 and
    /// still fail (the error document comes in the body, after the 200 went out): a body with
    /// `<Error>` is a failure, retried when its code is `InternalError` or `SlowDown`.
    /// Returns the final ETag, unquoted.
    private func completeUpload(_ url: SignedURL, etags: [String], easy: CurlEasy, retries: inout Int) throws(StagingError) -> String? {
        let body = Array(Self.completionXML(etags: etags).utf8)
        var failures = 0
        while true {
            try url.checkNotExpired(now: Int(Date().timeIntervalSince1970))
            let (response, answer) = easy.post(
                CurlEasy.Request(url: url.url, headers: ["Content-Type: application/xml"], settings: settings), body: body)
            let status = response.status
            let why: String
            switch status {
            case 200...299 where response.code == 0:
                guard answer.contains("<Error>") else {
                    return SignedURLDownloader.xmlValue("ETag", in: answer).map(Self.unquoted)
                        ?? response.headers["etag"].map(Self.unquoted)
                }
                let code = SignedURLDownloader.xmlValue("Code", in: answer) ?? "unknown"
                let message = SignedURLDownloader.xmlValue("Message", in: answer) ?? ""
                guard code == "InternalError" || code == "SlowDown" else {
                    throw .transfer(url: url.description, attempts: failures + 1,
                                    last: "completion answered 200 with error \(code): \(message)")
                }
                why = "HTTP 200 with error \(code)"
            case 400:
                let code = SignedURLDownloader.xmlValue("Code", in: answer)
                // A document S3 will not assemble (a part too small, a part or ETag it does not have).
                if let code, ["EntityTooSmall", "InvalidPart", "InvalidPartOrder", "MalformedXML", "NoSuchUpload"].contains(code) {
                    let message = SignedURLDownloader.xmlValue("Message", in: answer) ?? ""
                    throw .transfer(url: url.description, attempts: failures + 1, last: "HTTP 400 \(code): \(message)")
                }
                throw SignedURLDownloader.refusal(status: status, body: answer, url: url.description)
            case 403:
                throw SignedURLDownloader.refusal(status: status, body: answer, url: url.description)
            default:
                why = try Self.retryReason(response, url: url, attempt: failures + 1)
            }
            try backOff("completion failed, retrying", why: why, response: response, url: url, failures: &failures, retries: &retries)
        }
    }

    /// `"abc-3"` or `&quot;abc-3&quot;` → `abc-3`.
    static func unquoted(_ etag: String) -> String {
        etag.replacing("&quot;", with: "").replacing("&#34;", with: "").filter { $0 != "\"" }
    }

    private static func xmlEscaped(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;")
            .replacing(">", with: "&gt;")
    }
}
