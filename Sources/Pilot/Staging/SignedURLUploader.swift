#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// What a finished upload reports (`pilot stage put --json`), the output file report's facts.
struct UploadSummary: Codable, Sendable, Equatable {
    var bytes: Int
    var seconds: Double
    /// Bytes per second over the whole upload, retries included.
    var rate: Double
    var retries: Int
    /// `ad:` + the Adler-32 of what was sent, computed while reading.
    var checksum: String
    /// The ETag the store answered with (for S3 a single PUT's ETag is the MD5).
    @EncodedAsNull var etag: String?
}

/// Uploads one file with a PUT to a presigned URL, streaming it from disk.
///
/// Content-Length is the file's size; the Adler-32 for the output report is computed as the bytes
/// are read, with no second pass. A failed attempt is retried whole (a truncated PUT leaves the
/// old object untouched); an expired or refused signature is not retried.
struct SignedURLUploader: Sendable {
    var settings: CurlSettings
    var policy = RetryPolicy()
    var logger: Logger

    /// Uploads `path` to `url`.
    func upload(_ path: String, to url: SignedURL) throws(StagingError) -> UploadSummary {
        let start = ContinuousClock.now
        try url.checkNotExpired(now: Int(Date().timeIntervalSince1970))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .invalidRequest("cannot read \(SystemCallError.last("open", path: path))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .invalidRequest("cannot read \(SystemCallError.last("fstat", path: path))") }
        let size = Int(info.st_size)
        guard let easy = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }

        var failures = 0
        while true {
            var sums = StreamingChecksums(md5: false)
            var offset = 0
            var readError: Int32?
            let (response, body) = easy.put(CurlEasy.Request(url: url.url, settings: settings), size: size) { buffer in
                let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
                guard n >= 0 else {
                    readError = errno
                    return nil
                }
                sums.update(UnsafeRawBufferPointer(rebasing: buffer.prefix(n)))
                offset += n
                return n
            }
            if let readError {
                throw .invalidRequest("cannot read \(SystemCallError(call: "pread", path: path, errno: readError))")
            }
            let status = response.status
            let why: String
            switch status {
            case 200...299 where response.code == 0 && offset == size:
                let seconds = SignedURLDownloader.seconds(ContinuousClock.now - start)
                return UploadSummary(
                    bytes: size, seconds: seconds, rate: seconds > 0 ? Double(size) / seconds : 0, retries: failures,
                    checksum: "ad:\(sums.adler32Hex)", etag: response.headers["etag"].map { $0.filter { $0 != "\"" } })
            case 400, 403:
                throw SignedURLDownloader.refusal(status: status, body: body, url: url.description)
            case 404:
                throw .notFound(url: url.description)
            case _ where RetryPolicy.isTLSVerification(curlCode: response.code):
                throw .tls(url: url.description, message: response.message)
            case _ where response.code != 0:
                guard RetryPolicy.isRetryable(curlCode: response.code) else {
                    throw .transfer(url: url.description, attempts: failures + 1, last: response.message)
                }
                why = response.message
            case let code where RetryPolicy.isRetryable(status: code):
                why = "HTTP \(code)"
            default:
                throw .transfer(url: url.description, attempts: failures + 1, last: "HTTP \(status)")
            }
            failures += 1
            guard failures < policy.attempts else {
                throw .transfer(url: url.description, attempts: failures, last: why)
            }
            let wait = policy.delay(beforeAttempt: failures + 1, retryAfter: response.headers["retry-after"])
            logger.notice("upload interrupted, retrying", metadata: ["url": "\(url)", "why": "\(why)", "wait_s": "\(wait)"])
            RetryPolicy.sleep(seconds: wait)
        }
    }
}
