import CCurl

/// One libcurl easy handle, owned here and freed in `deinit`; no libcurl type leaves this file.
///
/// A handle is reused across requests to the same host so the connection stays alive. It is not
/// thread-safe: one transfer at a time.
final class CurlEasy {
    /// One request.
    struct Request {
        var url: String
        /// Extra header lines, e.g. `Range: bytes=100-`, `If-Match: "etag"`.
        var headers: [String] = []
        var settings: CurlSettings
        /// Checked while the transfer runs (at least every 200 ms) and in the pacer's waits: true
        /// ends it with `CURLE_ABORTED_BY_CALLBACK` (a signal to `pilot stage`, a failed sibling).
        var isCancelled: (@Sendable () -> Bool)? = nil

        /// A fresh pacer for the settings' `maxSpeed`; nil when there is no cap.
        func makePacer() -> TransferPacer? {
            settings.maxSpeed.map { TransferPacer(bytesPerSecond: $0, isCancelled: isCancelled) }
        }
    }

    /// What came back: the HTTP status and headers, and how the transfer ended.
    struct Response {
        /// 0 when no response line arrived.
        var status: Int
        /// Header names lowercased; the last value wins (after redirects, the final response's).
        var headers: [String: String]
        /// libcurl's result code; 0 is success (which an HTTP error status may still be).
        var code: Int
        /// libcurl's explanation when `code` is not 0, secrets redacted.
        var message: String
        /// The sink refused more bytes (its own error ends the transfer).
        var abortedBySink: Bool
        /// The HTTP version spoken: `1.0`, `1.1`, `2` or `3`; nil when no response came.
        var httpVersion: String?

        /// The request's `isCancelled` (or a callback) ended the transfer.
        var wasCancelled: Bool { code == Int(CURLE_ABORTED_BY_CALLBACK.rawValue) }
    }

    private let handle: UnsafeMutableRawPointer
    /// The multi handle that drives this one's transfers: it also keeps its connections alive
    /// between requests, so it lives as long as the easy handle.
    private let multi: UnsafeMutableRawPointer

    /// A new handle; nil only when libcurl cannot allocate one.
    init?() {
        guard let handle = curl_easy_init() else { return nil }
        guard let multi = curl_multi_init() else {
            curl_easy_cleanup(handle)
            return nil
        }
        self.handle = handle
        self.multi = multi
    }

    deinit {
        curl_multi_cleanup(multi)
        curl_easy_cleanup(handle)
    }

    /// Runs the handle's transfer through the multi interface on this thread (add, perform,
    /// poll until done) and returns its result. Parallel streams each have a thread, a handle and
    /// a multi of their own, so TLS never makes one core the limit.
    private func drive(isCancelled: (@Sendable () -> Bool)?) -> CURLcode {
        guard curl_multi_add_handle(multi, handle) == CURLM_OK else { return CURLE_OUT_OF_MEMORY }
        defer { curl_multi_remove_handle(multi, handle) }
        var running: Int32 = 1
        let wait: Int32 = isCancelled == nil ? 1000 : 200
        while running > 0 {
            if isCancelled?() ?? false { return CURLE_ABORTED_BY_CALLBACK }
            guard curl_multi_perform(multi, &running) == CURLM_OK else { return CURLE_RECV_ERROR }
            if running > 0, curl_multi_poll(multi, nil, 0, wait, nil) != CURLM_OK { return CURLE_RECV_ERROR }
        }
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            if message.pointee.msg == CURLMSG_DONE { return message.pointee.data.result }
        }
        return CURLE_RECV_ERROR
    }

    /// Performs a GET; body bytes go to `sink`, which returns false to stop the transfer.
    /// `onResponse` runs once the headers of the final response are in, before any body byte.
    func get(_ request: Request, onResponse: @escaping (Int, [String: String]) -> Void,
             sink: @escaping (UnsafeRawBufferPointer) -> Bool) -> Response {
        guard let pacer = request.makePacer() else {
            return perform(request, configure: { _ in }, onResponse: onResponse, sink: sink)
        }
        return perform(request, configure: { _ in }, onResponse: onResponse) { bytes in
            pacer.pace(bytes.count)
            return sink(bytes)
        }
    }

    /// Runs one request; `configure` sets what is particular to it (the upload options).
    private func perform(_ request: Request, configure: (UnsafeMutableRawPointer) -> Void,
                         onResponse: @escaping (Int, [String: String]) -> Void,
                         sink: @escaping (UnsafeRawBufferPointer) -> Bool) -> Response {
        curl_easy_reset(handle)
        let context = TransferContext(onResponse: onResponse, sink: sink)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = pilot_curl_setopt_string(handle, CURLOPT_URL, request.url)
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list.map { UnsafeMutableRawPointer($0) })
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque())
            _ = pilot_curl_setopt_write_function(handle, curlWrite)
            _ = pilot_curl_setopt_header_function(handle, curlHeader)
            request.settings.apply(to: handle)
            configure(handle)
            let trace = request.settings.debugTrace ? CurlDebugTrace() : nil
            trace?.attach(to: handle)
            let code = withExtendedLifetime(trace) { drive(isCancelled: request.isCancelled) }
            if trace != nil { CurlDebugTrace.detach(from: handle) }
            // The handle outlives this call: leave it no pointer to what is freed below.
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil)
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_READDATA, nil)
            return code
        }
        var status = 0
        _ = pilot_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = pilot_curl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let message = code == CURLE_OK ? "" : (detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        return Response(
            status: status, headers: context.headers, code: Int(code.rawValue),
            message: Redactor.redact(message.trimmed), abortedBySink: context.sinkRefused,
            httpVersion: [CURL_HTTP_VERSION_1_0: "1.0", CURL_HTTP_VERSION_1_1: "1.1",
                          CURL_HTTP_VERSION_2_0: "2", CURL_HTTP_VERSION_3: "3"][version]
        )
    }
}

