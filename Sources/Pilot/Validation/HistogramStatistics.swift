/// The two-sample tests of binned distributions: do two histograms come from one parent
/// distribution? Both compare shapes; the totals may differ (a rerun with other statistics).
enum HistogramStatistics {
    /// A chi-square test's outcome.
    struct ChiSquare: Codable, Sendable, Equatable {
        /// Σ (N₂n₁ᵢ - N₁n₂ᵢ)² / (N₁N₂(n₁ᵢ + n₂ᵢ)) over bins where either has entries.
        var statistic: Double
        /// The bins with entries, less one.
        var degreesOfFreedom: Int
        /// P(χ² ≥ statistic) for that many degrees of freedom.
        var pValue: Double

        enum CodingKeys: String, CodingKey {
            case statistic, degreesOfFreedom = "ndf", pValue = "p_value"
        }
    }

    /// A Kolmogorov-Smirnov test's outcome.
    struct Kolmogorov: Codable, Sendable, Equatable {
        /// D: the largest distance between the two normalized cumulative distributions.
        var statistic: Double
        /// N₁N₂ / (N₁ + N₂), the sample size the distribution is taken at.
        var effectiveEntries: Double
        /// P(K > sqrt(effectiveEntries) D) from the Kolmogorov distribution.
        var pValue: Double

        enum CodingKeys: String, CodingKey {
            case statistic, effectiveEntries = "effective_entries", pValue = "p_value"
        }
    }

    /// The chi-square test of homogeneity of two unweighted histograms with the same bins (the
    /// statistic of a 2×k contingency table, ROOT's `Chi2Test("UU")`); nil when either is empty.
    ///
    /// With a single filled bin there is nothing to test: the statistic is 0 with 0 degrees of
    /// freedom and a p-value of 1.
    static func chiSquare(_ reference: [Double], _ new: [Double]) -> ChiSquare? {
        precondition(reference.count == new.count, "histograms must have the same bins")
        let first = reference.reduce(0, +), second = new.reduce(0, +)
        guard first > 0, second > 0 else { return nil }
        var statistic = 0.0
        var filled = 0
        for (a, b) in zip(reference, new) where a + b > 0 {
            let difference = second * a - first * b
            statistic += difference * difference / (a + b)
            filled += 1
        }
        statistic /= first * second
        let degrees = filled - 1
        guard degrees > 0 else { return ChiSquare(statistic: 0, degreesOfFreedom: 0, pValue: 1) }
        return ChiSquare(
            statistic: statistic, degreesOfFreedom: degrees,
            pValue: IncompleteGamma.chiSquareSurvival(statistic, degreesOfFreedom: Double(degrees)))
    }

    /// The Kolmogorov-Smirnov test on binned data (ROOT's `KolmogorovTest`): D between the
    /// cumulative distributions at each bin's upper edge, the p-value from the Kolmogorov
    /// distribution at sqrt(N₁N₂/(N₁+N₂)) D; nil when either is empty.
    ///
    /// Binning can only hide differences inside a bin, so the binned test is conservative: its
    /// p-value is at least the unbinned one.
    static func kolmogorovSmirnov(_ reference: [Double], _ new: [Double]) -> Kolmogorov? {
        precondition(reference.count == new.count, "histograms must have the same bins")
        let first = reference.reduce(0, +), second = new.reduce(0, +)
        guard first > 0, second > 0 else { return nil }
        var cumulativeFirst = 0.0, cumulativeSecond = 0.0
        var distance = 0.0
        for (a, b) in zip(reference, new) {
            cumulativeFirst += a
            cumulativeSecond += b
            distance = max(distance, abs(cumulativeFirst / first - cumulativeSecond / second))
        }
        let effective = first * second / (first + second)
        return Kolmogorov(
            statistic: distance, effectiveEntries: effective,
            pValue: KolmogorovDistribution.survival(effective.squareRoot() * distance))
    }
}
