extension AccountingLedger {
    /// How many fresh element names to try when another writer holds the chosen one.
    static let nameAttempts = 5

    /// Runs every delivery the entry still owes, saving the entry after each step; returns one
    /// line per delivery left undone. Held entries get their APEL record first when a benchmark
    /// is configured now.
    func deliver(_ entry: inout LedgerEntry) throws(AccountingError) -> [String] {
        var problems: [String] = []
        if entry.apel == nil, entry.refusal == nil, settings.benchmark != nil {
            buildAPEL(&entry)
            if entry.apel != nil || entry.refusal != nil { try store.save(entry) }
        }
        if let apel = entry.apel, let queue = entry.queue, !queue.delivered {
            if let problem = try deliverToQueue(apel, &entry) { problems.append(problem) }
        }
        if entry.status != .held, let collector = entry.collector, !collector.delivered {
            if let problem = try deliverToCollector(&entry) { problems.append(problem) }
        }
        return problems
    }

    /// Writes the job message into the dirq queue as the element named in the entry, choosing
    /// and storing the name first when there is none yet.
    private func deliverToQueue(_ apel: APELJobRecord, _ entry: inout LedgerEntry) throws(AccountingError) -> String? {
        guard var delivery = entry.queue else { return nil }
        if settings.apelQueue.isEmpty { return "no apel_queue configured for the dirq queue \(delivery.queue)" }
        if delivery.queue != settings.apelQueue {
            // Reconfigured since: the element was never completed in the old queue.
            delivery = QueueDelivery(queue: settings.apelQueue)
        }
        let bytes = Array(apel.message.utf8)
        let queue = DirqQueue(path: delivery.queue)
        for _ in 0..<Self.nameAttempts {
            let element: DirqElement
            if let chosen = delivery.element {
                element = chosen
            } else {
                element = DirqElement.now()
                delivery.element = element
                entry.queue = delivery
                try store.save(entry)
                faultHook.reach("after-intent")
            }
            let added: Bool
            do {
                added = try queue.add(bytes, as: element) { faultHook.reach($0.rawValue) }
            } catch {
                logger.warning("apel queue write failed", metadata: ["job.id": "\(entry.facts.pandaID)", "error": "\(error)"])
                return "dirq queue \(delivery.queue): \(error)"
            }
            if added {
                delivery.delivered = true
                entry.queue = delivery
                try store.save(entry)
                logger.info("apel record queued", metadata: [
                    "job.id": "\(entry.facts.pandaID)", "element": "\(element)", "queue": "\(delivery.queue)",
                ])
                faultHook.reach("after-queue")
                return nil
            }
            delivery.element = nil  // another writer's element holds the name
        }
        return "dirq queue \(delivery.queue): no free element name after \(Self.nameAttempts) tries"
    }

    /// POSTs the record to the collector configured now (else the one it was recorded for), with
    /// retries; the entry keeps the count and the error.
    private func deliverToCollector(_ entry: inout LedgerEntry) throws(AccountingError) -> String? {
        guard var delivery = entry.collector else { return nil }
        delivery.url = settings.collectorURL ?? delivery.url  // the collector configured now
        let payload = CollectorPayload(recordKey: entry.recordKey, apelMessage: entry.apel?.message, usage: entry.usage)
        let collector = AccountingCollector(url: delivery.url)
        let (attempts, failure) = collector.post(payload)
        delivery.attempts += attempts
        delivery.delivered = failure == nil
        delivery.lastError = failure
        entry.collector = delivery
        try store.save(entry)
        if let failure {
            logger.warning("collector post failed", metadata: ["job.id": "\(entry.facts.pandaID)", "error": "\(failure)"])
            return "collector: \(failure)"
        }
        return nil
    }
}
