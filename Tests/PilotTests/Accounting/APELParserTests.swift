import Foundation
import Testing
@testable import Pilot

/// Every kind of message the pilot writes, loaded by APEL's own parser when an apel checkout is
/// named by `PILOT_APEL_SOURCE` (it is not on PyPI, so CI skips this lane; `APELFormatChecker`
/// covers the same rules everywhere).
@Suite("APEL's own parser")
struct APELParserTests {
    /// The apel checkout, when one is named and looks like one.
    static let source: String? = {
        guard let path = ProcessInfo.processInfo.environment["PILOT_APEL_SOURCE"], !path.isEmpty,
              FileManager.default.fileExists(atPath: path + "/apel/db/loader/record_factory.py")
        else { return nil }
        return path
    }()

    static var usable: Bool { source != nil && DirqPython.isUsable }

    /// Runs apel-parse.py on the messages; returns its JSON answer and exit status.
    private func parse(_ messages: [String]) throws -> (Int32, String) {
        let scratch = try ScratchDirectory("apel-parse")
        let files = try messages.enumerated().map { try scratch.write("message-\($0.offset)", $0.element) }
        let result = try LocalCommand.run(
            executable: DirqPython.python, arguments: [LocalCommand.script("apel-parse.py"), Self.source ?? ""] + files)
        return (result.status, result.stdout + result.stderr)
    }

    @Test("job, summary and sync messages load and pass the database checks",
          .enabled(if: usable, "set PILOT_APEL_SOURCE to an apel checkout (and scripts/install-dirq.sh) to run APEL's parser"))
    func accepted() throws {
        var messages = [AccountingSamples.jobMessage(AccountingSamples.facts())]
        var accented = AccountingSamples.facts(id: "42", userDN: "/DC=ch/CN=José Müller")
        accented.localUser = "zoë"
        accented.fqan = nil
        accented.vo = "atlas"
        messages.append(AccountingSamples.jobMessage(accented))
        let start = APELSummaryTests.october.start
        let records = (1...1200).map { APELSummaryTests.record(id: $0, start: start, end: start + 3600 + Int64($0), processors: Int64($0)) }
            + [APELSummaryTests.record(id: 9999, start: start - 7200, end: start + 7200)]
        messages += try APELSummarizer.summarize(records, month: APELSummaryTests.october, now: AccountingSamples.now).messages
        let (status, output) = try parse(messages)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"messages\": 5, \"records\": 1203"), "\(output)")
    }

    @Test("the lane is live: what APEL refuses is refused",
          .enabled(if: usable, "set PILOT_APEL_SOURCE to an apel checkout (and scripts/install-dirq.sh) to run APEL's parser"))
    func refused() throws {
        let custom = AccountingSamples.referenceJobMessage.replacingOccurrences(of: "HEPscore23", with: "custom")
        let float = AccountingSamples.referenceJobMessage.replacingOccurrences(of: "WallDuration: 9000", with: "WallDuration: 9000.0")
        for message in [custom, float] {
            let (status, output) = try parse([message])
            #expect(status == 1 && output.contains("refused"), "\(output)")
        }
    }
}
