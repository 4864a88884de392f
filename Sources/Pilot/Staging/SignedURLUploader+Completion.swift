import FoundationEssentials

extension SignedURLUploader {
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
    func completeUpload(_ url: SignedURL, etags: [String], easy: CurlEasy, retries: inout Int) throws(StagingError) -> String? {
        let body = Array(Self.completionXML(etags: etags).utf8)
        var failures = 0
        while true {
            // Once stopped, nothing is assembled: the caller aborts the upload instead.
            if let reason = interruption?() { throw .interrupted(what: "multipart upload", reason: reason) }
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
