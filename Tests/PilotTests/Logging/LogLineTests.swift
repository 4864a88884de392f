import Foundation
import Testing
@testable import Pilot

/// The log line's hand-written JSON and timestamp against Foundation's own encoders.
@Suite("log line encoding")
struct LogLineTests {
    @Test("strings are escaped as JSONEncoder escapes them", arguments: [
        "plain", "quote \" and back\\slash", "new\nline\ttab\r", "bell \u{07} nul \u{00} esc \u{1B}",
        "ünïcödé and emoji 🚀", "slash / stays", "",
    ])
    func strings(text: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(text), as: UTF8.self)
        #expect(PilotLogHandler.jsonString(text).lowercased() == expected.lowercased())
        let decoded = try JSONSerialization.jsonObject(with: Data(PilotLogHandler.jsonString(text).utf8), options: .fragmentsAllowed) as? String
        #expect(decoded == text)
    }

    @Test("a JSON line has sorted keys and the ISO 8601 time")
    func line() throws {
        let time = Date(timeIntervalSince1970: 1_795_880_096.7)
        let line = PilotLogHandler.format(level: .info, message: "payload \"started\"", metadata: ["pid": "12", "a": "x"],
                                          label: "t", json: true, time: time)
        #expect(line == #"{"a":"x","level":"info","msg":"payload \"started\"","pid":"12","time":"2026-11-28T15:34:56Z"}"# + "\n")
        #expect(PilotLogHandler.timestamp(time) == ISO8601DateFormatter().string(from: time))
    }
}
