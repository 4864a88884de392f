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
    /// The HTTP version of the last response (`1.1`, `2`): HTTP/2 is negotiated over TLS.
    @EncodedAsNull var httpVersion: String?

    enum CodingKeys: String, CodingKey {
        case bytes, seconds, rate, streams, retries, checksum, md5
        case httpVersion = "http_version"
    }
}

/// Downloads one object over a signed URL into a verified file.
///
/// Streams into `<dest>.part`, computing Adler-32 (and MD5 when the catalogue gives one) as the
/// bytes arrive, resumes broken transfers with `Range` + `If-Match`, retries transient failures
/// with backoff, never retries an expired or refused signature, re-downloads once on a checksum
/// mismatch, and only then fsyncs and renames over the destination.
struct SignedURLDownloader: Sendable {
    var settings: CurlSettings
    var policy = RetryPolicy()
    var logger: Logger
    /// Drawn on a terminal; nil otherwise.
    var progress: TransferProgress?
    /// The slowest rate (bytes/s) to plan for: when set, a file whose size cannot arrive at this
    /// rate before the signature expires is refused before it starts. Off by default: stores
    /// check a signature when a request starts, so a GET begun in time finishes.
    var minimumRate: Double?
    /// Set by parallel streams: true once a sibling failed and this stream should stop.
    var isCancelled: (@Sendable () -> Bool)?
    /// Asked for a fresh URL when the signature has expired (before the start, before a retry, or
    /// as the server says), e.g. from Rucio; nil (or a nil answer): the expiry ends the transfer.
    /// The transfer goes on from where it was, in the same part file (`Range`, `If-Match`).
    var refreshURL: (@Sendable (_ expired: SignedURL) -> SignedURL?)?

    /// Fresh URLs one stream asks for at most: a store that refuses each new one is not
    /// refusing for its age.
    static let maximumRefreshes = 3

    /// Downloads `url` to `destination`, checked against `checksum` and `size` when given, in
    /// `streams` parallel ranges (default: the URL's `nconnections`, else 1).
    func download(_ url: SignedURL, to destination: String, checksum: FileChecksum?, size: Int?,
                  streams: Int? = nil) throws(StagingError) -> DownloadSummary {
        let start = ContinuousClock.now
        let now = Int(Date().timeIntervalSince1970)
        var url = url
        do throws(StagingError) {
            if let size, let minimumRate {
                try url.checkTime(for: size, minimumRate: minimumRate, now: now)
            } else {
                try url.checkNotExpired(now: now)
            }
        } catch {
            guard case .expired = error, let fresh = refreshURL?(url) else { throw error }
            logger.notice("signed URL expired before the start, using a fresh one", metadata: ["url": "\(fresh)"])
            url = fresh
        }
        let part = try PartFile(destination: destination)
        let wantsMD5 = if case .md5 = checksum { true } else { false }
        var retries = 0
        var fullRetryUsed = false
        var parallel = max(1, streams ?? url.connections ?? 1)

        while true {
            var file: FileSums
            if parallel > 1, let sums = try downloadRanges(url, part, streams: parallel, md5: wantsMD5, retries: &retries) {
                file = sums
            } else {
                parallel = 1
                file = try downloadWhole(url, part, md5: wantsMD5, retries: &retries)
            }
            if let size, file.bytes != size {
                throw .sizeMismatch(url: url.description, expected: size, actual: file.bytes)
            }
            let got: FileChecksum? = switch checksum {
            case .adler32: .adler32(file.adler32)
            case .md5: file.md5.map(FileChecksum.md5)
            case nil: nil
            }
            if let checksum, got != checksum {
                guard !fullRetryUsed else {
                    throw .checksumMismatch(url: url.description, expected: "\(checksum)", actual: got.map { "\($0)" } ?? "none")
                }
                logger.warning("checksum mismatch, downloading again", metadata: [
                    "url": "\(url)", "expected": "\(checksum)", "actual": "\(got.map { "\($0)" } ?? "")",
                ])
                fullRetryUsed = true
                retries += 1
                progress?.add(-file.bytes)
                try part.truncate(to: 0)
                continue
            }
            try part.commit()
            let seconds = Self.seconds(ContinuousClock.now - start)
            return DownloadSummary(
                bytes: file.bytes, seconds: seconds, rate: seconds > 0 ? Double(file.bytes) / seconds : 0,
                streams: parallel, retries: retries, checksum: "ad:\(file.adler32)", md5: file.md5,
                httpVersion: file.httpVersion)
        }
    }

