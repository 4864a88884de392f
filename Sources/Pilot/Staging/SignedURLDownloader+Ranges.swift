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
        let results = Mutex<[Int: (UInt, Int)]>([:])
        // The first thing that went wrong: ranges unusable (nil error) or a failure; it stops the rest.
        let firstProblem = Mutex<(StagingError?, Bool)?>(nil)
        let retryTotal = Mutex(0)
        let etag = state.etag
        var streamDownloader = self
        streamDownloader.isCancelled = { firstProblem.withLock { $0 != nil } }
        let downloader = streamDownloader
        TransferThreads.run(count) { index in
            var stream = TransferState(md5: false, offset: ranges[index].0, end: ranges[index].1, etag: etag)
            var streamRetries = 0
            defer { retryTotal.withLock { $0 += streamRetries } }
            guard let easy = CurlEasy() else {
                firstProblem.withLock { $0 = $0 ?? (.invalidRequest("libcurl could not allocate a handle"), false) }
                return
            }
            do throws(StagingError) {
                if try downloader.transfer(easy, url, part, &stream, retries: &streamRetries) {
                    results.withLock { $0[index] = (stream.sums.adler, stream.have) }
                } else {
                    firstProblem.withLock { $0 = $0 ?? (nil, true) }
                }
            } catch {
                firstProblem.withLock { $0 = $0 ?? (error, false) }
            }
        }
        retries += retryTotal.withLock { $0 }
        if let (error, unusable) = firstProblem.withLock({ $0 }) {
            if unusable {
                progress?.add(-results.withLock { $0.values.reduce(0) { $0 + $1.1 } })
                return nil
            }
            if let error { throw error }
        }

        var pieces: [(adler: UInt, length: Int)] = []
        let collected = results.withLock { $0 }
        for index in 0..<count {
            guard let (sum, length) = collected[index] else { throw .invalidRequest("stream \(index) did not report") }
            pieces.append((sum, length))
        }
        return FileSums(bytes: pieces.reduce(0) { $0 + $1.length }, adler32: StreamingChecksums.joinedAdler32Hex(pieces),
                        md5: md5 ? try part.readBackMD5() : nil, httpVersion: state.httpVersion)
    }
}
