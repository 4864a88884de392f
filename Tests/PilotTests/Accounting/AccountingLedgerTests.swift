import Foundation
import Logging
import Testing
@testable import Pilot

@Suite("Accounting ledger")
struct AccountingLedgerTests {
    /// A ledger and a queue in a scratch directory, with a fixed clock.
    struct Setup {
        let scratch: ScratchDirectory
        var settings: AccountingSettings

        init(benchmark: APELBenchmark? = AccountingSamples.benchmark) throws {
            scratch = try ScratchDirectory("ledger")
            settings = AccountingSamples.settings(queue: scratch("queue"), benchmark: benchmark)
        }

        var ledger: AccountingLedger {
            AccountingLedger(directory: scratch("ledger"), settings: settings, logger: Logger(label: "test"), now: { AccountingSamples.now })
        }

        var queueFiles: [String] { AccountingSamples.files(in: scratch("queue")) }

        func queueTexts() throws -> [String] {
            try queueFiles.map { try String(contentsOfFile: scratch("queue/" + $0), encoding: .utf8) }
        }
    }

    @Test("record stores the job, queues its APEL message once and writes the usage record")
    func record() throws {
        let setup = try Setup()
        let outcome = try setup.ledger.record(AccountingSamples.facts())
        #expect(outcome.problems.isEmpty)
        #expect(outcome.entry.status == .delivered)
        #expect(!outcome.replaced)
        #expect(try setup.queueTexts() == [AccountingSamples.referenceJobMessage])
        #expect(setup.queueFiles == [outcome.entry.queue?.element?.description])
        #expect(FileManager.default.fileExists(atPath: setup.scratch("ledger/usage/6931245817.json")))
        #expect(try setup.ledger.entries() == [outcome.entry])
        #expect(outcome.entry.recordKey == "UKI-EXAMPLE-SITE/6931245817/1791973800")
    }

    @Test("a repeat with the same facts changes nothing and adds no element")
    func identicalRepeat() throws {
        let setup = try Setup()
        let first = try setup.ledger.record(AccountingSamples.facts())
        let second = try setup.ledger.record(AccountingSamples.facts())
        #expect(second.replaced)
        #expect(second.entry == first.entry)
        #expect(setup.queueFiles.count == 1)
        #expect(try setup.ledger.deliverPending().delivered == ["6931245817"])
        #expect(setup.queueFiles.count == 1)
    }

    @Test("a repeat with new facts replaces the job and keeps its EndTime, so the server replaces too")
    func changedRepeat() throws {
        let setup = try Setup()
        try setup.ledger.record(AccountingSamples.facts())
        var later = AccountingSamples.facts(end: 1_791_980_000)
        later.cpuUserSeconds += 1000
        let outcome = try setup.ledger.record(later)
        #expect(outcome.replaced)
        #expect(outcome.entry.facts.endTime == 1_791_973_800)
        #expect(outcome.entry.apel?.cpuDuration == 62200)
        let texts = try setup.queueTexts()
        #expect(texts.count == 2)
        // Both carry the same APEL key (Site, LocalJobId, EndTime): REPLACE on the server.
        for text in texts {
            let record = try #require(try APELFormatChecker.check(text).first)
            #expect(record["LocalJobId"] == "6931245817" && record["EndTime"] == "1791973800")
        }
        let summary = try APELSummarizer.summarize(
            try setup.ledger.entries().compactMap(\.apel), month: UTCMonth(year: 2026, month: 10), now: AccountingSamples.now)
        #expect(summary.summaries.map(\.cpuDuration) == [62200])
    }

    @Test("without a benchmark the job is held, and written once a benchmark is configured")
    func heldWithoutBenchmark() throws {
        var setup = try Setup(benchmark: nil)
        let outcome = try setup.ledger.record(AccountingSamples.facts())
        #expect(outcome.entry.status == .held)
        #expect(outcome.problems.isEmpty)
        #expect(setup.queueFiles.isEmpty)
        #expect(try setup.ledger.deliverPending().held == ["6931245817"])
        setup.settings.benchmark = AccountingSamples.benchmark
        let report = try setup.ledger.deliverPending()
        #expect(report.delivered == ["6931245817"])
        #expect(try setup.queueTexts() == [AccountingSamples.referenceJobMessage])
        #expect(AccountingSettings.defaults.startupWarnings.first?.contains("no benchmark configured") == true)
        #expect(setup.settings.startupWarnings.isEmpty)
    }

    @Test("an invalid record is refused at write time: kept in the ledger, never queued")
    func refused() throws {
        let setup = try Setup()
        let facts = AccountingSamples.facts(userDN: "/CN=broken%%dn")
        #expect(throws: AccountingError.refused(pandaID: "6931245817", reason: APELRecordError.containsSeparator(field: "GlobalUserName").description)) {
            try setup.ledger.record(facts)
        }
        #expect(setup.queueFiles.isEmpty)
        let entry = try #require(try setup.ledger.entries().first)
        #expect(entry.status == .refused)
        #expect(FileManager.default.fileExists(atPath: setup.scratch("ledger/usage/6931245817.json")))
        #expect(try setup.ledger.deliverPending().refused == ["6931245817"])
        #expect(setup.queueFiles.isEmpty)
    }

    @Test("a user name with an accent never reaches the ledger's record or the queue in non-ASCII")
    func accentedUser() throws {
        let setup = try Setup()
        var facts = AccountingSamples.facts(userDN: "/DC=ch/DC=cern/CN=Zoë Ångström")
        facts.localUser = "zoë"
        try setup.ledger.record(facts)
        let text = try #require(try setup.queueTexts().first)
        #expect(text.utf8.allSatisfy { $0 < 0x80 })
        #expect(text.contains("GlobalUserName: /DC=ch/DC=cern/CN=Zoe Angstrom\n"))
        #expect(text.contains("LocalUserId: zoe\n"))
        try APELFormatChecker.check(text)
    }

    @Test("a queue that cannot be written leaves the delivery pending; deliverPending finishes it")
    func unwritableQueue() throws {
        var setup = try Setup()
        try setup.scratch.write("blocker", "a file, not a directory")
        setup.settings.apelQueue = setup.scratch("blocker/queue")
        let outcome = try setup.ledger.record(AccountingSamples.facts())
        #expect(outcome.entry.status == .pending)
        #expect(outcome.problems.count == 1)
        #expect(try setup.ledger.deliverPending().pending.map(\.id) == ["6931245817"])
        setup.settings.apelQueue = setup.scratch("queue")
        #expect(try setup.ledger.deliverPending().delivered == ["6931245817"])
        #expect(try setup.queueTexts() == [AccountingSamples.referenceJobMessage])
    }

    @Test("a PanDA id that cannot be a file name is refused before anything is stored", arguments: ["../x", "", ".hidden", "a/b", "id with space"])
    func invalidKey(id: String) throws {
        let setup = try Setup()
        #expect(throws: AccountingError.self) { try setup.ledger.record(AccountingSamples.facts(id: id)) }
        #expect(AccountingSamples.files(in: setup.scratch("ledger/jobs")).isEmpty)
    }
}
