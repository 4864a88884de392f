import ArgumentParser

/// `pilot accounting record --facts FILE`: what `pilot run` does when a job ends, by hand. Hidden:
/// it exists for the crash tests (with `PILOT_TEST_CRASH_AT`) and for replaying a job's facts.
struct AccountingRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Store one finished job's facts in the ledger and deliver its records, as pilot run does at job end.",
        discussion: """
            FILE is the job's JobAccountingFacts as JSON (README, Accounting). Exit codes: 0 stored and \
            delivered (or held for want of a benchmark), 86 the APEL record would be invalid (the job \
            stays in the ledger, nothing is sent), 87 stored but a delivery is pending, 88 the ledger \
            cannot be written, 66 FILE unreadable, 78 bad configuration.
            """,
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var accounting: AccountingOptions

    @Option(name: .long, help: "The job's facts as JSON.")
    var facts: String

    @Flag(name: .long, help: "Print the ledger entry as JSON.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: accounting.layer, label: "pilot.accounting")
        context.warnAboutAccounting()
        let facts: JobAccountingFacts
        do { facts = try AccountingFactsFile.load(self.facts) } catch { throw CommandContext.fail(error) }
        let outcome: AccountingLedger.Outcome
        do { outcome = try context.accountingLedger().record(facts) } catch { throw CommandContext.fail(error) }
        if json {
            print(try JSONOutput.encode(outcome.entry))
        } else {
            print(AccountingStatusLine.render(outcome.entry))
        }
        if !outcome.problems.isEmpty {
            throw CommandContext.fail(AccountingDeliveryPending(lines: outcome.problems.map { "\(facts.pandaID): \($0)" }))
        }
    }
}

/// One line per job for people: its status and where its record went.
enum AccountingStatusLine {
    /// `job 6931245817: delivered (queue element 6b0ac18c/6b0ac19314212f)`.
    static func render(_ entry: LedgerEntry) -> String {
        var parts: [String] = []
        if let element = entry.queue?.element, entry.queue?.delivered == true { parts.append("queue element \(element)") }
        if entry.collector?.delivered == true { parts.append("collector") }
        if let refusal = entry.refusal { parts.append(refusal) }
        if entry.status == .held { parts.append("no benchmark configured") }
        return "job \(entry.facts.pandaID): \(entry.status.rawValue)" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
    }
}

/// Some deliveries did not complete; the command exits 87 after saying which.
struct AccountingDeliveryPending: CommandError {
    /// One line per pending delivery.
    var lines: [String]
    var description: String { "deliveries pending, retried by pilot accounting deliver: " + lines.joined(separator: "; ") }
    var exitCode: PilotExitCode { .deliveryPending }
}
