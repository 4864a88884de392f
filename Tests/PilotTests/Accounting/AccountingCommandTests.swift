import Foundation
import Testing
@testable import Pilot

/// The accounting commands as a user runs them: answers, exit codes, one-line errors.
@Suite("pilot accounting commands", .serialized)
struct AccountingCommandTests {
    @Test("record refuses an invalid record with 86 and one line, and keeps the job")
    func refusedExitCode() throws {
        let scratch = try ScratchDirectory("accounting-cli")
        let facts = try AccountingSamples.writeFacts(
            AccountingSamples.facts(userDN: "/CN=a%%b"), in: scratch, name: "facts.json")
        let result = try PilotBinary.run(["accounting", "record", "--facts", facts], environment: AccountingCrashTests.environment(scratch))
        #expect(result.status == 86)
        #expect(result.stderr.contains("pilot: APEL record of job 6931245817 refused: GlobalUserName holds \"%%\""), "\(result.stderr)")
        #expect(AccountingSamples.files(in: scratch("queue")).isEmpty)
        let deliver = try PilotBinary.run(["accounting", "deliver"], environment: AccountingCrashTests.environment(scratch))
        #expect(deliver.stdout == "0 delivered, 0 pending, 0 held (no benchmark), 1 refused\n")
    }

    @Test("record: unreadable facts exit 66, an unwritable queue 87, a bad benchmark 64")
    func exitCodes() throws {
        let scratch = try ScratchDirectory("accounting-cli")
        let environment = AccountingCrashTests.environment(scratch)
        let missing = try PilotBinary.run(["accounting", "record", "--facts", scratch("none.json")], environment: environment)
        #expect(missing.status == 66)
        let partial = try scratch.write("partial.json", #"{"panda_id": "1", "queue": "Q"}"#)
        let incomplete = try PilotBinary.run(["accounting", "record", "--facts", partial], environment: environment)
        #expect(incomplete.status == 66 && incomplete.stderr.contains("missing \"node_name\""), "\(incomplete.stderr)")
        try scratch.write("blocker", "")
        let facts = try AccountingSamples.writeFacts(AccountingSamples.facts(), in: scratch, name: "facts.json")
        let blocked = try PilotBinary.run(
            ["accounting", "record", "--facts", facts, "--apel-queue", scratch("blocker/queue")], environment: environment)
        #expect(blocked.status == 87, "\(blocked.stderr)")
        #expect(blocked.stdout.hasPrefix("job 6931245817: pending"))
        let retried = try PilotBinary.run(["accounting", "deliver"], environment: environment)
        #expect(retried.status == 0 && retried.stdout.hasPrefix("1 delivered"), "\(retried.stdout)\(retried.stderr)")
        let usage = try PilotBinary.run(["accounting", "deliver", "--benchmark", "HS06:10"], environment: environment)
        #expect(usage.status == 64)
    }

    @Test("summarize prints the month's summary and sync messages; --enqueue puts them in the queue")
    func summarize() throws {
        let scratch = try ScratchDirectory("accounting-cli")
        let environment = AccountingCrashTests.environment(scratch)
        for (id, end) in [("1", Int64(1_791_973_800)), ("2", Int64(1_790_812_800 + 3600)), ("3", Int64(1_793_491_200 + 60))] {
            let facts = try AccountingSamples.writeFacts(
                AccountingSamples.facts(id: id, start: end - 9000, end: end), in: scratch, name: "\(id).json")
            #expect(try PilotBinary.run(["accounting", "record", "--facts", facts], environment: environment).status == 0)
        }
        let result = try PilotBinary.run(["accounting", "summarize", "--month", "2026-10"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let messages = result.stdout.components(separatedBy: "%%\n\n").map { $0.hasSuffix("%%\n") ? $0 : $0 + "%%\n" }
        #expect(messages.count == 2)
        let summary = try #require(try APELFormatChecker.check(messages[0]).first)
        #expect(summary["NumberOfJobs"] == "2" && summary["WallDuration"] == "18000" && summary["GlobalUserName"] != nil)
        #expect(try APELFormatChecker.check(messages[1]).first?["NumberOfJobs"] == "2")

        let before = AccountingSamples.files(in: scratch("queue")).count
        let queued = try PilotBinary.run(["accounting", "summarize", "--month", "2026-10", "--enqueue"], environment: environment)
        #expect(queued.status == 0)
        #expect(queued.stdout.split(separator: "\n").count == 2)
        #expect(AccountingSamples.files(in: scratch("queue")).count == before + 2)

        #expect(try PilotBinary.run(["accounting", "summarize", "--month", "2026-13"], environment: environment).status == 64)
        #expect(try PilotBinary.run(["accounting", "summarize", "--month", "2099-01"], environment: environment).status == 64)
    }

    @Test("report totals the ledger by month, architecture and queue")
    func report() throws {
        let scratch = try ScratchDirectory("accounting-cli")
        let environment = AccountingCrashTests.environment(scratch)
        let facts = try AccountingSamples.writeFacts(AccountingSamples.facts(), in: scratch, name: "facts.json")
        #expect(try PilotBinary.run(["accounting", "record", "--facts", facts], environment: environment).status == 0)
        let (result, _) = try PilotBinary.json(["accounting", "report", "--month", "2026-10", "--json"], environment: environment)
        #expect(result.status == 0)
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(totals.count == 1)
        #expect(totals.first?["core_seconds"] as? Int == 72000)
        #expect(totals.first?["queue"] as? String == "EXAMPLE_K8S")
        let table = try PilotBinary.run(["accounting", "report"], environment: environment)
        #expect(table.stdout.hasPrefix("month    arch    queue        jobs"))
    }
}