    /// A whole file's size and sums.
    struct FileSums {
        var bytes: Int
        var adler32: String
        var md5: String?
        var httpVersion: String?
    }

    /// One stream from byte 0 to the end, resumed and restarted as needed.
    private func downloadWhole(_ url: SignedURL, _ part: PartFile, md5: Bool, retries: inout Int) throws(StagingError) -> FileSums {
        guard let easy = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }
        var state = TransferState(md5: md5)
        try part.truncate(to: 0)
        _ = try transfer(easy, url, part, &state, retries: &retries)
        return FileSums(bytes: state.have, adler32: state.sums.adler32Hex, md5: state.sums.finishMD5(),
                        httpVersion: state.httpVersion)
    }

    /// Runs attempts until the stream is complete; returns false when ranges turned out unusable.
    func transfer(_ easy: CurlEasy, _ url: SignedURL, _ part: PartFile, _ state: inout TransferState,
                  retries: inout Int) throws(StagingError) -> Bool {
        var failures = 0  // in a row, without progress
        var total = 0
        var lastPosition = state.have
        var url = url
        var refreshes = 0
        /// A fresh URL in place of an expired one, when one can be had.
        func refreshed() -> SignedURL? {
            guard refreshes < Self.maximumRefreshes, let fresh = refreshURL?(url) else { return nil }
            refreshes += 1
            logger.notice("signed URL expired, going on with a fresh one", metadata: [
                "url": "\(fresh)", "at": "\(state.offset + state.have)", "refresh": "\(refreshes)",
            ])
            return fresh
        }
        while true {
            if isCancelled?() ?? false { throw .transfer(url: url.description, attempts: total, last: "cancelled: another stream failed") }
            let outcome: AttemptOutcome
            do throws(StagingError) {
                outcome = try attempt(easy, url, part, &state)
            } catch {
                guard case .expired = error, let fresh = refreshed() else { throw error }
                url = fresh
                continue
            }
            if state.have > lastPosition { failures = 0 }  // a cut transfer that moved on is not a failure streak
            lastPosition = state.have
            switch outcome {
            case .complete:
                return true
            case .rangesUnsupported(let why):
                logger.notice("ranges unusable, one stream instead", metadata: ["url": "\(url)", "why": "\(why)"])
                return false
            case .restart(let why):
                logger.notice("restarting download from 0", metadata: ["url": "\(url)", "why": "\(why)"])
                progress?.add(-state.have)
                retries += 1
                try part.truncate(to: 0)
                state = TransferState(md5: state.wantsMD5)
            case .retry(let why, let retryAfter):
                retries += 1
                failures += 1
                total += 1
                guard failures < policy.attempts, total < policy.attempts * 5 else {
                    throw .transfer(url: url.description, attempts: total, last: why)
                }
                let wait = policy.delay(beforeAttempt: failures + 1, retryAfter: retryAfter)
                // A retry after the signature expired would only be refused.
                if let left = url.secondsLeft(now: Int(Date().timeIntervalSince1970) + Int(wait.rounded(.up))), left <= 0 {
                    guard let fresh = refreshed() else {
                        throw .expired(url: url.description, detail: "it expires before the next attempt (\(why))")
                    }
                    url = fresh
                }
                logger.notice("transfer interrupted, retrying", metadata: [
                    "url": "\(url)", "why": "\(why)", "at": "\(state.offset + state.have)", "wait_s": "\(wait)",
                ])
                RetryPolicy.sleep(seconds: wait)
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
