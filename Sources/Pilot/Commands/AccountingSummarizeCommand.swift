#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// `pilot accounting summarize --month YYYY-MM`: the month's APEL summaries and sync record.
struct AccountingSummarizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Print (or queue) the APEL summary and sync messages of one month from the ledger.",
        discussion: """
            Jobs count in the UTC month their EndTime falls in, whole. Each summary is the month's full \
            running total for its group (APEL replaces, never adds), so running this daily is safe. \
            Send either job records or summaries for a SubmitHost, not both: the server would count \
            the jobs twice. Messages are separated by a blank line. Exit codes: 0 done, 64 bad month \
            (or a month not begun), 88 ledger unreadable, 85 queue not writable, 78 bad configuration.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var accounting: AccountingOptions

    @Option(name: .long, help: "The month, YYYY-MM (UTC).")
    var month: String

    @Flag(name: .long, help: "Also write each message into the dirq queue (apel_queue) and print the element ids instead.")
    var enqueue = false

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: accounting.layer, label: "pilot.accounting")
        let wanted: UTCMonth
        do { wanted = try UTCMonth(parsing: month) } catch { throw CommandContext.fail(AccountingUsageError(text: error.description)) }
        let entries: [LedgerEntry]
        do { entries = try context.accountingLedger().entries() } catch { throw CommandContext.fail(error) }
        let held = entries.filter { $0.status == .held && UTCMonth(containing: $0.facts.endTime) == wanted }.count
        if held > 0 {
            context.logger.warning("jobs held without a benchmark are not in the summaries", metadata: ["jobs": "\(held)"])
        }
        let result: APELSummarizer.Result
        do {
            result = try APELSummarizer.summarize(entries.compactMap(\.apel), month: wanted, now: Int64(time(nil)))
        } catch {
            throw CommandContext.fail(AccountingUsageError(text: error.description))
        }
        guard enqueue else {
            print(result.messages.joined(separator: "\n"), terminator: "")
            return
        }
        let path = context.configuration.accounting.apelQueue
        guard !path.isEmpty else { throw CommandContext.fail(AccountingUsageError(text: "--enqueue needs apel_queue")) }
        let queue = DirqQueue(path: path)
        for message in result.messages {
            var added = false
            for _ in 0..<AccountingLedger.nameAttempts where !added {
                let element = DirqElement.now()
                do { added = try queue.add(Array(message.utf8), as: element) } catch {
                    throw CommandContext.fail(AccountingQueueError(error: error))
                }
                if added { print(element) }
            }
        }
    }
}

/// A bad `--month` or a month that has not begun (64).
struct AccountingUsageError: CommandError {
/// The message.
    var text: String
    var description: String { text }
    var exitCode: PilotExitCode { .usage }
}

/// The dirq queue cannot be written (85).
struct AccountingQueueError: CommandError {
/// The failed call.
    var error: SystemCallError
    var description: String { "cannot write the APEL queue: \(error)" }
    var exitCode: PilotExitCode { .cannotWrite }
}
