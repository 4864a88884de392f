/// The HTML report of a comparison (`pilot validate compare --html`): the two nodes, the verdict
/// table with time and memory ratios, each case's outputs with their statistics, and for every
/// histogram output its two distributions overlaid with their ratio, as inline SVG. One file,
/// no scripts, no external resources: it can be mailed or attached to a ticket.
enum HTMLReport {
    /// The whole document.
    static func render(_ comparison: BundleComparison) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>validation: \(HTMLText.escape(comparison.suite))</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
            td.number { text-align: right; }
            .identical { background: #d9f2d9; } .compatible { background: #eaf5c8; }
            .different { background: #f9d0d0; } .failed { background: #e8e8e8; }
            figure { margin: 1em 0; }
            </style></head><body>

            """
        html += "<h1>Validation of suite \(HTMLText.escape(comparison.suite)): <span class=\"\(comparison.verdict.rawValue)\">\(comparison.verdict.rawValue)</span></h1>\n"
        html += "<table><tr><th></th><th>bundle</th><th>node</th><th>repeats</th><th>created</th></tr>\n"
        for (label, side) in [("reference", comparison.reference), ("new", comparison.new)] {
            html += "<tr><th>\(label)</th><td>\(HTMLText.escape(side.directory))</td><td>\(HTMLText.escape(side.node.line))</td>"
            html += "<td class=\"number\">\(side.repeats)</td><td>\(HTMLText.escape(side.created))</td></tr>\n"
        }
        html += "</table>\n"
        html += "<table><tr><th>case</th><th>verdict</th><th>wall new/ref</th><th>CPU new/ref</th><th>peak memory new/ref</th></tr>\n"
        for item in comparison.cases {
            html += "<tr><td><a href=\"#case-\(HTMLText.escape(item.name))\">\(HTMLText.escape(item.name))</a></td>"
            html += "<td class=\"\(item.verdict.rawValue)\">\(item.verdict.rawValue)</td>"
            for value in [item.ratios?.wall, item.ratios?.cpu, item.ratios?.memory] {
                html += "<td class=\"number\">\(NumberText.ratio(value))</td>"
            }
            html += "</tr>\n"
        }
        html += "</table>\n"
        for item in comparison.cases { html += section(item) }
        return html + "</body></html>\n"
    }

    /// One case: its outputs and their plots.
    private static func section(_ item: CaseComparison) -> String {
        var html = "<h2 id=\"case-\(HTMLText.escape(item.name))\">\(HTMLText.escape(item.name)): <span class=\"\(item.verdict.rawValue)\">\(item.verdict.rawValue)</span></h2>\n"
        if let reason = item.reason { html += "<p>\(HTMLText.escape(reason))</p>\n" }
        if let reference = item.reference, let new = item.new {
            html += "<p>median wall \(NumberText.seconds(reference.wallSeconds)) → \(NumberText.seconds(new.wallSeconds)), "
            html += "CPU \(NumberText.seconds(reference.cpuSeconds)) → \(NumberText.seconds(new.cpuSeconds)), "
            html += "peak memory \(NumberText.mebibytes(kilobytes: reference.maxRSSKilobytes)) → \(NumberText.mebibytes(kilobytes: new.maxRSSKilobytes))</p>\n"
        }
        guard !item.outputs.isEmpty else { return html }
        html += "<table><tr><th>output</th><th>method</th><th>verdict</th><th>statistics</th></tr>\n"
        for output in item.outputs {
            html += "<tr><td>\(HTMLText.escape(output.path))</td><td>\(output.method)</td>"
            html += "<td class=\"\(output.verdict.rawValue)\">\(output.verdict.rawValue)</td><td>\(HTMLText.escape(output.summary))</td></tr>\n"
        }
        html += "</table>\n"
        for output in item.outputs {
            guard let pair = output.histograms else { continue }
            html += "<figure>\n" + HistogramSVG.render(pair, title: "\(item.name): \(output.path) (\(output.verdict.rawValue))")
            html += "\n<figcaption>\(HTMLText.escape(output.summary))</figcaption></figure>\n"
        }
        return html
    }
}

/// Text made safe for HTML and SVG content and attribute values.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as entities.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
