#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The seam between the job loop and accounting: `pilot run` calls `record(_:)` when a job ends,
/// however it ended, and `deliverPending()` when it starts, to finish what a killed pilot began.
///
/// `record` stores the job durably first (the ledger entry, keyed by PanDA id, so a repeat
/// replaces), then delivers: the APEL job message into the dirq queue, the record to the HTTP
/// collector when one is configured, the usage record beside the entry. Delivery is
/// at-least-once with a stable record key (Site/LocalJobId/EndTime, which APEL REPLACEs on);
/// within the pilot it is exactly once: the dirq element name is chosen and stored before the
/// element is written, so a successor finishes that element rather than adding another.
struct AccountingLedger: Sendable {
    /// The ledger's files.
    var store: LedgerStore
    /// Site names, queue, benchmark, collector, prices.
    var settings: AccountingSettings
    /// Where log lines go.
    var logger: Logger
    /// The crash tests' hook; `.none` in production.
    var faultHook: AccountingFaultHook
    /// Seconds since the epoch (a parameter so tests can fix it).
    var now: @Sendable () -> Int64

    /// A ledger in `directory`.
    init(directory: String, settings: AccountingSettings, logger: Logger, faultHook: AccountingFaultHook = .none,
         now: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) {
        store = LedgerStore(directory: directory)
        self.settings = settings
        self.logger = logger
        self.faultHook = faultHook
        self.now = now
    }

    /// What `record` did.
    struct Outcome: Sendable, Equatable {
        /// The entry as stored after delivery.
        var entry: LedgerEntry
        /// Whether an entry for the job existed (identical facts change nothing).
        var replaced: Bool
        /// Deliveries that did not complete, one line each; `deliverPending()` retries them.
        var problems: [String]
    }

    /// Stores the job and delivers its records. A repeat for the same PanDA id replaces the
    /// stored job, keeping the first EndTime (StartTime no later than it), so the APEL key stays
    /// the same and the server replaces rather than adds. Throws `.refused` after storing the job
    /// when its APEL record would be invalid: the usage record is kept, no APEL record is sent.
    @discardableResult
    func record(_ facts: JobAccountingFacts) throws(AccountingError) -> Outcome {
        guard facts.hasValidKey else {
            throw .invalidFacts("panda_id \"\(facts.pandaID)\" must be 1 to 128 letters, digits, '.', '_', '-' or ':'")
        }
        return try store.locked { () throws(AccountingError) -> Outcome in
            faultHook.reach("before-store")
            var facts = facts
            let previous = try store.entry(facts.pandaID)
            if let previous {
                facts.endTime = previous.facts.endTime
                facts.startTime = min(facts.startTime, facts.endTime)
            }
            var entry: LedgerEntry
            if let previous, previous.facts == facts {
                entry = previous
            } else {
                entry = makeEntry(facts, recordedAt: previous?.recordedAt ?? now())
                try store.save(entry)
                try store.saveUsage(entry)
            }
            faultHook.reach("after-store")
            let problems = try deliver(&entry)
            if let refusal = entry.refusal {
                logger.error("apel record refused", metadata: ["job.id": "\(facts.pandaID)", "reason": "\(refusal)"])
                throw .refused(pandaID: facts.pandaID, reason: refusal)
            }
            return Outcome(entry: entry, replaced: previous != nil, problems: problems)
        }
    }

    /// What `deliverPending` did.
    struct Report: Sendable, Equatable {
        /// PanDA ids whose deliveries are all done.
        var delivered: [String] = []
        /// Jobs still pending, with why.
        var pending: [Pending] = []
        /// PanDA ids held for want of a benchmark.
        var held: [String] = []
        /// PanDA ids refused as invalid for APEL.
        var refused: [String] = []

        /// A job whose deliveries are not all done.
        struct Pending: Sendable, Equatable {
            /// The PanDA id.
            var id: String
            /// The deliveries left undone, one clause each.
            var reason: String
        }
    }

    /// Finishes every delivery left undone (a killed pilot, an unreachable collector), and
    /// writes the APEL records of held jobs once a benchmark is configured.
    @discardableResult
    func deliverPending() throws(AccountingError) -> Report {
        try store.locked { () throws(AccountingError) -> Report in
            var report = Report()
            for var entry in try store.entries() {
                let problems = try deliver(&entry)
                try store.saveUsageIfMissing(entry)
                switch entry.status {
                case .delivered: report.delivered.append(entry.facts.pandaID)
                case .held: report.held.append(entry.facts.pandaID)
                case .refused: report.refused.append(entry.facts.pandaID)
                case .pending:
                    report.pending.append(Report.Pending(id: entry.facts.pandaID, reason: problems.joined(separator: "; ")))
                }
            }
            return report
        }
    }

    /// Every stored entry, by PanDA id.
    func entries() throws(AccountingError) -> [LedgerEntry] {
        try store.entries()
    }

    /// A new entry: the APEL record when a benchmark is configured and the record is valid, the
    /// usage record, and the deliveries configured now.
    func makeEntry(_ facts: JobAccountingFacts, recordedAt: Int64) -> LedgerEntry {
        let site = APELText.ascii(settings.site ?? facts.site ?? "")
        var entry = LedgerEntry(
            facts: facts, recordedAt: recordedAt, apel: nil, refusal: nil,
            queue: settings.apelQueue.isEmpty ? nil : QueueDelivery(queue: settings.apelQueue),
            collector: settings.collectorURL.map(CollectorDelivery.init(url:)),
            usage: UsageRecord(facts: facts, site: site.isEmpty ? nil : site, prices: settings.prices))
        buildAPEL(&entry)
        return entry
    }

    /// Builds and checks the APEL record of an entry that has none, when a benchmark is known.
    func buildAPEL(_ entry: inout LedgerEntry) {
        guard entry.apel == nil, entry.refusal == nil, let benchmark = settings.benchmark else { return }
        let record = APELJobRecord(facts: entry.facts, settings: settings, benchmark: benchmark)
        do throws(APELRecordError) {
            try record.validate(now: now())
            entry.apel = record
        } catch {
            entry.refusal = error.description
        }
    }
}
