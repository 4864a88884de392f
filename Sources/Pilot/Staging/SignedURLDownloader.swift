import FoundationEssentials
import Logging

/// What a finished download reports (`pilot stage get --json`).
struct DownloadSummary: Codable, Sendable, Equatable {
    var bytes: Int
    var seconds: Double
    /// Bytes per second over the whole transfer, retries included.
    var rate: Double
    var streams: Int
    var retries: Int
    /// `ad:` + the Adler-32 of the file, always computed.
    var checksum: String
    /// The MD5, when one was asked for.
    @EncodedAsNull var md5: String?
}

/// Downloads one object over a signed URL into a verified file.
///
/// Streams into `<dest>.part`, computing Adler-32 (and MD5 when the catalogue gives one) as the
/// bytes arrive, resumes broken transfers with `Range` + `If-Match`, retries transient failures
/// with backoff, never retries an expired or refused signature, re-downloads once on a checksum
/// mismatch, and only then fsyncs and renames over the destination.
struct SignedURLDownloader {
    var settings: CurlSettings
    var policy = RetryPolicy()
    var logger: Logger

    /// Downloads `url` to `destination`, checked against `checksum` and `size` when given.
    func download(_ url: SignedURL, to destination: String, checksum: FileChecksum?, size: Int?) throws(StagingError) -> DownloadSummary {
        let start = ContinuousClock.now
        let now = Int(Date().timeIntervalSince1970)
        if let left = url.secondsLeft(now: now), left <= 0 {
            throw .expired(url: url.description, detail: "it expired \(-left) s ago, before the transfer started")
        }
        guard let easy = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }
        let part = try PartFile(destination: destination)
        var state = TransferState(md5: { if case .md5 = checksum { true } else { false } }())
        var retries = 0
        var fullRetryUsed = false

        while true {
            let outcome = try attempt(easy, url, part, &state)
            switch outcome {
            case .complete:
                if let size, state.have != size {
                    throw .sizeMismatch(url: url.description, expected: size, actual: state.have)
                }
                let actual = FileChecksum.adler32(state.sums.adler32Hex)
                let md5 = state.sums.finishMD5()
                let got: FileChecksum? = switch checksum {
                case .adler32: actual
                case .md5: md5.map(FileChecksum.md5)
                case nil: nil
                }
                if let checksum, got != checksum {
                    guard !fullRetryUsed else {
                        throw .checksumMismatch(url: url.description, expected: "\(checksum)", actual: got.map { "\($0)" } ?? "none")
                    }
                    logger.warning("checksum mismatch, downloading again", metadata: ["url": "\(url)", "expected": "\(checksum)", "actual": "\(got.map { "\($0)" } ?? "")"])
                    fullRetryUsed = true
                    retries += 1
                    try restart(part, &state)
                    continue
                }
                try part.commit()
                let seconds = Self.seconds(ContinuousClock.now - start)
                return DownloadSummary(
                    bytes: state.have, seconds: seconds, rate: seconds > 0 ? Double(state.have) / seconds : 0,
                    streams: 1, retries: retries, checksum: "\(actual)", md5: md5)
            case .restart(let why):
                logger.notice("restarting download from 0", metadata: ["url": "\(url)", "why": "\(why)"])
                retries += 1
                try restart(part, &state)
            case .retry(let why, let retryAfter):
                retries += 1
                guard retries < policy.attempts else {
                    throw .transfer(url: url.description, attempts: retries, last: why)
                }
                let wait = policy.delay(beforeAttempt: retries + 1, retryAfter: retryAfter)
                logger.notice("transfer interrupted, retrying", metadata: [
                    "url": "\(url)", "why": "\(why)", "have": "\(state.have)", "wait_s": "\(wait)",
                ])
                RetryPolicy.sleep(seconds: wait)
            }
        }
    }

    private func restart(_ part: PartFile, _ state: inout TransferState) throws(StagingError) {
        try part.truncate(to: 0)
        state = TransferState(md5: state.wantsMD5)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
