/// Draws a histogram output's two distributions as inline SVG: the reference filled, the new one
/// as a line scaled to the reference's entries, and below them the ratio new/reference per bin
/// with its statistical error, so a physicist can see where the shapes part.
enum HistogramSVG {
    private static let width = 640.0
    private static let left = 64.0, right = 624.0
    private static let mainTop = 24.0, mainBottom = 254.0
    private static let ratioTop = 274.0, ratioBottom = 364.0
    private static let height = 420.0
    /// The ratio panel shows 0..2; points beyond are drawn at the edge.
    private static let ratioRange = 0.0...2.0

    /// The SVG element for one pair of histograms.
    static func render(_ pair: HistogramPair, title: String) -> String {
        let reference = pair.reference, new = pair.new
        let scale = new.total > 0 ? reference.total / new.total : 0
        let low = reference.bins.map(\.low).min() ?? 0
        var high = reference.bins.map(\.high).max() ?? 1
        if high <= low { high = low + 1 }
        let scaled = new.counts.map { $0 * scale }
        let top = max(reference.counts.max() ?? 0, scaled.max() ?? 0, 1) * 1.1
        let x = { (value: Double) in left + (value - low) / (high - low) * (right - left) }
        let y = { (value: Double) in mainBottom - value / top * (mainBottom - mainTop) }
        let ratioY = { (value: Double) in
            let clamped = min(max(value, ratioRange.lowerBound), ratioRange.upperBound)
            return ratioBottom - (clamped - ratioRange.lowerBound) / (ratioRange.upperBound - ratioRange.lowerBound) * (ratioBottom - ratioTop)
        }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\">\n"
        svg += "<title>\(HTMLText.escape(title))</title>\n"
        svg += "<text x=\"\(n(left))\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(HTMLText.escape(title))</text>\n"
        // The reference, filled.
        var outline = "M\(n(x(reference.bins.first?.low ?? low))),\(n(y(0)))"
        for bin in reference.bins {
            outline += " L\(n(x(bin.low))),\(n(y(bin.count))) L\(n(x(bin.high))),\(n(y(bin.count)))"
        }
        outline += " L\(n(x(reference.bins.last?.high ?? high))),\(n(y(0))) Z"
        svg += "<path class=\"reference\" d=\"\(outline)\" fill=\"#9ecae1\" stroke=\"#3182bd\" stroke-width=\"1\"/>\n"
        // The new one, scaled, as a step line.
        var line = ""
        for (bin, count) in zip(new.bins, scaled) {
            line += "\(line.isEmpty ? "M" : " L")\(n(x(bin.low))),\(n(y(count))) L\(n(x(bin.high))),\(n(y(count)))"
        }
        svg += "<path class=\"new\" d=\"\(line)\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\"/>\n"
        svg += axes(low: low, high: high, top: top, x: x, y: y)
        // The ratio panel.
        svg += "<line x1=\"\(n(left))\" y1=\"\(n(ratioY(1)))\" x2=\"\(n(right))\" y2=\"\(n(ratioY(1)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        for (index, bin) in reference.bins.enumerated() where index < new.bins.count && bin.count > 0 && scale > 0 {
            let other = new.bins[index].count
            let ratio = other * scale / bin.count
            let error = other > 0 ? ratio * (1 / bin.count + 1 / other).squareRoot() : 0
            let center = x((bin.low + bin.high) / 2)
            svg += "<line class=\"ratio-error\" x1=\"\(n(center))\" y1=\"\(n(ratioY(ratio - error)))\" x2=\"\(n(center))\" y2=\"\(n(ratioY(ratio + error)))\" stroke=\"#444\"/>"
            svg += "<circle class=\"ratio\" cx=\"\(n(center))\" cy=\"\(n(ratioY(ratio)))\" r=\"2\" fill=\"#d62728\"/>\n"
        }
        svg += "<rect x=\"\(n(left))\" y=\"\(n(ratioTop))\" width=\"\(n(right - left))\" height=\"\(n(ratioBottom - ratioTop))\" fill=\"none\" stroke=\"#000\"/>\n"
        for tick in [0.5, 1.0, 1.5] {
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(ratioY(tick) + 4))\" font-size=\"10\" text-anchor=\"end\">\(NumberText.format(tick))</text>\n"
        }
        svg += "<text x=\"14\" y=\"\(n((ratioTop + ratioBottom) / 2))\" font-size=\"11\" transform=\"rotate(-90 14 \(n((ratioTop + ratioBottom) / 2)))\" text-anchor=\"middle\">new / ref</text>\n"
        // The legend.
        let legend = [("#9ecae1", "reference, \(NumberText.format(reference.total, digits: 8)) entries"),
                      ("#d62728", "new, \(NumberText.format(new.total, digits: 8)) entries, scaled to the reference's")]
        for (index, (colour, text)) in legend.enumerated() {
            let start = left + Double(index) * 240
            let top = ratioBottom + 28
            svg += "<rect x=\"\(n(start))\" y=\"\(n(top))\" width=\"12\" height=\"10\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(n(start + 18))\" y=\"\(n(top + 9))\" font-size=\"11\">\(HTMLText.escape(text))</text>\n"
        }
        return svg + "</svg>"
    }

    /// The frame of the main panel with its x ticks (shared by the ratio panel) and y ticks.
    private static func axes(low: Double, high: Double, top: Double, x: (Double) -> Double, y: (Double) -> Double) -> String {
        var svg = "<rect x=\"\(n(left))\" y=\"\(n(mainTop))\" width=\"\(n(right - left))\" height=\"\(n(mainBottom - mainTop))\" fill=\"none\" stroke=\"#000\"/>\n"
        for step in 0...4 {
            let value = low + (high - low) * Double(step) / 4
            svg += "<line x1=\"\(n(x(value)))\" y1=\"\(n(ratioBottom))\" x2=\"\(n(x(value)))\" y2=\"\(n(ratioBottom + 4))\" stroke=\"#000\"/>"
            svg += "<text x=\"\(n(x(value)))\" y=\"\(n(ratioBottom + 16))\" font-size=\"10\" text-anchor=\"middle\">\(NumberText.format(value, digits: 3))</text>\n"
        }
        for step in 0...2 {
            let value = top / 1.1 * Double(step) / 2
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(y(value) + 4))\" font-size=\"10\" text-anchor=\"end\">\(NumberText.format(value, digits: 3))</text>\n"
        }
        return svg
    }

    /// A coordinate with two decimals at most.
    private static func n(_ value: Double) -> String {
        NumberText.format((value * 100).rounded() / 100, digits: 7)
    }
}
