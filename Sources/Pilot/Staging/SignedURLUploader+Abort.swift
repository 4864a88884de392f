import FoundationEssentials

extension SignedURLUploader {
    /// Sends the presigned `abort_multipart_upload` DELETE after a failed multipart upload, so the
    /// store drops the parts it holds (S3 keeps them, and bills them, until the upload is aborted
    /// or a lifecycle rule expires it). One attempt of at most 15 s, retried once on a transient
    /// failure unless a signal stopped the upload (the pod's grace period is running): the upload
    /// has failed already, and its own error is what the caller reports. The outcome is logged
    /// either way; a store that no longer knows the upload (`NoSuchUpload`) counts as done.
    func abortUpload(_ url: SignedURL, easy: CurlEasy, because failure: StagingError) {
        var last = ""
        var quick = settings
        quick.timeout = 15
        quick.connectTimeout = 5
        var interrupted = false
        if case .interrupted = failure { interrupted = true }
        for attempt in 1...(interrupted ? 1 : 2) {
            if url.isExpired(now: Int(Date().timeIntervalSince1970)) {
                last = "its signature has expired"
                break
            }
            let (response, answer) = easy.delete(CurlEasy.Request(url: url.url, settings: quick))
            let code = SignedURLDownloader.xmlValue("Code", in: answer)
            if response.code == 0, (200...299).contains(response.status) {
                logger.info("multipart upload aborted, the store holds none of its parts",
                            metadata: ["url": "\(url)", "status": "\(response.status)"])
                return
            }
            if response.code == 0, response.status == 404, code == "NoSuchUpload" {
                logger.notice("the store no longer knows the multipart upload (aborted, or completed by an answer that was lost)",
                              metadata: ["url": "\(url)"])
                return
            }
            last = response.code != 0 ? response.message : "HTTP \(response.status)" + (code.map { " \($0)" } ?? "")
            let transient = response.code != 0 || response.status >= 500 || code == "SlowDown"
            guard transient, attempt == 1 else { break }
        }
        logger.warning("multipart upload not aborted; its parts stay in the store until a lifecycle rule drops them",
                       metadata: ["url": "\(url)", "why": "\(last)", "upload_error": "\(failure.description)"])
    }

    /// Says up front when the abort URL will not be usable, without failing the upload for it.
    func warnIfExpired(_ url: SignedURL, now: Int) {
        guard url.isExpired(now: now) else { return }
        logger.warning("the parts manifest's abort URL has expired; a failed upload would leave its parts",
                       metadata: ["url": "\(url)"])
    }
}
