/// What one stream has so far: bytes written, their checksums, the object's ETag and size.
struct TransferState {
    /// Where this stream's bytes start in the object (0 for a whole-file stream).
    var offset = 0
    /// The last byte this stream fetches (inclusive); nil for "to the end".
    var end: Int?
    /// Bytes written from `offset` on, all of them in `sums`.
    var have = 0
    var sums: StreamingChecksums
    /// The ETag of the object being assembled, sent back as `If-Match` when resuming.
    var etag: String?
    /// The object's full size, from `Content-Range` or `Content-Length`.
    var total: Int?
    /// The HTTP version the server answered with.
    var httpVersion: String?
    let wantsMD5: Bool

    init(md5: Bool, offset: Int = 0, end: Int? = nil, etag: String? = nil) {
        wantsMD5 = md5
        sums = StreamingChecksums(md5: md5)
        self.offset = offset
        self.end = end
        self.etag = etag
    }

    /// A whole-file stream can start again from 0; a range stream cannot.
    var isWholeFile: Bool { offset == 0 && end == nil }

    /// How many bytes this stream must fetch, when known.
    var expectedLength: Int? {
        if let end { return end - offset + 1 }
        return total.map { $0 - offset }
    }
}

/// How one attempt ended.
enum AttemptOutcome: Equatable {
    /// Every byte is in.
    case complete
    /// Start again from byte 0 (the server ignored the range, or the object changed).
    case restart(String)
    /// A range stream got the whole object or another range: ranges cannot be used here.
    case rangesUnsupported(String)
    /// A transient failure: try again (resuming) after a pause; `retryAfter` as the server said.
    case retry(String, retryAfter: String?)
}

extension SignedURLDownloader {
    /// One GET, resuming at `state.have`; throws only what no retry can fix.
    func attempt(_ easy: CurlEasy, _ url: SignedURL, _ part: PartFile, _ state: inout TransferState)
        throws(StagingError) -> AttemptOutcome {
        var headers: [String] = []
        let position = state.offset + state.have
        let rangeRequested = position > 0 || state.end != nil
        if rangeRequested {
            headers.append("Range: bytes=\(position)-\(state.end.map(String.init) ?? "")")
            // A weak ETag never matches If-Match's strong comparison: resume without it.
            if let etag = state.etag, !etag.hasPrefix("W/") { headers.append("If-Match: \(etag)") }
        }
        var current = state
        var failure: StagingError?
        var status = 0
        var unusableRange: String?
        var restartNeeded: String?
        var overflow = false
        var errorBody: [UInt8] = []
        let response = easy.get(
            CurlEasy.Request(url: url.url, headers: headers, settings: settings),
            onResponse: { code, responseHeaders in
                status = code
                guard (200...299).contains(code) else { return }
                if rangeRequested {
                    let range = responseHeaders["content-range"].flatMap(Self.contentRange)
                    let exact = code == 206 && range?.start == position && (current.end == nil || range?.end == current.end)
                    if !exact {
                        let got = "\(code) \(responseHeaders["content-range"] ?? "without Content-Range")"
                        guard current.isWholeFile else {
                            unusableRange = "asked for bytes \(position)-\(current.end.map(String.init) ?? ""), got \(got)"
                            return
                        }
                        // The body starts at 0 (a 200, or a 206 from 0): start over in place.
                        // Anything else cannot be placed: ask again from the beginning.
                        guard code == 200 || range?.start == 0 else {
                            restartNeeded = "asked for bytes \(position)-, got \(got)"
                            return
                        }
                        progress?.add(-current.have)
                        current = TransferState(md5: current.wantsMD5)
                        do throws(StagingError) { try part.truncate(to: 0) } catch { failure = error }
                    }
                }
                current.etag = responseHeaders["etag"] ?? current.etag
                current.total = Self.totalSize(responseHeaders, status: code) ?? current.total
                progress?.setTotal(current.total)
            },
            sink: { bytes in
                guard (200...299).contains(status) else {
                    if errorBody.count < 65536 { errorBody.append(contentsOf: bytes.prefix(65536 - errorBody.count)) }
                    return true
                }
                guard failure == nil, unusableRange == nil, restartNeeded == nil, !(isCancelled?() ?? false) else { return false }
                // Never more than this stream asked for, whatever the server sends.
                var chunk = bytes
                if let expected = current.expectedLength, current.have + bytes.count > expected {
                    chunk = UnsafeRawBufferPointer(rebasing: bytes.prefix(max(0, expected - current.have)))
                    overflow = true
                }
                do throws(StagingError) { try part.write(chunk, at: current.offset + current.have) } catch {
                    failure = error
                    return false
                }
                current.sums.update(chunk)
                current.have += chunk.count
                progress?.add(chunk.count)
                return !overflow
            })
        state = current
        state.httpVersion = response.httpVersion ?? state.httpVersion
        if let failure { throw failure }
        if let unusableRange { return .rangesUnsupported(unusableRange) }
        if let restartNeeded { return .restart(restartNeeded) }
        if overflow {
            // More bytes than the range or the object holds: the server is not to be trusted here.
            return state.isWholeFile ? .complete : .rangesUnsupported("the server sent more than the range asked for")
        }
        if status == 0 && response.status != 0 { status = response.status }
        return try judge(url, response, status: status, state: state, resumedAt: position,
                         body: String(decoding: errorBody, as: UTF8.self))
    }

    /// Turns a finished request into the next step.
    private func judge(_ url: SignedURL, _ response: CurlEasy.Response, status: Int, state: TransferState,
                       resumedAt: Int, body: String) throws(StagingError) -> AttemptOutcome {
        if RetryPolicy.isTLSVerification(curlCode: response.code) {
            throw .tls(url: url.description, message: response.message)
        }
        switch status {
        case 200...299 where response.code == 0:
            if let expected = state.expectedLength, state.have < expected {
                return .retry("short body: \(state.have) of \(expected) bytes", retryAfter: nil)
            }
            return .complete
        case 200...299:
            guard RetryPolicy.isRetryable(curlCode: response.code) else {
                throw .transfer(url: url.description, attempts: 1, last: response.message)
            }
            return .retry(response.message, retryAfter: nil)
        case 416 where state.isWholeFile && resumedAt > 0
            && (Self.totalSize(response.headers, status: 416) ?? state.total) == resumedAt:
            return .complete  // everything was already there
        case 416 where !state.isWholeFile:
            return .rangesUnsupported("416 for bytes \(resumedAt)- (an empty object?)")
        case 412 where state.isWholeFile:
            return .restart("the object changed (ETag no longer matches)")
        case 412:
            return .rangesUnsupported("the object changed (ETag no longer matches)")
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

    /// The first and last byte of `Content-Range: bytes 100-199/1000`.
    static func contentRange(_ header: String) -> (start: Int, end: Int)? {
        guard let space = header.firstIndex(of: " "), let dash = header.firstIndex(of: "-"),
              let slash = header.firstIndex(of: "/"), space < dash, dash < slash,
              let start = Int(header[header.index(after: space)..<dash]),
              let end = Int(header[header.index(after: dash)..<slash])
        else { return nil }
        return (start, end)
    }

    /// The object's size: the `/N` of `Content-Range`, or `Content-Length` of a 200.
    static func totalSize(_ headers: [String: String], status: Int) -> Int? {
        if let range = headers["content-range"], let slash = range.lastIndex(of: "/") {
            return Int(range[range.index(after: slash)...])  // also `bytes */N` of a 416
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
