#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

extension SignedURLUploader {
    /// What one uploaded part left behind for the completion and the file's checksum.
    struct UploadedPart: Sendable {
        /// The ETag as the store sent it, quotes included.
        var etag: String
        /// The Adler-32 of the part's bytes alone (seed 1), joined in order afterwards.
        var adler: UInt
        var length: Int
    }

    /// Uploads `path` as an S3 multipart upload: part `i + 1` (bytes `[i * part_size,
    /// min(size, (i + 1) * part_size))`) is PUT to `manifest.parts[i]`, streamed with pread, and its
    /// ETag kept; then the `CompleteMultipartUpload` XML is POSTed to `manifest.complete`.
    ///
    /// `streams` parts go at once, each on a thread and connection of its own, taking the next
    /// part when done (one stream: in order, on one connection). Each part's Adler-32 is computed
    /// as its bytes are read and the file's is joined with `adler32_combine`, so the file is read
    /// once for it whatever the order; memory stays at one libcurl buffer and one MD5 buffer per
    /// stream. A failed part is retried alone; the first part that fails for good stops the
    /// others. Every signature's expiry is checked before the first byte is sent. An upload that
    /// fails after it began is aborted through `manifest.abort` when there is one.
    func upload(_ path: String, parts manifest: MultipartManifest, streams: Int = 1) throws(StagingError) -> UploadSummary {
        let start = ContinuousClock.now
        let file = try OpenedFile(path)
        defer { close(file.fd) }
        try manifest.validate(size: file.size)
        let partURLs = manifest.parts.map(SignedURL.init)
        let complete = SignedURL(manifest.complete)
        let now = Int(Date().timeIntervalSince1970)
        for url in partURLs { try url.checkNotExpired(now: now) }
        try complete.checkNotExpired(now: now)
        if let minimumRate { try complete.checkTime(for: file.size, minimumRate: minimumRate, now: now) }

        guard let easy = CurlEasy() else { throw .invalidRequest("libcurl could not allocate a handle") }
        let abort = manifest.abort.map(SignedURL.init)
        if let abort { warnIfExpired(abort, now: now) }
        let uploaded: (parts: [UploadedPart], retries: Int)
        let etag: String?
        var retries = 0
        do throws(StagingError) {
            uploaded = try uploadParts(file, partURLs, partSize: manifest.partSize, streams: max(1, min(streams, partURLs.count)))
            retries = uploaded.retries
            etag = try completeUpload(complete, etags: uploaded.parts.map(\.etag), easy: easy, retries: &retries)
        } catch {
            if let abort { abortUpload(abort, easy: easy, because: error) }
            throw error
        }
        let seconds = SignedURLDownloader.seconds(ContinuousClock.now - start)
        let adler = StreamingChecksums.joinedAdler32Hex(uploaded.parts.map { ($0.adler, $0.length) })
        return UploadSummary(
            bytes: file.size, seconds: seconds, rate: seconds > 0 ? Double(file.size) / seconds : 0, retries: retries,
            checksum: "ad:" + adler, etag: etag, parts: uploaded.parts.count)
    }

    /// PUTs every part on `streams` threads; returns the parts in order and the retries made.
    private func uploadParts(_ file: OpenedFile, _ urls: [SignedURL], partSize: Int, streams: Int)
        throws(StagingError) -> (parts: [UploadedPart], retries: Int) {
        let next = Mutex(0)
        let done = Mutex<[Int: UploadedPart]>([:])
        let firstError = Mutex<StagingError?>(nil)
        let retryTotal = Mutex(0)
        let interruption = self.interruption
        let stop: @Sendable () -> Bool = {
            if firstError.withLock({ $0 != nil }) { return true }
            guard let reason = interruption?() else { return false }
            firstError.withLock { $0 = $0 ?? .interrupted(what: "multipart upload", reason: reason) }
            return true
        }
        let uploader = self
        TransferThreads.run(streams) { _ in
            guard let easy = CurlEasy() else {
                firstError.withLock { $0 = $0 ?? .invalidRequest("libcurl could not allocate a handle") }
                return
            }
            while !stop() {
                let index = next.withLock { value in
                    defer { value += 1 }
                    return value
                }
                guard index < urls.count else { return }
                var retries = 0
                do throws(StagingError) {
                    let part = try uploader.uploadPart(index, of: urls.count, file, urls[index], partSize: partSize,
                                                       easy: easy, retries: &retries, isCancelled: stop)
                    done.withLock { $0[index] = part }
                } catch {
                    firstError.withLock { $0 = $0 ?? error }
                }
                retryTotal.withLock { $0 += retries }
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        let parts = done.withLock { $0 }
        var ordered: [UploadedPart] = []
        for index in urls.indices {
            guard let part = parts[index] else { throw .invalidRequest("part \(index + 1) did not report") }
            ordered.append(part)
        }
        return (ordered, retryTotal.withLock { $0 })
    }

    /// PUTs part `index + 1`, with its own sums and `Content-MD5` where the store checks it.
    private func uploadPart(_ index: Int, of count: Int, _ file: OpenedFile, _ url: SignedURL, partSize: Int, easy: CurlEasy,
                            retries: inout Int, isCancelled: @escaping @Sendable () -> Bool) throws(StagingError) -> UploadedPart {
        let offset = index * partSize
        let length = max(0, min(file.size - offset, partSize))
        try url.checkNotExpired(now: Int(Date().timeIntervalSince1970))
        var sums = StreamingChecksums(md5: false)
        let response = try put(file, offset: offset, length: length, to: url, easy: easy, sums: &sums, retries: &retries,
                               isCancelled: isCancelled)
        guard let etag = response.headers["etag"], !etag.isEmpty else {
            throw .transfer(url: url.description, attempts: 1, last: "part \(index + 1) was stored but the answer has no ETag")
        }
        logger.debug("part uploaded", metadata: ["part": "\(index + 1)", "of": "\(count)", "bytes": "\(length)"])
        return UploadedPart(etag: etag, adler: sums.adler, length: length)
    }
}
