/// Compares two tables of numbers field by field: numbers within their column's tolerance, any
/// other text identical, the same lines and fields on both sides (comments and blank lines aside).
enum NumericComparison {
    /// Where a pair of values sits and how far apart it is.
    struct Location: Codable, Sendable, Equatable {
        /// The 1-based line in the reference file.
        var line: Int
        /// The 1-based field on that line.
        var column: Int
        var reference: Double
        var new: Double
        /// The largest difference the tolerance allowed there.
        var allowed: Double
    }

    /// The outcome of one comparison.
    struct Result: Codable, Sendable, Equatable {
        /// Pairs of numbers compared.
        var values = 0
        /// Pairs beyond their tolerance.
        var beyondTolerance = 0
        /// The largest |a - b| over finite pairs.
        var maxAbsolute = 0.0
        /// The largest |a - b| / max(|a|, |b|) over finite pairs.
        var maxRelative = 0.0
        /// The pair furthest beyond its tolerance (by |a - b| / allowed), else the pair with the
        /// largest difference; nil when every pair is equal.
        var worst: Location?
        /// Why the two files cannot be compared value by value (line or field counts, a text
        /// field that differs); nil when they can.
        var structure: String?
        /// The largest |a - b| per 1-based column, for the run-to-run spread.
        var columnMaxAbsolute: [Int: Double] = [:]

        /// Whether every value is within tolerance and the structure matches.
        var passes: Bool { structure == nil && beyondTolerance == 0 }

        enum CodingKeys: String, CodingKey {
            case values, beyondTolerance = "beyond_tolerance", maxAbsolute = "max_absolute"
            case maxRelative = "max_relative", worst, structure, columnMaxAbsolute = "column_max_absolute"
        }
    }

    /// Compares `new` with `reference` under `spec`; `spread` is the reference's run-to-run
    /// largest difference per column, which widens the tolerance by `spec.spreadFactor`.
    static func compare(_ reference: String, _ new: String, spec: NumericSpec, spread: [Int: Double] = [:]) -> Result {
        let delimiter = spec.delimiter.flatMap(\.first)
        let first = DataLines(reference, delimiter: delimiter).lines
        let second = DataLines(new, delimiter: delimiter).lines
        var result = Result()
        guard first.count == second.count else {
            result.structure = "\(first.count) data lines in the reference, \(second.count) in the new"
            return result
        }
        var worstScore = -1.0
        for (line, other) in zip(first, second) {
            guard line.fields.count == other.fields.count else {
                result.structure = "line \(line.number): \(line.fields.count) fields in the reference, \(other.fields.count) in the new"
                return result
            }
            for (index, (a, b)) in zip(line.fields, other.fields).enumerated() {
                let column = index + 1
                guard let x = DataLines.number(a), let y = DataLines.number(b) else {
                    if a != b {
                        result.structure = "line \(line.number) field \(column): \"\(a)\" in the reference, \"\(b)\" in the new"
                        return result
                    }
                    continue
                }
                result.values += 1
                var tolerance = spec.tolerance(column: column)
                if spec.spreadFactor > 0, let seen = spread[column] {
                    tolerance.absolute = max(tolerance.absolute, spec.spreadFactor * seen)
                }
                let difference = x.isFinite && y.isFinite ? abs(x - y) : (x == y || (x.isNaN && y.isNaN) ? 0 : .infinity)
                if difference > 0 {
                    result.maxAbsolute = max(result.maxAbsolute, difference)
                    result.columnMaxAbsolute[column] = max(result.columnMaxAbsolute[column] ?? 0, difference)
                    if difference.isFinite {
                        result.maxRelative = max(result.maxRelative, difference / max(abs(x), abs(y)))
                    }
                }
                let allowed = max(tolerance.absolute, tolerance.relative * max(abs(x), abs(y)))
                let passes = tolerance.accepts(x, y)
                if !passes { result.beyondTolerance += 1 }
                // Beyond tolerance always outranks within; then the larger excess or difference.
                let score = passes ? (difference > 0 ? difference / (difference + allowed) : -1) : 1 + (allowed > 0 ? difference / allowed : .greatestFiniteMagnitude)
                if score > worstScore && difference > 0 {
                    worstScore = score
                    result.worst = Location(line: line.number, column: column, reference: x, new: y, allowed: allowed)
                }
            }
        }
        return result
    }
}
