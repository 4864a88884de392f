/// What the HTTP collector receives for each job: a JSON POST with the stable record key (also
/// sent as the `Idempotency-Key` header), the APEL job message as ssmsend would send it, and the
/// usage record. A resend carries the same key, so a collector replaces rather than adds.
struct CollectorPayload: Codable, Sendable, Equatable {
    /// `Site/LocalJobId/EndTime`.
    var recordKey: String
    /// The `APEL-individual-job-message: v0.3` text; null when the record was refused.
    @EncodedAsNull var apelMessage: String?
    /// The usage record.
    var usage: UsageRecord

    enum CodingKeys: String, CodingKey {
        case recordKey = "record_key"
        case apelMessage = "apel_message"
        case usage
    }
}

/// POSTs records to the optional HTTP collector (`accounting.collector_url`) through libcurl,
/// retrying connection failures, 408, 429 and 5xx with backoff (`Retry-After` honoured).
struct AccountingCollector: Sendable {
    /// The collector's URL.
    var url: String
    /// Trust and timeouts: the system CAs and `X509_CERT_DIR`, short timeouts.
    var settings: CurlSettings
    /// Attempts within one delivery; what is left over is retried by the next `deliverPending()`.
    var retry: RetryPolicy

    /// A collector at `url`.
    init(url: String, settings: CurlSettings = .fromEnvironment(ProcessEnvironment.current()),
         retry: RetryPolicy = RetryPolicy(attempts: 3, baseDelay: 0.5, maxDelay: 5)) {
        self.url = url
        var settings = settings
        settings.connectTimeout = 10
        settings.lowSpeedTime = 20
        self.settings = settings
        self.retry = retry
    }

    /// POSTs the payload; returns the attempts made and the last failure (nil on a 2xx answer).
    func post(_ payload: CollectorPayload) -> (attempts: Int, failure: String?) {
        let body: [UInt8]
        do { body = Array(try JSONOutput.encode(payload).utf8) } catch {
            return (0, "cannot encode the record: \(error)")
        }
        guard let handle = CurlEasy() else { return (0, "libcurl could not allocate a handle") }
        let request = CurlEasy.Request(
            url: url, headers: ["Content-Type: application/json", "Idempotency-Key: \(payload.recordKey)"],
            settings: settings)
        var failure = ""
        for attempt in 1...max(1, retry.attempts) {
            let (response, answer) = handle.post(request, body: body)
            if response.code == 0, (200...299).contains(response.status) { return (attempt, nil) }
            let retryable: Bool
            if response.code != 0 {
                failure = "\(Redactor.redact(url)): \(response.message)"
                retryable = RetryPolicy.isRetryable(curlCode: response.code)
            } else {
                let detail = answer.trimmed.prefix(200)
                failure = "\(Redactor.redact(url)): HTTP \(response.status)\(detail.isEmpty ? "" : ": " + detail)"
                retryable = RetryPolicy.isRetryable(status: response.status)
            }
            guard retryable, attempt < retry.attempts else { return (attempt, failure) }
            RetryPolicy.sleep(seconds: retry.delay(beforeAttempt: attempt + 1, retryAfter: response.headers["retry-after"]))
        }
        return (retry.attempts, failure)
    }
}
