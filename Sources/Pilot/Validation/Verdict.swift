/// What a comparison concluded, from best to worst.
enum Verdict: String, Codable, Sendable, CaseIterable, Comparable {
    /// Byte-identical outputs.
    case identical
    /// Not identical, but within the comparison's tolerances or tests.
    case compatible
    /// Beyond the tolerances, or the tests reject that both come from one distribution.
    case different
    /// Nothing to compare: the case or an output failed, or is missing, in a bundle.
    case failed

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

/// The comparison of one output of one case.
struct OutputComparison: Codable, Sendable, Equatable {
    /// The output's path under `/srv`.
    var path: String
    /// `exact`, `numeric` or `histogram`.
    var method: String
    /// What the comparison concluded.
    var verdict: Verdict
    /// One line with the statistics behind the verdict.
    var summary: String
    /// The numeric method's details.
    var numeric: NumericComparison.Result?
    /// The histogram method's tests (nil when not run).
    var chiSquare: HistogramStatistics.ChiSquare?
    /// The KS test (nil when not run).
    var kolmogorov: HistogramStatistics.Kolmogorov?
    /// Both histograms, for the HTML report's plot; not part of the JSON.
    var histograms: HistogramPair?

    enum CodingKeys: String, CodingKey {
        case path, method, verdict, summary, numeric, chiSquare = "chi2", kolmogorov = "ks"
    }

    /// An output that could not be compared, with the reason.
    static func failed(_ path: String, method: String, reason: String) -> OutputComparison {
        OutputComparison(path: path, method: method, verdict: .failed, summary: reason)
    }
}

/// The reference's and the new histogram of one output.
struct HistogramPair: Sendable, Equatable {
    /// The reference bundle's histogram.
    var reference: Histogram
    /// The new bundle's histogram.
    var new: Histogram
}
