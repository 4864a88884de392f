/// The text `pilot validate compare` prints: the two nodes, one line per case with its verdict
/// and the new/reference ratios of wall time, CPU time and peak memory, then each output's
/// verdict with the statistics behind it, and a last line of counts.
enum VerdictTable {
    /// The whole report as text.
    static func render(_ comparison: BundleComparison) -> String {
        var lines: [String] = []
        lines.append("suite      \(comparison.suite)")
        lines.append("reference  \(side(comparison.reference))")
        lines.append("new        \(side(comparison.new))")
        if comparison.reference.suiteSHA256 != comparison.new.suiteSHA256 {
            lines.append("note       the suite files differ; the reference's comparison methods are used")
        }
        lines.append("")
        let rows = [["case", "verdict", "wall", "cpu", "memory"]] + comparison.cases.map { item in
            [item.name, item.verdict.rawValue, NumberText.ratio(item.ratios?.wall),
             NumberText.ratio(item.ratios?.cpu), NumberText.ratio(item.ratios?.memory)]
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            lines.append(align(row, widths))
            guard index > 0 else { continue }
            lines.append(contentsOf: details(comparison.cases[index - 1]))
        }
        lines.append("")
        let counts = Verdict.allCases.map { "\(comparison.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        lines.append("verdict: \(comparison.verdict.rawValue) (\(counts))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The indented lines under a case: why it failed, or its outputs; then its times.
    static func details(_ item: CaseComparison) -> [String] {
        var lines: [String] = []
        if let reason = item.reason { lines.append("    \(reason)") }
        let width = item.outputs.map(\.path.count).max() ?? 0
        for output in item.outputs {
            let path = output.path + String(repeating: " ", count: width - output.path.count)
            let verdict = output.verdict.rawValue + String(repeating: " ", count: 10 - output.verdict.rawValue.count)
            lines.append("    \(path)  \(verdict)  \(output.method): \(output.summary)")
        }
        if let reference = item.reference, let new = item.new {
            lines.append("    wall \(NumberText.seconds(reference.wallSeconds)) -> \(NumberText.seconds(new.wallSeconds)), "
                + "CPU \(NumberText.seconds(reference.cpuSeconds)) -> \(NumberText.seconds(new.cpuSeconds)), "
                + "peak \(NumberText.mebibytes(kilobytes: reference.maxRSSKilobytes)) -> \(NumberText.mebibytes(kilobytes: new.maxRSSKilobytes))"
                + " (medians)")
        }
        return lines
    }

    private static func side(_ side: BundleComparison.Side) -> String {
        "\(side.directory): \(side.node.line); \(side.repeats) repeat\(side.repeats == 1 ? "" : "s")"
    }

    private static func align(_ row: [String], _ widths: [Int]) -> String {
        zip(row, widths).enumerated().map { index, pair in
            let (text, width) = pair
            // Names and verdicts left, ratios right.
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return index < 2 ? text + padding : padding + text
        }.joined(separator: "  ").trimmingTrailingSpaces()
    }
}

extension String {
    /// The text without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        String(reversed().drop(while: { $0 == " " }).reversed())
    }
}
