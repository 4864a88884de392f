#if canImport(Glibc)
import Glibc
#endif

/// The regularized incomplete gamma functions P(a, x) and Q(a, x), and the chi-square
/// distribution's tail built on them, for the p-value of a chi-square test.
///
/// Written here rather than taken from a library: the static binary carries no numerics library,
/// and the comparison must give the same answer on every architecture the pilot runs on. The
/// methods are the classic ones (Lanczos' log-gamma, the power series of P below x = a + 1,
/// Lentz's continued fraction of Q above it), accurate to about 1e-13 relative for the degrees of
/// freedom histograms have; the tests check them against scipy.
enum IncompleteGamma {
    /// Relative size of the last term at which a series or fraction stops.
    private static let epsilon = 1e-16
    /// Stands for zero in Lentz's method, where a denominator must not vanish.
    private static let tiny = 1e-300

    /// log Γ(x) for x > 0, by Lanczos' approximation (g = 7, 9 coefficients); NaN for x ≤ 0.
    static func logGamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
        if x < 0.5 {
            // Reflection: Γ(x) Γ(1 - x) = π / sin(πx); sin(πx) > 0 on (0, 0.5).
            return log(Double.pi / sin(Double.pi * x)) - logGamma(1 - x)
        }
        let coefficients: [Double] = [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7,
        ]
        let z = x - 1
        var sum = coefficients[0]
        for index in 1..<coefficients.count {
            sum += coefficients[index] / (z + Double(index))
        }
        let t = z + 7.5
        return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
    }

    /// P(a, x) = γ(a, x) / Γ(a), the lower regularized incomplete gamma function; NaN when
    /// a ≤ 0 or x < 0.
    static func lower(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0, !a.isNaN, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if x == .infinity { return 1 }
        return x < a + 1 ? series(a, x) : 1 - continuedFraction(a, x)
    }

    /// Q(a, x) = 1 - P(a, x), the upper regularized incomplete gamma function, computed directly
    /// (not as 1 - P) so that small tails keep their precision; NaN when a ≤ 0 or x < 0.
    static func upper(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0, !a.isNaN, !x.isNaN else { return .nan }
        if x == 0 { return 1 }
        if x == .infinity { return 0 }
        return x < a + 1 ? 1 - series(a, x) : continuedFraction(a, x)
    }

    /// The probability that a chi-square variable with `degreesOfFreedom` exceeds `statistic`:
    /// Q(k/2, x/2), the p-value of a chi-square test.
    static func chiSquareSurvival(_ statistic: Double, degreesOfFreedom: Double) -> Double {
        if statistic <= 0 { return degreesOfFreedom > 0 ? 1 : .nan }
        return upper(degreesOfFreedom / 2, statistic / 2)
    }

    /// e^-x x^a / Γ(a), the factor both expansions share, computed in logarithms.
    private static func prefactor(_ a: Double, _ x: Double) -> Double {
        exp(-x + a * log(x) - logGamma(a))
    }

    /// P(a, x) by its power series, which converges fast for x < a + 1.
    private static func series(_ a: Double, _ x: Double) -> Double {
        var denominator = a
        var term = 1 / a
        var sum = term
        // The terms shrink once a + n > x; about sqrt(a) terms beyond that reach full precision.
        let limit = 1000 + Int(10 * a.squareRoot())
        for _ in 0..<limit {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * epsilon { break }
        }
        return min(1, sum * prefactor(a, x))
    }

    /// Q(a, x) by its continued fraction (modified Lentz), which converges fast for x > a + 1.
    private static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var fraction = d
        let limit = 1000 + Int(10 * a.squareRoot())
        for index in 1...limit {
            let i = Double(index)
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            fraction *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return min(1, prefactor(a, x) * fraction)
    }
}
