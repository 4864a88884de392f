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
    /// The ETag the store answered with (for S3 a single PUT's ETag is the MD5; a multipart
    /// upload's is `md5(concat(part md5s))-N`).
    @EncodedAsNull var etag: String?
    /// How many parts a multipart upload sent; absent (not in the JSON) for a single PUT.
    var parts: Int? = nil
}

/// Uploads one file with a PUT to a presigned URL, streaming it from disk.
///
/// Content-Length is the file's size; the Adler-32 for the output report is computed as the bytes
/// are read, with no second pass. A failed attempt is retried whole (a truncated PUT leaves the
/// old object untouched); an expired or refused signature is not retried. To a store that checks
/// it (S3), the body's MD5 goes along as `Content-MD5`, computed before the upload
/// (SignedURLUploader+ContentMD5.swift).
///
/// `upload(_:parts:streams:)` does an S3 multipart upload with presigned part URLs
/// (SignedURLUploader+Multipart.swift).
struct SignedURLUploader: Sendable {
    var settings: CurlSettings
    var policy = RetryPolicy()
    var logger: Logger
    /// Tests only: sent as `Content-MD5` instead of the computed digest, to make the store answer
    /// `BadDigest` (`PILOT_TEST_CONTENT_MD5`).
    var contentMD5Override: String?
    /// The slowest rate (bytes/s) to plan for: when set, a file that cannot be sent at this rate
    /// before the signature expires is refused before a byte goes out (for multipart, the whole
    /// file against the completion URL, the last one used). Off by default, as for downloads.
    var minimumRate: Double?
    /// Why the upload must stop now (a signal to `pilot stage put`), checked between reads; nil
    /// while it may go on. A multipart upload so stopped is aborted through its manifest's URL.
    var interruption: (@Sendable () -> String?)?

    /// `interruption` as a yes/no check, for the waits and transfers it cuts short.
    var isInterrupted: (@Sendable () -> Bool)? {
        guard let interruption else { return nil }
        return { interruption() != nil }
    }

