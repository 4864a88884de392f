#if canImport(Glibc)
import Glibc
#endif

/// Numbers as the verdict table and the HTML report print them: a few significant digits, fixed
/// notation for ordinary magnitudes and exponent notation for very small or large ones
/// (FoundationEssentials has no `String(format:)`).
enum NumberText {
    /// `value` with `digits` significant digits: `0.01234`, `12.3`, `1.234e-07`, `2.5e+06`.
    static func format(_ value: Double, digits: Int = 4) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return "0" }
        let sign = value < 0 ? "-" : ""
        let magnitude = abs(value)
        var exponent = Int(floor(log10(magnitude)))
        var mantissa = Int((magnitude / pow(10, Double(exponent - digits + 1))).rounded())
        if mantissa >= pow10(digits) {
            mantissa /= 10
            exponent += 1
        }
        let text = String(mantissa)
        if exponent >= -4 && exponent < 6 {
            return sign + fixed(text, exponent: exponent)
        }
        let head = String(text.prefix(1)), tail = trimZeros(String(text.dropFirst()))
        let exponentText = (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
        return sign + head + (tail.isEmpty ? "" : "." + tail) + "e" + exponentText
    }

    /// A ratio such as `1.02x`.
    static func ratio(_ value: Double?) -> String {
        guard let value else { return "-" }
        return format(value, digits: 3) + "x"
    }

    /// Seconds as `0.42 s`.
    static func seconds(_ value: Double) -> String { format(value, digits: 3) + " s" }

    /// Kilobytes as MiB: `12.5 MiB`.
    static func mebibytes(kilobytes: Double) -> String { format(kilobytes / 1024, digits: 3) + " MiB" }

    /// The digits of `mantissa` (its first digit at 10^exponent) in fixed notation.
    private static func fixed(_ digits: String, exponent: Int) -> String {
        let count = digits.count
        if exponent >= count - 1 {
            return digits + String(repeating: "0", count: exponent - count + 1)
        }
        if exponent >= 0 {
            let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
            let fraction = trimZeros(String(digits[split...]))
            return String(digits[..<split]) + (fraction.isEmpty ? "" : "." + fraction)
        }
        let fraction = trimZeros(String(repeating: "0", count: -exponent - 1) + digits)
        return "0." + fraction
    }

    private static func trimZeros(_ text: String) -> String {
        String(text.reversed().drop(while: { $0 == "0" }).reversed())
    }

    private static func pow10(_ n: Int) -> Int {
        (0..<n).reduce(1) { value, _ in value * 10 }
    }
}
