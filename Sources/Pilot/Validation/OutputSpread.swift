/// How much one output varied between the repeats of a case on one node (`--repeat N`): what
/// "compatible" has to allow for when the payload is not bit-reproducible.
struct OutputSpread: Codable, Sendable, Equatable {
    /// How many repeats were compared.
    var repeats: Int
    /// Whether every repeat wrote the same bytes.
    var identical: Bool
    /// Numeric outputs: the largest differences from the first repeat.
    var maxAbsolute: Double?
    /// Numeric outputs: the largest relative difference from the first repeat.
    var maxRelative: Double?
    /// Numeric outputs: the largest difference per column (keys are 1-based column numbers).
    var columnMaxAbsolute: [String: Double]?
    /// Histogram outputs: the smallest p-values of the first repeat against each other.
    var minChiSquarePValue: Double?
    /// Histogram outputs: the smallest KS p-value against the first repeat.
    var minKolmogorovPValue: Double?
    /// Why the repeats could not be compared value by value, when they could not.
    var problem: String?

    enum CodingKeys: String, CodingKey {
        case repeats, identical, maxAbsolute = "max_absolute", maxRelative = "max_relative"
        case columnMaxAbsolute = "column_max_absolute", minChiSquarePValue = "min_chi2_p_value"
        case minKolmogorovPValue = "min_ks_p_value", problem
    }

    /// Measures the spread of an output from its repeats' contents (pure); nil for one repeat.
    static func measure(_ spec: ComparisonSpec, _ contents: [OutputContent]) -> OutputSpread? {
        guard contents.count >= 2, let first = contents.first else { return nil }
        var spread = OutputSpread(repeats: contents.count, identical: contents.allSatisfy { $0.sha256 == first.sha256 })
        switch spec {
        case .exact:
            break
        case .numeric(let numeric):
            var columns: [Int: Double] = [:]
            var maxAbsolute = 0.0, maxRelative = 0.0
            for other in contents.dropFirst() {
                let result = NumericComparison.compare(first.text, other.text, spec: NumericSpec(delimiter: numeric.delimiter))
                if let structure = result.structure { spread.problem = structure }
                maxAbsolute = max(maxAbsolute, result.maxAbsolute)
                maxRelative = max(maxRelative, result.maxRelative)
                columns.merge(result.columnMaxAbsolute, uniquingKeysWith: max)
            }
            spread.maxAbsolute = maxAbsolute
            spread.maxRelative = maxRelative
            spread.columnMaxAbsolute = Dictionary(uniqueKeysWithValues: columns.map { (String($0.key), $0.value) })
        case .histogram:
            guard let reference = try? Histogram.parse(first.text) else {
                spread.problem = "the first repeat is not a histogram"
                return spread
            }
            for other in contents.dropFirst() {
                guard let histogram = try? Histogram.parse(other.text), reference.binningDifference(histogram) == nil else {
                    spread.problem = "a repeat's histogram does not parse or has other bins"
                    continue
                }
                if let test = HistogramStatistics.chiSquare(reference.counts, histogram.counts) {
                    spread.minChiSquarePValue = min(spread.minChiSquarePValue ?? 1, test.pValue)
                }
                if let test = HistogramStatistics.kolmogorovSmirnov(reference.counts, histogram.counts) {
                    spread.minKolmogorovPValue = min(spread.minKolmogorovPValue ?? 1, test.pValue)
                }
            }
        }
        return spread
    }

    /// One phrase for the verdict table: `identical in 3 repeats`, `max |Δ| 1e-15 in 3 repeats`.
    var note: String {
        if identical { return "identical in \(repeats) repeats" }
        var parts: [String] = []
        if let maxAbsolute { parts.append("max |Δ| \(NumberText.format(maxAbsolute))") }
        if let minChiSquarePValue { parts.append("chi2 p ≥ \(NumberText.format(minChiSquarePValue))") }
        if let minKolmogorovPValue { parts.append("KS p ≥ \(NumberText.format(minKolmogorovPValue))") }
        if let problem { parts.append(problem) }
        if parts.isEmpty { parts.append("not byte-identical") }
        return parts.joined(separator: ", ") + " in \(repeats) repeats"
    }
}
