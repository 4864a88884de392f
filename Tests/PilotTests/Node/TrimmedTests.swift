import Testing
@testable import Pilot

/// `trimmed` answers plain texts from their end bytes and falls back to Unicode for the rest.
@Suite("trimmed")
struct TrimmedTests {
    @Test("spaces, tabs and line breaks at either end go; inner ones and non-blank ends stay", arguments: [
        ("abc", "abc"), ("  abc", "abc"), ("abc\n", "abc"), ("\t a b \r\n", "a b"), ("", ""), ("   ", ""),
        ("é", "é"), ("\u{00A0}x\u{00A0}", "x"), ("x\u{2028}", "x"), ("\u{0B}v\u{0C}", "v"), ("日本", "日本"),
    ])
    func trims(_ text: String, _ expected: String) {
        #expect(text.trimmed == expected)
        #expect(Substring(text).trimmed == expected)
    }
}
