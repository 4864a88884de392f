/// One job in the ledger (`<ledger>/jobs/<panda_id>.json`): its facts, the APEL record built from
/// them, the usage record, and how far each delivery got. Replaced atomically at every step, so
/// a pilot killed at any point leaves a state `deliverPending()` can finish from.
struct LedgerEntry: Codable, Sendable, Equatable {
    /// The job's facts as recorded (EndTime pinned on a repeat; see `AccountingLedger.record`).
    var facts: JobAccountingFacts
    /// When the entry was first stored, seconds since the epoch.
    var recordedAt: Int64
    /// The APEL record; nil while held for want of a benchmark, or when refused.
    var apel: APELJobRecord?
    /// Why no APEL record will be written for this job (it would be invalid); nil otherwise.
    var refusal: String?
    /// The dirq delivery; nil when no queue was configured when the job was recorded.
    var queue: QueueDelivery?
    /// The HTTP collector delivery; nil when no collector was configured.
    var collector: CollectorDelivery?
    /// The usage record.
    var usage: UsageRecord

    enum CodingKeys: String, CodingKey {
        case facts
        case recordedAt = "recorded_at"
        case apel, refusal, queue, collector, usage
    }

    /// Where the APEL side stands.
    enum Status: String, Codable, Sendable {
        /// Stored, waiting for a benchmark to be configured.
        case held
        /// Refused as invalid for APEL: kept locally, never sent.
        case refused
        /// Some delivery is still to do.
        case pending
        /// Every configured delivery is done.
        case delivered
    }

    /// The APEL side's status.
    var status: Status {
        if refusal != nil { return .refused }
        if apel == nil { return .held }
        let queueDone = queue?.delivered ?? true
        let collectorDone = collector?.delivered ?? true
        return queueDone && collectorDone ? .delivered : .pending
    }

    /// The stable key of the job's record: APEL's primary key `Site/LocalJobId/EndTime`, which
    /// the server REPLACEs on, so a resent record replaces itself. Also the collector's
    /// `Idempotency-Key`.
    var recordKey: String {
        "\(apel?.site ?? usage.site ?? "")/\(facts.pandaID)/\(facts.endTime)"
    }
}

/// How far a record got into the dirq queue.
struct QueueDelivery: Codable, Sendable, Equatable {
    /// The queue directory it goes to.
    var queue: String
    /// The element name chosen before writing (an intent), kept so a killed writer's successor
    /// finishes that element instead of adding a second.
    var element: DirqElement?
    /// Whether the element is complete in the queue.
    var delivered: Bool

    /// Nothing done yet.
    init(queue: String) {
        self.queue = queue
        element = nil
        delivered = false
    }
}

/// How far a record got to the HTTP collector.
struct CollectorDelivery: Codable, Sendable, Equatable {
    /// The URL it is POSTed to.
    var url: String
    /// Whether the collector answered 2xx.
    var delivered: Bool
    /// POSTs made so far.
    var attempts: Int
    /// The last failure, for `pilot accounting deliver` to report.
    var lastError: String?

    enum CodingKeys: String, CodingKey {
        case url, delivered, attempts
        case lastError = "last_error"
    }

    /// Nothing done yet.
    init(url: String) {
        self.url = url
        delivered = false
        attempts = 0
        lastError = nil
    }
}
