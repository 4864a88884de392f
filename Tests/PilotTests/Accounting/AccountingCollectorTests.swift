import Foundation
import Logging
import Testing
@testable import Pilot

@Suite("Accounting HTTP collector", .serialized)
struct AccountingCollectorTests {
    private func ledger(_ scratch: ScratchDirectory, url: String) -> AccountingLedger {
        var settings = AccountingSamples.settings(queue: scratch("queue"))
        settings.collectorURL = url
        return AccountingLedger(directory: scratch("ledger"), settings: settings, logger: Logger(label: "test"), now: { AccountingSamples.now })
    }

    @Test("503s are retried; every POST carries the same record key; the body holds the APEL message and usage")
    func retries() throws {
        let server = try CollectorServer(failing: 2)
        defer { server.tearDown() }
        let scratch = try ScratchDirectory("collector")
        let outcome = try ledger(scratch, url: server.url).record(AccountingSamples.facts())
        #expect(outcome.problems.isEmpty)
        #expect(outcome.entry.status == .delivered)
        #expect(outcome.entry.collector?.attempts == 3)
        let posts = try server.posts()
        #expect(posts.map(\.status) == [503, 503, 201])
        #expect(Set(posts.map(\.idempotencyKey)) == ["UKI-EXAMPLE-SITE/6931245817/1791973800"])
        #expect(posts.allSatisfy { $0.contentType == "application/json" && $0.path == "/records" })
        let body = try #require(posts.last?.body)
        #expect(body.recordKey == "UKI-EXAMPLE-SITE/6931245817/1791973800")
        #expect(body.apelMessage == AccountingSamples.referenceJobMessage)
        #expect(!body.usage.isEmpty)
        // The dirq delivery happened too, once.
        #expect(AccountingSamples.files(in: scratch("queue")).count == 1)
    }

    @Test("an unreachable collector leaves the record spooled; deliverPending sends it later, once")
    func spool() throws {
        let scratch = try ScratchDirectory("collector")
        let closedPort = try StagingServers.freePort()
        let outcome = try ledger(scratch, url: "http://127.0.0.1:\(closedPort)/records").record(AccountingSamples.facts())
        #expect(outcome.entry.status == .pending)
        #expect(outcome.problems.first?.hasPrefix("collector: ") == true)
        #expect(outcome.entry.collector?.lastError != nil)
        #expect(AccountingSamples.files(in: scratch("queue")).count == 1)

        let server = try CollectorServer()
        defer { server.tearDown() }
        let report = try ledger(scratch, url: server.url).deliverPending()
        #expect(report.delivered == ["6931245817"])
        #expect(try ledger(scratch, url: server.url).deliverPending().delivered == ["6931245817"])
        #expect(try server.posts().count == 1)
        #expect(AccountingSamples.files(in: scratch("queue")).count == 1)
    }
}
