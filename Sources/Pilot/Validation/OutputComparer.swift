/// The contents of one collected output: its text and its SHA-256.
struct OutputContent: Sendable, Equatable {
    /// SHA-256 of the bytes, hex.
    var sha256: String
    /// The bytes as UTF-8 text.
    var text: String
}

/// Compares one output of the reference with the new one under its comparison method (pure).
enum OutputComparer {
    /// The verdict and statistics for `path`; `spread` is the reference's run-to-run spread.
    static func compare(path: String, spec: ComparisonSpec, reference: OutputContent, new: OutputContent,
                        spread: OutputSpread? = nil) -> OutputComparison {
        var result: OutputComparison
        switch spec {
        case .exact:
            result = exact(path, reference, new)
        case .numeric(let numeric):
            let columns = spread?.columnMaxAbsolute.map { Dictionary(uniqueKeysWithValues: $0.compactMap { key, value in Int(key).map { ($0, value) } }) } ?? [:]
            result = self.numeric(path, numeric, reference, new, spread: columns)
        case .histogram(let histogram):
            result = self.histogram(path, histogram, reference, new)
        }
        if reference.sha256 == new.sha256 && result.verdict != .failed {
            result.verdict = .identical
            result.summary = "byte-identical (sha256 \(reference.sha256.prefix(12))…)"
        }
        if let note = spread?.note { result.summary += "; reference run to run: \(note)" }
        return result
    }

    private static func exact(_ path: String, _ reference: OutputContent, _ new: OutputContent) -> OutputComparison {
        let first = reference.text.split(separator: "\n", omittingEmptySubsequences: false)
        let second = new.text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(first.count, second.count)).first(where: { first[$0] != second[$0] }).map { $0 + 1 }
            ?? min(first.count, second.count) + 1
        return OutputComparison(path: path, method: "exact", verdict: .different,
                                summary: "contents differ (sha256 \(reference.sha256.prefix(12))… against \(new.sha256.prefix(12))…), first at line \(line)")
    }

    private static func numeric(_ path: String, _ spec: NumericSpec, _ reference: OutputContent, _ new: OutputContent,
                                spread: [Int: Double]) -> OutputComparison {
        let result = NumericComparison.compare(reference.text, new.text, spec: spec, spread: spread)
        var summary: String
        if let structure = result.structure {
            summary = "not comparable value by value: \(structure)"
        } else {
            summary = "\(result.values) values, max |Δ| \(NumberText.format(result.maxAbsolute)), max relative \(NumberText.format(result.maxRelative))"
            if result.beyondTolerance > 0 {
                summary += ", \(result.beyondTolerance) beyond tolerance"
            }
            if let worst = result.worst {
                summary += "; \(result.beyondTolerance > 0 ? "worst" : "largest") at line \(worst.line) field \(worst.column): "
                    + "\(NumberText.format(worst.reference, digits: 10)) against \(NumberText.format(worst.new, digits: 10)) (allowed \(NumberText.format(worst.allowed)))"
            }
        }
        return OutputComparison(path: path, method: "numeric", verdict: result.passes ? .compatible : .different,
                                summary: summary, numeric: result)
    }

    private static func histogram(_ path: String, _ spec: HistogramSpec, _ reference: OutputContent, _ new: OutputContent) -> OutputComparison {
        let first: Histogram, second: Histogram
        do {
            first = try Histogram.parse(reference.text)
        } catch {
            return .failed(path, method: "histogram", reason: "the reference is not a histogram: \(error)")
        }
        do {
            second = try Histogram.parse(new.text)
        } catch {
            return .failed(path, method: "histogram", reason: "the new output is not a histogram: \(error)")
        }
        let pair = HistogramPair(reference: first, new: second)
        if let difference = first.binningDifference(second) {
            return OutputComparison(path: path, method: "histogram", verdict: .different, summary: difference, histograms: pair)
        }
        let totals = "entries \(NumberText.format(first.total, digits: 8)) and \(NumberText.format(second.total, digits: 8))"
        if first.total == 0 || second.total == 0 {
            let verdict: Verdict = first.total == second.total ? .compatible : .different
            return OutputComparison(path: path, method: "histogram", verdict: verdict, summary: "\(totals): nothing to test", histograms: pair)
        }
        let chiSquare = spec.test == .ks ? nil : HistogramStatistics.chiSquare(first.counts, second.counts)
        let kolmogorov = spec.test == .chi2 ? nil : HistogramStatistics.kolmogorovSmirnov(first.counts, second.counts)
        var parts: [String] = []
        var rejected: [String] = []
        if let chiSquare {
            parts.append("chi2 \(NumberText.format(chiSquare.statistic))/\(chiSquare.degreesOfFreedom) ndf, p = \(NumberText.format(chiSquare.pValue))")
            if chiSquare.pValue < spec.significance { rejected.append("chi2") }
        }
        if let kolmogorov {
            parts.append("KS D = \(NumberText.format(kolmogorov.statistic)), p = \(NumberText.format(kolmogorov.pValue))")
            if kolmogorov.pValue < spec.significance { rejected.append("KS") }
        }
        let verdictText = rejected.isEmpty ? "" : "; \(rejected.joined(separator: " and ")) reject at \(NumberText.format(spec.significance))"
        return OutputComparison(
            path: path, method: "histogram", verdict: rejected.isEmpty ? .compatible : .different,
            summary: parts.joined(separator: "; ") + " (\(totals), significance \(NumberText.format(spec.significance)))" + verdictText,
            chiSquare: chiSquare, kolmogorov: kolmogorov, histograms: pair)
    }
}
