import Foundation
import Testing
@testable import Pilot
import Payload

/// The histogram method on known-identical, known-compatible and known-different data, and its
/// statistics against scipy's.
@Suite("validation: histogram comparison")
struct HistogramComparisonTests {
    /// Park-Miller, as the example payload uses: reproducible samples without a library.
    struct Generator {
        var state: Double
        mutating func uniform() -> Double {
            state = (16807 * state).truncatingRemainder(dividingBy: 2147483647)
            return state / 2147483647
        }
        /// Nearly Gaussian: the sum of 12 uniforms less 6.
        mutating func gauss() -> Double { (0..<12).reduce(-6.0) { sum, _ in sum + uniform() } }
    }

    /// `entries` values of mean + sigma × gauss in 30 bins over [-3, 3).
    static func sample(seed: Double, entries: Int, mean: Double = 0, sigma: Double = 1) -> [Double] {
        var generator = Generator(state: seed)
        var counts = [Double](repeating: 0, count: 30)
        for _ in 0..<entries {
            let value = mean + sigma * generator.gauss()
            let bin = Int(((value + 3) / 0.2).rounded(.down))
            if (0..<30).contains(bin) { counts[bin] += 1 }
        }
        return counts
    }

    static func text(_ counts: [Double]) -> String {
        counts.enumerated().map { "\(-3 + 0.2 * Double($0.offset)) \(-2.8 + 0.2 * Double($0.offset)) \(Int($0.element))" }.joined(separator: "\n") + "\n"
    }

    static func content(_ text: String) -> OutputContent {
        OutputContent(sha256: Digest.hex(of: Array(text.utf8), .sha256), text: text)
    }

    let sameA = sample(seed: 12345, entries: 5000)
    let sameB = sample(seed: 777, entries: 4000)
    let shifted = sample(seed: 777, entries: 4000, mean: 0.3)

    @Test("identical histograms: chi2 0 and KS D 0 with p = 1, and the verdict is identical")
    func identical() {
        let chi = HistogramStatistics.chiSquare(sameA, sameA)
        let ks = HistogramStatistics.kolmogorovSmirnov(sameA, sameA)
        #expect(chi?.statistic == 0)
        #expect(chi?.pValue == 1)
        #expect(ks?.statistic == 0)
        #expect(ks?.pValue == 1)
        let text = Self.content(Self.text(sameA))
        let result = OutputComparer.compare(path: "h", spec: .histogram(HistogramSpec()), reference: text, new: text)
        #expect(result.verdict == .identical)
    }

    @Test("two samples of one distribution are compatible; a 0.3 sigma shift is different")
    func compatibleAndDifferent() throws {
        let compatible = OutputComparer.compare(path: "h", spec: .histogram(HistogramSpec()),
                                                reference: Self.content(Self.text(sameA)), new: Self.content(Self.text(sameB)))
        #expect(compatible.verdict == .compatible, "\(compatible.summary)")
        #expect(try #require(compatible.chiSquare).pValue > 0.01)
        #expect(try #require(compatible.kolmogorov).pValue > 0.01)
        let different = OutputComparer.compare(path: "h", spec: .histogram(HistogramSpec()),
                                               reference: Self.content(Self.text(sameA)), new: Self.content(Self.text(shifted)))
        #expect(different.verdict == .different)
        #expect(try #require(different.chiSquare).pValue < 1e-6)
        #expect(try #require(different.kolmogorov).pValue < 1e-6)
        #expect(different.summary.contains("chi2 and KS reject at 0.01"))
        #expect(different.histograms?.new.total == 4000 || (different.histograms?.new.total ?? 0) > 3900)
    }

    @Test("a known small table: the 2×k contingency chi-square, with empty bins left out of the ndf")
    func knownTable() throws {
        // scipy.stats.chi2_contingency([[10, 20, 30], [12, 18, 33]], correction=False)
        let result = try #require(HistogramStatistics.chiSquare([10, 20, 30, 0], [12, 18, 33, 0]))
        #expect(abs(result.statistic - 0.35698011261921103) < 1e-12)
        #expect(result.degreesOfFreedom == 2)
        #expect(abs(result.pValue - 0.8365323750549782) < 1e-12)
        #expect(HistogramStatistics.chiSquare([0, 0], [1, 2]) == nil)
        #expect(HistogramStatistics.chiSquare([5, 0], [7, 0])?.pValue == 1)
    }

