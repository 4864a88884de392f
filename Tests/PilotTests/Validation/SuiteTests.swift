import Foundation
import Testing
@testable import Pilot

/// Suite files: the example parses, and every mistake is an error that names it.
@Suite("validation: suite files")
struct SuiteTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/validation")

    /// A one-case suite around `caseJSON`'s fields.
    static func suite(_ caseFields: String) -> String {
        "{\"name\": \"s\", \"cases\": [{\"name\": \"c\", \"image\": \"img\", \(caseFields)}]}"
    }

    static let output = "\"outputs\": [{\"path\": \"out.txt\", \"compare\": {\"method\": \"exact\"}}]"

    @Test("the example suite parses; its input's checksum is the file's")
    func example() throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent("suite.json"), encoding: .utf8)
        let suite = try ValidationSuite.parse(text, path: "suite.json")
        #expect(suite.cases.map(\.name) == ["zpeak", "lowstat"])
        let zpeak = suite.cases[0]
        #expect(zpeak.command == ["/bin/awk", "-f", "/srv/generate.awk"])
        #expect(suite.cases[1].command.prefix(2) == ["/bin/sh", "-c"])
        #expect(zpeak.outputs.map(\.compare.method) == ["exact", "numeric", "histogram", "histogram"])
        guard case .numeric(let numeric) = zpeak.outputs[1].compare else { Issue.record("not numeric"); return }
        #expect(numeric.tolerance == Tolerance(absolute: 1e-9, relative: 1e-9) && numeric.spreadFactor == 3)
        let sums = try BundleFiles.sums(Self.examples.appendingPathComponent("generate.awk").path)
        #expect(zpeak.inputs[0].sha256 == sums.sha256)
    }

    @Test("mistakes are errors that say what and where", arguments: [
        (suite("\"command\": [\"true\"], \(output), \"timout\": 5"), "unknown key \"timout\" at cases[0]"),
        (suite("\"command\": [\"true\"]"), "missing key \"outputs\" at cases[0]"),
        (suite("\"command\": [\"true\"], \"outputs\": [{\"path\": \"../x\", \"compare\": {\"method\": \"exact\"}}]"), "case \"c\": output \"../x\" must be a relative path below /srv without '..'"),
        (suite("\"command\": [\"true\"], \"outputs\": [{\"path\": \"x\", \"compare\": {\"method\": \"fuzzy\"}}]"), "unknown method \"fuzzy\" (exact, numeric or histogram) at cases[0].outputs[0].compare.method"),
        (suite("\"command\": [\"true\"], \"outputs\": [{\"path\": \"x\", \"compare\": {\"method\": \"histogram\", \"significance\": 1.5}}]"), "case \"c\": output \"x\": significance must be between 0 and 1"),
        (suite("\"command\": [\"true\"], \"outputs\": [{\"path\": \"x\", \"compare\": {\"method\": \"numeric\", \"absolute\": -1}}]"), "case \"c\": output \"x\": tolerances must be finite and not negative"),
        (suite("\"command\": [\"true\"], \"outputs\": [{\"path\": \"x\", \"compare\": {\"method\": \"exact\", \"absolute\": 1}}]"), "unknown key \"absolute\" at cases[0].outputs[0].compare"),
        (suite("\"command\": [\"true\"], \(output), \"inputs\": [{\"name\": \"a\", \"path\": \"a\"}]"), "case \"c\": input \"a\": give its sha256 or checksum (ad:… or md5:…)"),
        (suite("\"command\": [\"true\"], \(output), \"inputs\": [{\"name\": \"a\", \"path\": \"a\", \"url\": \"https://x\", \"sha256\": \"\(String(repeating: "0", count: 64))\"}]"), "case \"c\": input \"a\": give a url or a path, not both"),
        (suite("\"command\": [\"true\"], \(output), \"inputs\": [{\"name\": \"a\", \"path\": \"a\", \"checksum\": \"ad:xyz\"}]"), "case \"c\": input \"a\": invalid checksum \"ad:xyz\": expected ad:XXXXXXXX or md5:<32 hex digits>"),
        ("{\"name\": \"s\", \"cases\": [{\"name\": \"a/b\", \"image\": \"i\", \"command\": \"true\", \(output)}]}", "case name \"a/b\" must be letters, digits, '.', '_' or '-' (it names a directory)"),
        ("{\"name\": \"s\", \"cases\": []}", "the suite has no cases"),
        ("{\"name\": \"s\", \"cases\": [", "not valid JSON"),
    ])
    func mistakes(text: String, message: String) {
        #expect(throws: ValidateError.invalidSuite(path: "s.json", reason: message)) {
            try ValidationSuite.parse(text, path: "s.json")
        }
    }

    @Test("a comparison spec survives the bundle's JSON: what is written is what compare reads")
    func roundTrip() throws {
        let specs: [ComparisonSpec] = [
            .exact, .histogram(HistogramSpec(test: .chi2, significance: 0.05)),
            .numeric(NumericSpec(tolerance: Tolerance(absolute: 1e-12, relative: 1e-9), columns: [2: Tolerance(absolute: 0.5)], delimiter: ",", spreadFactor: 3)),
        ]
        for spec in specs {
            #expect(try BundleJSON.decode(ComparisonSpec.self, from: BundleJSON.encode(spec)) == spec)
        }
    }
}

/// The text helpers of the reports.
@Suite("validation: number and HTML text")
struct ReportTextTests {
    @Test("significant digits, fixed for ordinary magnitudes and exponent notation otherwise", arguments: [
        (0.0, "0"), (1.0, "1"), (0.012345, "0.01235"), (12.3456, "12.35"), (805.5, "805.5"), (20000, "20000"),
        (7.068e-144, "7.068e-144"), (-2.5e6, "-2.5e+06"), (9.99999, "10"), (1e-5, "1e-05"), (0.0001, "0.0001"),
    ])
    func numbers(value: Double, text: String) {
        #expect(NumberText.format(value) == text)
    }

    @Test("HTML escaping of names and summaries")
    func escaping() {
        #expect(HTMLText.escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    }

    @Test("the SVG of a histogram pair: both distributions, one ratio point per filled bin")
    func svg() throws {
        let reference = try Histogram.parse("0 1 10\n1 2 20\n2 3 0\n")
        let new = try Histogram.parse("0 1 20\n1 2 40\n2 3 2\n")
        let svg = HistogramSVG.render(HistogramPair(reference: reference, new: new), title: "c: <h>")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("class=\"reference\"") && svg.contains("class=\"new\""))
        #expect(svg.components(separatedBy: "class=\"ratio\"").count - 1 == 2)
        #expect(svg.contains("c: &lt;h&gt;"))
        #expect(svg.contains("new, 62 entries, scaled to the reference&#39;s"))
    }
}
