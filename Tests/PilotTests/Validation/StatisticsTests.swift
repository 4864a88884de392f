import Foundation
import Testing
@testable import Pilot

/// The special functions behind the p-values: closed forms where they exist, then scipy.
@Suite("validation statistics: incomplete gamma and the Kolmogorov distribution")
struct StatisticsTests {
    @Test("log Γ(n) is log((n-1)!), Γ(1/2) is sqrt(π)")
    func logGamma() {
        var factorial = 1.0
        for n in 1...30 {
            if n > 1 { factorial *= Double(n - 1) }
            #expect(abs(IncompleteGamma.logGamma(Double(n)) - log(factorial)) <= 1e-12 * max(1, log(factorial)))
        }
        #expect(abs(IncompleteGamma.logGamma(0.5) - 0.5 * log(Double.pi)) < 1e-13)
        #expect(IncompleteGamma.logGamma(0).isNaN)
    }

    @Test("closed forms: P(1, x) = 1 - e^-x, Q(1/2, x) = erfc(sqrt x), chi2 with 2 dof is e^(-x/2)",
          arguments: [0.01, 0.3, 1, 2.5, 7, 20, 60])
    func closedForms(x: Double) {
        #expect(abs(IncompleteGamma.lower(1, x) - (1 - exp(-x))) < 1e-14)
        #expect(abs(IncompleteGamma.upper(0.5, x) - erfc(x.squareRoot())) <= 1e-13 * erfc(x.squareRoot()) + 1e-300)
        let survival = IncompleteGamma.chiSquareSurvival(x, degreesOfFreedom: 2)
        #expect(abs(survival - exp(-x / 2)) <= 1e-13 * exp(-x / 2))
        #expect(abs(IncompleteGamma.lower(3.7, x) + IncompleteGamma.upper(3.7, x) - 1) < 1e-14)
    }

    @Test("edges: x = 0, infinite x, invalid a")
    func edges() {
        #expect(IncompleteGamma.lower(2, 0) == 0)
        #expect(IncompleteGamma.upper(2, 0) == 1)
        #expect(IncompleteGamma.upper(2, .infinity) == 0)
        #expect(IncompleteGamma.lower(-1, 1).isNaN)
        #expect(IncompleteGamma.chiSquareSurvival(0, degreesOfFreedom: 5) == 1)
    }

    @Test("Kolmogorov: tabulated values, monotone, both series agree where they meet")
    func kolmogorov() {
        // The classic critical values: P(K > 1.36) ≈ 0.05, P(K > 1.63) ≈ 0.01.
        #expect(abs(KolmogorovDistribution.survival(1.3581) - 0.05) < 1e-4)
        #expect(abs(KolmogorovDistribution.survival(1.6276) - 0.01) < 1e-4)
        #expect(abs(KolmogorovDistribution.survival(1.0) - 0.26999967167735456) < 1e-12)
        #expect(KolmogorovDistribution.survival(0) == 1)
        #expect(KolmogorovDistribution.survival(10) == 0 || KolmogorovDistribution.survival(10) < 1e-80)
        let grid = stride(from: 0.2, through: 3.0, by: 0.05).map(KolmogorovDistribution.survival)
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 >= $1 })
        // At the switch both forms are valid: 1 - Jacobi's form equals the alternating series.
        var alternating = 0.0
        for k in 1...50 { alternating += (k % 2 == 1 ? 2 : -2) * exp(-2 * Double(k * k) * 1.18 * 1.18) }
        #expect(abs((1 - KolmogorovDistribution.distribution(1.18)) - alternating) < 1e-14)
    }

    @Test("P, Q, the chi-square tail and the Kolmogorov tail agree with scipy",
          .enabled(if: ScipyReference.unavailable == nil, "\(ScipyReference.unavailable ?? "")"))
    func againstScipy() throws {
        let gamma: [[Double]] = [[0.5, 0.1], [0.5, 3], [1, 1], [2.5, 1], [2.5, 9], [10, 3], [10, 10], [10, 30],
                                 [19.5, 12.3], [49.5, 80], [50, 50], [199.5, 150], [500, 560], [1000, 1100]]
        let chiSquare: [[Double]] = [[0.5, 1], [3.84, 1], [12.3, 5], [39, 39], [80, 39], [805.5, 39], [150, 100], [2000, 1999]]
        let lambdas = [0.05, 0.3, 0.5, 0.8, 1.0, 1.17, 1.19, 1.36, 1.63, 2.0, 3.0, 5.0]
        let answer = try ScipyReference.compute(gamma: gamma, chiSquare: chiSquare, kolmogorov: lambdas)
        for (pair, expected) in zip(gamma, answer.gamma) {
            let p = IncompleteGamma.lower(pair[0], pair[1]), q = IncompleteGamma.upper(pair[0], pair[1])
            #expect(agrees(p, expected["p"] ?? .nan), "P(\(pair[0]), \(pair[1])) = \(p), scipy \(expected["p"] ?? .nan)")
            #expect(agrees(q, expected["q"] ?? .nan), "Q(\(pair[0]), \(pair[1])) = \(q), scipy \(expected["q"] ?? .nan)")
        }
        for (pair, expected) in zip(chiSquare, answer.chi2_sf) {
            let value = IncompleteGamma.chiSquareSurvival(pair[0], degreesOfFreedom: pair[1])
            #expect(agrees(value, expected), "chi2.sf(\(pair[0]), \(pair[1])) = \(value), scipy \(expected)")
        }
        for (lambda, expected) in zip(lambdas, answer.kolmogorov) {
            let value = KolmogorovDistribution.survival(lambda)
            #expect(agrees(value, expected), "kolmogorov(\(lambda)) = \(value), scipy \(expected)")
        }
    }
}

/// Relative agreement to 1e-9, or absolute below 1e-300 (underflow).
func agrees(_ value: Double, _ expected: Double, relative: Double = 1e-9) -> Bool {
    if value == expected { return true }
    return abs(value - expected) <= relative * abs(expected) || abs(value - expected) < 1e-300
}
