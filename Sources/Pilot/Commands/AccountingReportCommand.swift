import ArgumentParser

/// `pilot accounting report`: usage and estimated cost totalled by month, architecture and queue.
struct AccountingReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Total the ledger's usage records by month, architecture and queue, with estimated cost.",
        discussion: """
            Costs come from each job's usage record, priced when the job was recorded with the price \
            table then configured; jobs without an estimate are counted apart. Exit codes: 0 done, 64 \
            bad month, 88 ledger unreadable, 78 bad configuration.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var accounting: AccountingOptions

    @Option(name: .long, help: "Only this month, YYYY-MM (UTC, by job end).")
    var month: String?

    @Flag(name: .long, help: "Print the totals as JSON.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: accounting.layer, label: "pilot.accounting")
        var wanted: UTCMonth?
        if let month {
            do { wanted = try UTCMonth(parsing: month) } catch { throw CommandContext.fail(AccountingUsageError(text: error.description)) }
        }
        let entries: [LedgerEntry]
        do { entries = try context.accountingLedger().entries() } catch { throw CommandContext.fail(error) }
        let totals = UsageReport.totals(entries.map(\.usage), month: wanted)
        print(json ? try JSONOutput.encode(totals) : UsageReport.table(totals), terminator: json ? "\n" : "")
    }
}