    /// Uploads `path` to `url`.
    func upload(_ path: String, to url: SignedURL) throws(StagingError) -> UploadSummary {
        let start = ContinuousClock.now
        try url.checkNotExpired(now: Int(Date().timeIntervalSince1970))
        let file = try OpenedFile(path)
        defer { close(file.fd) }
        if let minimumRate { try url.checkTime(for: file.size, minimumRate: minimumRate, now: Int(Date().timeIntervalSince1970)) }
        guard let easy = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }
        var sums = StreamingChecksums(md5: false)
        var retries = 0
        let response = try put(file, offset: 0, length: file.size, to: url, easy: easy, sums: &sums, retries: &retries,
                               isCancelled: isInterrupted)
        let seconds = SignedURLDownloader.seconds(ContinuousClock.now - start)
        return UploadSummary(
            bytes: file.size, seconds: seconds, rate: seconds > 0 ? Double(file.size) / seconds : 0, retries: retries,
            checksum: "ad:\(sums.adler32Hex)", etag: response.headers["etag"].map { $0.filter { $0 != "\"" } })
    }

    /// A file open for reading, and its size.
    struct OpenedFile {
        let path: String
        let fd: Int32
        let size: Int

        init(_ path: String) throws(StagingError) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .invalidRequest("cannot read \(SystemCallError.last("open", path: path))") }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let error = SystemCallError.last("fstat", path: path)
                close(fd)
                throw .invalidRequest("cannot read \(error)")
            }
            self.path = path
            self.fd = fd
            self.size = Int(info.st_size)
        }
    }

    /// PUTs bytes `[offset, offset + length)` of `file` to `url`, read with pread and added to
    /// `sums` as they go; returns the 2xx response. A failed attempt is retried whole (the sums
    /// restart from where they were), up to the policy's attempts; `retries` counts them.
    ///
    /// Where the store checks it, `Content-MD5` is sent, computed here first; a `400 BadDigest`
    /// gets one more attempt with the digest computed again, then is an integrity failure.
    /// `isCancelled` stops the upload between reads.
    func put(_ file: OpenedFile, offset: Int, length: Int, to url: SignedURL, easy: CurlEasy,
             sums: inout StreamingChecksums, retries: inout Int,
             isCancelled: (@Sendable () -> Bool)? = nil) throws(StagingError) -> CurlEasy.Response {
        var failures = 0
        var digestRejected = false
        var digest = try Self.sendsContentMD5(url) ? Self.md5(of: file, offset: offset, length: length) : nil
        while true {
            var attempt = sums
            var sent = 0
            var readError: Int32?
            let headers = digest.map { ["Content-MD5: \(contentMD5Override ?? Self.base64($0))"] } ?? []
            let request = CurlEasy.Request(url: url.url, headers: headers, settings: settings, isCancelled: isCancelled)
            let (response, body) = easy.put(request, size: length) { buffer in
                if isCancelled?() ?? false { return nil }  // libcurl ends with CURLE_ABORTED_BY_CALLBACK
                let wanted = min(buffer.count, length - sent)
                guard wanted > 0 else { return 0 }
                let n = pread(file.fd, buffer.baseAddress, wanted, off_t(offset + sent))
                guard n >= 0 else {
                    readError = errno
                    return nil
                }
                attempt.update(UnsafeRawBufferPointer(rebasing: buffer.prefix(n)))
                sent += n
                return n
            }
            if let readError {
                throw .invalidRequest("cannot read \(SystemCallError(call: "pread", path: file.path, errno: readError))")
            }
            if response.wasCancelled {
                if let reason = interruption?() { throw .interrupted(what: "upload to \(url)", reason: reason) }
                throw .transfer(url: url.description, attempts: failures + 1, last: "cancelled: another part failed")
            }
            let status = response.status
            let why: String
            switch status {
            case 200...299 where response.code == 0 && sent == length:
                sums = attempt
                return response
            case 400 where SignedURLDownloader.xmlValue("Code", in: body) == "BadDigest":
                let detail = "the store answered 400 BadDigest: the MD5 of what it received is not the Content-MD5 sent"
                guard !digestRejected else { throw .uploadCorrupted(url: url.description, detail: detail) }
                digestRejected = true
                retries += 1
                logger.warning("upload corrupted on the way, sending it again", metadata: ["url": "\(url)", "why": "\(detail)"])
                digest = try Self.md5(of: file, offset: offset, length: length)
                continue
            case 400, 403:
                throw SignedURLDownloader.refusal(status: status, body: body, url: url.description)
            default:
                why = try Self.retryReason(response, url: url, attempt: failures + 1)
            }
            try backOff("upload interrupted, retrying", why: why, response: response, url: url, failures: &failures, retries: &retries)
        }
    }

    /// Why a failed request is worth another attempt; throws what no attempt can fix: 404, an
    /// untrusted certificate, a permanent libcurl error or HTTP status.
    static func retryReason(_ response: CurlEasy.Response, url: SignedURL, attempt: Int) throws(StagingError) -> String {
        if response.status == 404 { throw .notFound(url: url.description) }
        if RetryPolicy.isTLSVerification(curlCode: response.code) {
            throw .tls(url: url.description, message: response.message)
        }
        if response.code != 0 {
            guard RetryPolicy.isRetryable(curlCode: response.code) else {
                throw .transfer(url: url.description, attempts: attempt, last: response.message)
            }
            return response.message
        }
        guard RetryPolicy.isRetryable(status: response.status) else {
            throw .transfer(url: url.description, attempts: attempt, last: "HTTP \(response.status)")
        }
        return "HTTP \(response.status)"
    }

    /// Counts a failure and waits before the next attempt (`Retry-After` first); throws when the
    /// attempts are used up.
    func backOff(_ message: Logger.Message, why: String, response: CurlEasy.Response, url: SignedURL,
                 failures: inout Int, retries: inout Int) throws(StagingError) {
        failures += 1
        guard failures < policy.attempts else {
            throw .transfer(url: url.description, attempts: failures, last: why)
        }
        retries += 1
        let wait = policy.delay(beforeAttempt: failures + 1, retryAfter: response.headers["retry-after"])
        logger.notice(message, metadata: ["url": "\(url)", "why": "\(why)", "wait_s": "\(wait)"])
        RetryPolicy.sleep(seconds: wait, unless: isInterrupted)
        if let reason = interruption?() { throw .interrupted(what: "upload to \(url)", reason: reason) }
    }
}
