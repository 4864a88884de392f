#if canImport(Glibc)
import Glibc
#endif

/// The Kolmogorov distribution: the limit law of sqrt(n) times the Kolmogorov-Smirnov distance,
/// which gives the p-value of a KS test (scipy's `kstwobign`, ROOT's `TMath::KolmogorovProb`).
enum KolmogorovDistribution {
    /// P(K > λ) = 2 Σ_{k≥1} (-1)^(k-1) exp(-2 k² λ²).
    ///
    /// That alternating series converges fast for large λ; below λ = 1.18 the survival is taken
    /// as 1 minus Jacobi's form of the distribution function,
    /// P(K ≤ λ) = sqrt(2π)/λ Σ_{k≥1} exp(-(2k-1)² π² / (8λ²)), which converges fast there.
    static func survival(_ lambda: Double) -> Double {
        guard !lambda.isNaN else { return .nan }
        if lambda <= 0 { return 1 }
        if lambda < 1.18 {
            return max(0, min(1, 1 - distribution(lambda)))
        }
        var sum = 0.0
        var sign = 1.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            sum += sign * term
            sign = -sign
            if term < 1e-17 * abs(sum) || term == 0 { break }
        }
        return max(0, min(1, 2 * sum))
    }

    /// P(K ≤ λ) by Jacobi's theta-function form; accurate for λ below about 1.2.
    static func distribution(_ lambda: Double) -> Double {
        guard lambda > 0 else { return 0 }
        let factor = -Double.pi * Double.pi / (8 * lambda * lambda)
        var sum = 0.0
        for k in 1...100 {
            let odd = Double(2 * k - 1)
            let term = exp(factor * odd * odd)
            sum += term
            if term < 1e-17 * sum || term == 0 { break }
        }
        return min(1, (2 * Double.pi).squareRoot() / lambda * sum)
    }
}