extension CurlEasy {
    /// Performs a PUT of `size` bytes pulled from `source`, which fills the buffer it is given and
    /// returns the count (0 at the end, nil to abort). The response body (an error document, or
    /// nothing) is returned, at most 64 KiB of it.
    func put(_ request: Request, size: Int, source: @escaping (UnsafeMutableRawBufferPointer) -> Int?) -> (Response, String) {
        let pacer = request.makePacer()
        let upload = UploadContext { buffer in
            let count = source(buffer)
            if let pacer, let count, count > 0 { pacer.pace(count) }
            return count
        }
        let unmanaged = Unmanaged.passRetained(upload)
        defer { unmanaged.release() }
        return performKeepingBody(request, limit: 65536) { handle in
            _ = pilot_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
            _ = pilot_curl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size))
            _ = pilot_curl_setopt_pointer(handle, CURLOPT_READDATA, unmanaged.toOpaque())
            _ = pilot_curl_setopt_read_function(handle, curlRead)
        }
    }
}

extension CurlEasy {
    /// Performs a POST with `body` as its content (libcurl copies it). The response body is
    /// returned, at most `limit` bytes of it (a `CompleteMultipartUpload` answer, an error
    /// document, a PanDA reply).
    func post(_ request: Request, body: [UInt8], limit: Int = 1 << 20) -> (Response, String) {
        var storage = body.isEmpty ? [0] : body  // never a nil pointer, even for an empty body
        return storage.withUnsafeMutableBytes { bytes in
            performKeepingBody(request, limit: limit) { handle in
                _ = pilot_curl_setopt_long(handle, CURLOPT_POST, 1)
                // The size first: COPYPOSTFIELDS copies that many bytes.
                _ = pilot_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = pilot_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, bytes.baseAddress)
            }
        }
    }
}

extension CurlEasy {
    /// Performs a DELETE (no body sent); the response body is returned, at most 64 KiB of it.
    func delete(_ request: Request) -> (Response, String) {
        performKeepingBody(request, limit: 65536) { handle in
            _ = pilot_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "DELETE")
        }
    }

    /// Runs `request`, set up by `configure`, keeping at most `limit` bytes of the response body
    /// (the answer to a PUT, POST or DELETE: an error document, a completion result, a reply).
    private func performKeepingBody(_ request: Request, limit: Int,
                                    configure: (UnsafeMutableRawPointer) -> Void) -> (Response, String) {
        var answer: [UInt8] = []
        let response = perform(request, configure: configure, onResponse: { _, _ in }) { chunk in
            if answer.count < limit { answer.append(contentsOf: chunk.prefix(limit - answer.count)) }
            return true
        }
        return (response, String(decoding: answer, as: UTF8.self))
    }
}

/// The upload's byte source, reached by the read callback.
private final class UploadContext {
    let source: (UnsafeMutableRawBufferPointer) -> Int?

    init(source: @escaping (UnsafeMutableRawBufferPointer) -> Int?) {
        self.source = source
    }
}

/// CURLOPT_READFUNCTION: fills libcurl's buffer from the source; CURL_READFUNC_ABORT stops.
private func curlRead(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let data, let user else { return Int(CURL_READFUNC_ABORT) }
    let upload = Unmanaged<UploadContext>.fromOpaque(user).takeUnretainedValue()
    return upload.source(UnsafeMutableRawBufferPointer(start: data, count: size * count)) ?? Int(CURL_READFUNC_ABORT)
}

/// Per-transfer state the C callbacks reach through their user pointer.
private final class TransferContext {
    let onResponse: (Int, [String: String]) -> Void
    let sink: (UnsafeRawBufferPointer) -> Bool
    var headers: [String: String] = [:]
    var status = 0
    var announced = false
    var sinkRefused = false

    init(onResponse: @escaping (Int, [String: String]) -> Void, sink: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.onResponse = onResponse
        self.sink = sink
    }
}

/// CURLOPT_HEADERFUNCTION: one header line per call; a status line starts a new response
/// (redirects and `100 Continue` come first).
private func curlHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let data, let user else { return length }
    let context = Unmanaged<TransferContext>.fromOpaque(user).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self).trimmed
    if line.hasPrefix("HTTP/") {
        context.headers = [:]
        context.status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    } else if let colon = line.firstIndex(of: ":") {
        context.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed
    }
    return length
}

/// CURLOPT_WRITEFUNCTION: body bytes; returning less than given aborts the transfer.
private func curlWrite(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let data, let user else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(user).takeUnretainedValue()
    if !context.announced {
        context.announced = true
        context.onResponse(context.status, context.headers)
    }
    guard context.sink(UnsafeRawBufferPointer(start: data, count: length)) else {
        context.sinkRefused = true
        return 0
    }
    return length
}
