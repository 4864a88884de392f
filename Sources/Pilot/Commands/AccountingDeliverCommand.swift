import ArgumentParser

/// `pilot accounting deliver`: finish every delivery a killed or disconnected pilot left undone.
struct AccountingDeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver every stored job record not yet delivered (what a restarted pilot does first).",
        discussion: """
            Finishes dirq elements a killed pilot began (the same element, never a second one), retries \
            the HTTP collector, and writes the APEL records of jobs held for want of a benchmark once \
            one is configured. Exit codes: 0 nothing pending, 87 some deliveries still pending, 88 the \
            ledger cannot be read or written, 78 bad configuration.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var accounting: AccountingOptions

    @Flag(name: .long, help: "Print the counts and pending jobs as JSON.")
    var json = false

    /// The JSON answer.
    struct Summary: Codable {
        /// Jobs whose deliveries are all done.
        var delivered: Int
        /// Jobs held for want of a benchmark.
        var held: [String]
        /// Jobs whose APEL record was refused.
        var refused: [String]
        /// Jobs still pending, with why.
        var pending: [String: String]
    }

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: accounting.layer, label: "pilot.accounting")
        context.warnAboutAccounting()
        let report: AccountingLedger.Report
        do { report = try context.accountingLedger().deliverPending() } catch { throw CommandContext.fail(error) }
        if json {
            let pending = Dictionary(report.pending.map { ($0.id, $0.reason) }, uniquingKeysWith: { first, _ in first })
            print(try JSONOutput.encode(Summary(delivered: report.delivered.count, held: report.held, refused: report.refused, pending: pending)))
        } else {
            print("\(report.delivered.count) delivered, \(report.pending.count) pending, \(report.held.count) held (no benchmark), \(report.refused.count) refused")
        }
        if !report.pending.isEmpty {
            throw CommandContext.fail(AccountingDeliveryPending(lines: report.pending.map { "\($0.id): \($0.reason)" }))
        }
    }
}
