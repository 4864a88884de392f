import CZlib
import Synchronization

extension SignedURLDownloader {
    /// Smallest range worth a stream of its own.
    static let minimumRange = 4 << 20

    /// Downloads the object in `streams` parallel single-range GETs, each on its own thread with
    /// its own connection; nil when the object is too small or the server does not honour ranges
    /// (the caller then uses one stream).
    ///
    /// Each stream sums its own range; the Adler-32s are joined with `adler32_combine`. MD5 cannot
    /// be joined, so when one is wanted the file is read back once.
    func downloadRanges(_ url: SignedURL, _ part: PartFile, streams: Int, md5: Bool, retries: inout Int)
        throws(StagingError) -> FileSums? {
        guard let probe = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }
        // A URL signed for GET refuses HEAD: the size comes from the first byte's Content-Range.
        var state = TransferState(md5: false, offset: 0, end: 0)
        try part.truncate(to: 0)
        guard try transfer(probe, url, part, &state, retries: &retries), let total = state.total else { return nil }
        progress?.add(-state.have)  // the probe's byte is fetched again by the first stream
        let count = min(streams, max(1, total / Self.minimumRange))
        guard count > 1 else { return nil }

        let chunk = (total + count - 1) / count
        let ranges = (0..<count).map { ($0 * chunk, min(total, ($0 + 1) * chunk) - 1) }
        let results = Mutex<[Int: Result<(UInt, Int), StagingError>]>([:])
        let unusable = Mutex(false)
        let retryTotal = Mutex(0)
        let etag = state.etag
        TransferThreads.run(count) { index in
            var stream = TransferState(md5: false, offset: ranges[index].0, end: ranges[index].1, etag: etag)
            var streamRetries = 0
            let outcome: Result<(UInt, Int), StagingError>
            if let easy = CurlEasy() {
                do throws(StagingError) {
                    if try transfer(easy, url, part, &stream, retries: &streamRetries) {
                        outcome = .success((stream.sums.adler, stream.have))
                    } else {
                        unusable.withLock { $0 = true }
                        outcome = .failure(.invalidRequest("ranges unusable"))
                    }
                } catch {
                    outcome = .failure(error)
                }
            } else {
                outcome = .failure(.invalidRequest("libcurl could not allocate a handle"))
            }
            retryTotal.withLock { $0 += streamRetries }
            results.withLock { $0[index] = outcome }
        }
        retries += retryTotal.withLock { $0 }
        if unusable.withLock({ $0 }) { return nil }

        var adler: UInt = 1
        var bytes = 0
        let collected = results.withLock { $0 }
        for index in 0..<count {
            switch collected[index] {
            case .success(let (sum, length)):
                adler = adler32_combine(adler, sum, off_t(length))
                bytes += length
            case .failure(let error):
                throw error
            case nil:
                throw .invalidRequest("stream \(index) did not report")
            }
        }
        let hex = String(adler & 0xffff_ffff, radix: 16)
        return FileSums(bytes: bytes, adler32: String(repeating: "0", count: 8 - hex.count) + hex,
                        md5: md5 ? try part.readBackMD5() : nil)
    }
}