    @Test("only the chosen test decides: a KS-only comparison ignores the chi-square")
    func chosenTest() {
        let spec = HistogramSpec(test: .ks, significance: 0.01)
        let result = OutputComparer.compare(path: "h", spec: .histogram(spec),
                                            reference: Self.content(Self.text(sameA)), new: Self.content(Self.text(sameB)))
        #expect(result.chiSquare == nil)
        #expect(result.kolmogorov != nil)
    }

    @Test("different binnings are different, whatever the counts")
    func binning() {
        let other = sameA.enumerated().map { "\(Double($0.offset) * 0.25) \(Double($0.offset + 1) * 0.25) \(Int($0.element))" }.joined(separator: "\n")
        let result = OutputComparer.compare(path: "h", spec: .histogram(HistogramSpec()),
                                            reference: Self.content(Self.text(sameA)), new: Self.content(other))
        #expect(result.verdict == .different)
        #expect(result.summary.contains("binning differs at bin 0"))
    }

    @Test("histogram files: edges, centres, bare counts; comments skipped; bad lines named")
    func parsing() throws {
        let edges = try Histogram.parse("# m\n0 1 5\n1 2 7\n")
        #expect(edges.layout == .edges && edges.counts == [5, 7] && edges.bins[1].low == 1)
        let centres = try Histogram.parse("1 3\n3 4\n7 1\n")
        #expect(centres.layout == .centers && centres.bins[0].low == 0 && centres.bins[1].high == 5 && centres.bins[2].high == 9)
        #expect(try Histogram.parse("4\n5\n").bins.map(\.low) == [0, 1])
        #expect(throws: DataFileError.badLine(line: 2, reason: "negative count -1.0")) { try Histogram.parse("0 1 3\n1 2 -1\n") }
        #expect(throws: DataFileError.badLine(line: 3, reason: "1 fields where the first data line has 2")) { try Histogram.parse("1 2\n\n3\n") }
        #expect(throws: DataFileError.empty) { try Histogram.parse("# nothing\n") }
    }

    @Test("chi-square and KS against scipy (chi2_contingency, ks_2samp, kstwobign)",
          .enabled(if: ScipyReference.unavailable == nil, "\(ScipyReference.unavailable ?? "")"))
    func againstScipy() throws {
        let pairs: [([Double], [Double])] = [
            (sameA, sameB), (sameA, shifted), (sameB, shifted),
            (Self.sample(seed: 4242, entries: 300), Self.sample(seed: 99, entries: 800, sigma: 1.1)),
            ([10, 20, 30, 0, 5], [12, 18, 33, 0, 2]), ([1, 0, 0, 3], [0, 2, 1, 3]),
        ]
        let answer = try ScipyReference.compute(histograms: pairs)
        for ((first, second), expected) in zip(pairs, answer.histograms) {
            let chi = try #require(HistogramStatistics.chiSquare(first, second))
            let ks = try #require(HistogramStatistics.kolmogorovSmirnov(first, second))
            #expect(agrees(chi.statistic, expected.chi2, relative: 1e-10), "chi2 \(chi.statistic), scipy \(expected.chi2)")
            #expect(chi.degreesOfFreedom == expected.ndf)
            #expect(agrees(chi.pValue, expected.chi2_p, relative: 1e-8), "chi2 p \(chi.pValue), scipy \(expected.chi2_p)")
            #expect(abs(ks.statistic - expected.ks_d) < 1e-12, "KS D \(ks.statistic), scipy \(expected.ks_d)")
            #expect(agrees(ks.pValue, expected.ks_p, relative: 1e-8), "KS p \(ks.pValue), scipy \(expected.ks_p)")
        }
    }
}
