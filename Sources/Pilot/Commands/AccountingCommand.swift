#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import Logging

/// `pilot accounting`: the job ledger, APEL records, their delivery, and usage reports.
struct AccountingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounting",
        abstract: "APEL records of the jobs this pilot ran, their delivery to ssmsend's queue, and usage reports.",
        subcommands: [
            AccountingRecordCommand.self, AccountingDeliverCommand.self, AccountingSummarizeCommand.self,
            AccountingReportCommand.self,
        ]
    )
}

/// Options every accounting command takes: where the ledger and the queue are, the benchmark.
struct AccountingOptions: ParsableArguments {
    @Option(name: .long, help: "The per-core benchmark, TYPE:VALUE with TYPE HEPscore23 or HEPSPEC, e.g. HEPscore23:10.5 (also PILOT_BENCHMARK).")
    var benchmark: APELBenchmark?

    @Option(name: .customLong("accounting-dir"), help: "The ledger directory (default <workdir>/accounting; also PILOT_ACCOUNTING_DIR).")
    var directory: String?

    @Option(name: .customLong("apel-queue"), help: "The dirq queue ssmsend reads (default /var/spool/apel/outgoing; \"\" for none; also PILOT_ACCOUNTING_APEL_QUEUE).")
    var apelQueue: String?

    /// The configuration keys these flags set.
    var layer: ConfigurationLayer {
        var layer = ConfigurationLayer()
        layer.accounting = AccountingLayer(directory: directory, apelQueue: apelQueue, benchmark: benchmark)
        return layer
    }
}

extension APELBenchmark: ExpressibleByArgument {
    /// `--benchmark TYPE:VALUE`; a bad value is a usage error (64).
    init?(argument: String) {
        guard let benchmark = try? APELBenchmark(parsing: argument) else { return nil }
        self = benchmark
    }
}

extension CommandContext {
    /// The ledger the configuration names, with the crash tests' fault hook from the environment.
    func accountingLedger() -> AccountingLedger {
        let settings = configuration.accounting
        return AccountingLedger(
            directory: settings.ledgerDirectory(workdir: configuration.workdir), settings: settings, logger: logger,
            faultHook: AccountingFaultHook.fromEnvironment(environment))
    }

    /// Logs the accounting start-up warnings (no benchmark).
    func warnAboutAccounting() {
        for warning in configuration.accounting.startupWarnings { logger.warning("\(warning)") }
    }
}

/// Reads the facts JSON that `pilot accounting record` is given.
enum AccountingFactsFile {
    /// Why the facts file cannot be used.
    struct Failure: CommandError {
        /// The facts file.
        var path: String
        /// What is wrong with it.
        var reason: String
        var description: String { "cannot read job facts \(path): \(reason)" }
        var exitCode: PilotExitCode { .inputUnreadable }
    }

    /// The facts in `path`.
    static func load(_ path: String) throws(Failure) -> JobAccountingFacts {
        let text: String
        do { text = try FileReader.readString(path) } catch { throw Failure(path: path, reason: error.description) }
        do {
            return try JSONDecoder().decode(JobAccountingFacts.self, from: Data(text.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw Failure(path: path, reason: "missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context),
                let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Failure(path: path, reason: key.isEmpty ? "not a JSON object" : "bad value for \"\(key)\"")
        } catch {
            throw Failure(path: path, reason: "not valid JSON")
        }
    }
}
