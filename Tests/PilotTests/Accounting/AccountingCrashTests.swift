import Foundation
import Testing
@testable import Pilot

/// The pilot SIGKILLed at each point between the payload's end and the record's delivery
/// (`PILOT_TEST_CRASH_AT`), then restarted: exactly one record per job in the queue, none lost.
@Suite("Accounting survives SIGKILL", .serialized)
struct AccountingCrashTests {
    /// The environment of a pilot writing into `scratch`'s ledger and queue.
    static func environment(_ scratch: ScratchDirectory, crashAt point: String? = nil) -> [String: String?] {
        [
            "PILOT_ACCOUNTING_DIR": scratch("ledger"), "PILOT_ACCOUNTING_APEL_QUEUE": scratch("queue"),
            "PILOT_BENCHMARK": "HEPscore23:15.2", "PILOT_ACCOUNTING_SUBMIT_HOST": "pilot.example.org:443",
            "PILOT_CONFIG": nil, "PILOT_ACCOUNTING_SITE": nil, "PILOT_ACCOUNTING_COLLECTOR_URL": nil,
            "PILOT_ACCOUNTING_PRICES": nil, "PILOT_LOG_LEVEL": "error", AccountingFaultHook.variable: point,
        ]
    }

    @Test("killed at each point, a restart leaves exactly one record per job", arguments: AccountingFaultHook.points)
    func crashAndRecover(point: String) throws {
        let scratch = try ScratchDirectory("crash")
        let jobA = AccountingSamples.facts(id: "6931245817")
        let jobB = AccountingSamples.facts(id: "6931245818", userDN: "/DC=ch/DC=cern/CN=José Müller")
        let factsA = try AccountingSamples.writeFacts(jobA, in: scratch, name: "a.json")
        let factsB = try AccountingSamples.writeFacts(jobB, in: scratch, name: "b.json")

        let first = try PilotBinary.run(["accounting", "record", "--facts", factsA], environment: Self.environment(scratch))
        #expect(first.status == 0, "\(first.stderr)")

        let killed = try PilotBinary.run(["accounting", "record", "--facts", factsB], environment: Self.environment(scratch, crashAt: point))
        #expect(killed.signaled && killed.status == SIGKILL, "expected SIGKILL at \(point): \(killed.status) \(killed.stderr)")

        // The restarted pilot: deliverPending first; a job killed before it was stored is recorded again.
        let deliver = try PilotBinary.run(["accounting", "deliver"], environment: Self.environment(scratch))
        #expect(deliver.status == 0, "\(deliver.stderr)")
        if point == "before-store" {
            #expect(deliver.stdout.hasPrefix("1 delivered"))
        }
        let again = try PilotBinary.run(["accounting", "record", "--facts", factsB], environment: Self.environment(scratch))
        #expect(again.status == 0, "\(again.stderr)")
        _ = try PilotBinary.run(["accounting", "deliver"], environment: Self.environment(scratch))

        let files = AccountingSamples.files(in: scratch("queue"))
        #expect(files.count == 2, "\(files)")
        #expect(files.allSatisfy { name in name.split(separator: "/").map(String.init).count == 2 && !name.hasSuffix(".tmp") })
        let texts = try files.map { try String(contentsOfFile: scratch("queue/" + $0), encoding: .utf8) }
        #expect(Set(texts) == [AccountingSamples.jobMessage(jobA), AccountingSamples.jobMessage(jobB)])
        for text in texts {
            try APELFormatChecker.check(text)
            #expect(!text.contains("é") && text.contains("CN=Jose Muller") == text.contains("6931245818"))
        }
        if DirqPython.isUsable {
            let listing = try DirqPython.read(scratch("queue"))
            #expect(listing.count == 2)
            #expect(Set(listing.elements.map(\.text)) == Set(texts))
        }
        let report = try PilotBinary.run(["accounting", "deliver", "--json"], environment: Self.environment(scratch))
        #expect(report.stdout.contains("\"delivered\" : 2"), "\(report.stdout)")
    }

    @Test("the hook names every point the ledger reaches, in order")
    func points() {
        #expect(AccountingFaultHook.points == [
            "before-store", "after-store", "after-intent", "after-temp", "after-link", "after-unlink", "after-queue",
        ])
        #expect(DirqQueue.Step.temporaryWritten.rawValue == "after-temp")
        #expect(AccountingFaultHook.fromEnvironment([:]).point == nil)
    }
}
