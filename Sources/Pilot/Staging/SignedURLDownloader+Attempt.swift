/// What the download has so far: bytes written, their checksums, the object's ETag and size.
struct TransferState {
    /// Bytes in the part file, all of them in `sums`.
    var have = 0
    var sums: StreamingChecksums
    /// The ETag of the object being assembled, sent back as `If-Match` when resuming.
    var etag: String?
    /// The object's full size, from `Content-Range` or `Content-Length`.
    var total: Int?
    let wantsMD5: Bool

    init(md5: Bool) {
        wantsMD5 = md5
        sums = StreamingChecksums(md5: md5)
    }
}

/// How one attempt ended.
enum AttemptOutcome: Equatable {
    /// Every byte is in.
    case complete
    /// Start again from byte 0 (the server ignored the range, or the object changed).
    case restart(String)
    /// A transient failure: try again (resuming) after a pause; `retryAfter` as the server said.
    case retry(String, retryAfter: String?)
}

extension SignedURLDownloader {
    /// One GET, resuming at `state.have`; throws only what no retry can fix.
    func attempt(_ easy: CurlEasy, _ url: SignedURL, _ part: PartFile, _ state: inout TransferState)
        throws(StagingError) -> AttemptOutcome {
        var headers: [String] = []
        let resumingAt = state.have
        if resumingAt > 0 {
            headers.append("Range: bytes=\(resumingAt)-")
            if let etag = state.etag { headers.append("If-Match: \(etag)") }
        }
        var current = state
        var failure: StagingError?
        var status = 0
        var rangeIgnored = false
        var errorBody: [UInt8] = []
        let response = easy.get(
            CurlEasy.Request(url: url.url, headers: headers, settings: settings),
            onResponse: { code, responseHeaders in
                status = code
                guard (200...299).contains(code) else { return }
                if resumingAt > 0 && code == 200 {
                    rangeIgnored = true
                    current = TransferState(md5: current.wantsMD5)
                    do throws(StagingError) { try part.truncate(to: 0) } catch { failure = error }
                }
                current.etag = responseHeaders["etag"] ?? current.etag
                current.total = Self.totalSize(responseHeaders, status: code) ?? current.total
            },
            sink: { bytes in
                guard (200...299).contains(status) else {
                    if errorBody.count < 65536 { errorBody.append(contentsOf: bytes.prefix(65536 - errorBody.count)) }
                    return true
                }
                guard failure == nil else { return false }
                do throws(StagingError) { try part.write(bytes, at: current.have) } catch {
                    failure = error
                    return false
                }
                current.sums.update(bytes)
                current.have += bytes.count
                return true
            })
        state = current
        if let failure { throw failure }
        if status == 0 && response.status != 0 { status = response.status }
        return try judge(url, response, status: status, state: state, resumedAt: resumingAt,
                         rangeIgnored: rangeIgnored, body: String(decoding: errorBody, as: UTF8.self))
    }

    /// Turns a finished request into the next step.
    private func judge(_ url: SignedURL, _ response: CurlEasy.Response, status: Int, state: TransferState,
                       resumedAt: Int, rangeIgnored: Bool, body: String) throws(StagingError) -> AttemptOutcome {
        if RetryPolicy.isTLSVerification(curlCode: response.code) {
            throw .tls(url: url.description, message: response.message)
        }
        switch status {
        case 200...299 where response.code == 0:
            if let total = state.total, state.have < total {
                return .retry("short body: \(state.have) of \(total) bytes", retryAfter: nil)
            }
            return .complete
        case 200...299:
            guard RetryPolicy.isRetryable(curlCode: response.code) else {
                throw .transfer(url: url.description, attempts: 1, last: response.message)
            }
            return .retry(response.message, retryAfter: nil)
        case 416 where resumedAt > 0 && state.total.map({ $0 == resumedAt }) ?? true:
            return .complete  // everything was already there
        case 412:
            return .restart("the object changed (ETag no longer matches)")
        case 403, 400:
            throw Self.refusal(status: status, body: body, url: url.description)
        case 404, 410:
            throw .notFound(url: url.description)
        case let code where RetryPolicy.isRetryable(status: code):
            return .retry("HTTP \(code)\(Self.xmlValue("Code", in: body).map { " \($0)" } ?? "")", retryAfter: response.headers["retry-after"])
        case 0:
            guard RetryPolicy.isRetryable(curlCode: response.code) else {
                throw .transfer(url: url.description, attempts: 1, last: response.message)
            }
            return .retry(response.message, retryAfter: nil)
        default:
            throw .transfer(url: url.description, attempts: 1, last: "HTTP \(status)")
        }
    }

    /// A 403 or 400 from an object store: expired (S3 `Request has expired`, GCS `ExpiredToken`)
    /// or refused (`SignatureDoesNotMatch`, `AccessDenied` for another reason).
    static func refusal(status: Int, body: String, url: String) -> StagingError {
        let code = xmlValue("Code", in: body)
        let message = xmlValue("Message", in: body)
        if code == "ExpiredToken" || (message ?? "").lowercased().contains("expired") {
            return .expired(url: url, detail: message ?? "the server says so")
        }
        return .forbidden(url: url, status: status, code: code)
    }

    /// The object's size: the `/N` of `Content-Range`, or `Content-Length` of a 200.
    static func totalSize(_ headers: [String: String], status: Int) -> Int? {
        if let range = headers["content-range"], let slash = range.lastIndex(of: "/") {
            return Int(range[range.index(after: slash)...])
        }
        return status == 200 ? headers["content-length"].flatMap { Int($0) } : nil
    }

    /// `<Code>SlowDown</Code>` → `SlowDown`, from an S3-style error body.
    static func xmlValue(_ element: String, in body: String) -> String? {
        guard let open = body.firstRange(of: "<\(element)>"),
              let close = body[open.upperBound...].firstRange(of: "</\(element)>")
        else { return nil }
        return String(body[open.upperBound..<close.lowerBound])
    }
}
