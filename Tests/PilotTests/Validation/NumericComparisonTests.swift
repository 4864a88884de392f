import Testing
@testable import Pilot

/// The numeric method: tolerances, structure, text fields, spread.
@Suite("validation: numeric comparison")
struct NumericComparisonTests {
    let reference = "# name mean rms\nmass 91.1876 2.4952\npt 15.0 13.2\n"

    @Test("identical tables: no difference at all")
    func identical() {
        let result = NumericComparison.compare(reference, reference, spec: NumericSpec())
        #expect(result.passes && result.values == 4 && result.maxAbsolute == 0 && result.worst == nil)
    }

    @Test("within tolerance is compatible; the largest difference is reported where it is")
    func compatible() throws {
        let new = "mass 91.18760000001 2.4952\n# a comment moved\npt 15.0 13.2000000001\n"
        let spec = NumericSpec(tolerance: Tolerance(absolute: 1e-9))
        let result = NumericComparison.compare(reference, new, spec: spec)
        #expect(result.passes)
        #expect(abs(result.maxAbsolute - 1e-10) < 1e-12)
        let worst = try #require(result.worst)
        #expect(worst.line == 3 && worst.column == 3)
        let verdict = OutputComparer.compare(path: "m", spec: .numeric(spec),
                                             reference: OutputContent(sha256: "a", text: reference), new: OutputContent(sha256: "b", text: new))
        #expect(verdict.verdict == .compatible)
    }

    @Test("beyond tolerance is different, and the worst value is named with its allowance")
    func different() throws {
        let new = "mass 91.2 2.4952\npt 15.0 13.2\n"
        let spec = NumericSpec(tolerance: Tolerance(absolute: 1e-6, relative: 1e-6))
        let result = NumericComparison.compare(reference, new, spec: spec)
        #expect(!result.passes && result.beyondTolerance == 1)
        let worst = try #require(result.worst)
        #expect(worst.line == 2 && worst.column == 2 && worst.reference == 91.1876 && worst.new == 91.2)
        #expect(abs(worst.allowed - 91.2e-6) < 1e-12)
        let verdict = OutputComparer.compare(path: "m", spec: .numeric(spec),
                                             reference: OutputContent(sha256: "a", text: reference), new: OutputContent(sha256: "b", text: new))
        #expect(verdict.verdict == .different)
        #expect(verdict.summary.contains("1 beyond tolerance; worst at line 2 field 2"))
    }

    @Test("a column's own tolerance, and the reference's spread times spread_factor, widen it")
    func columnsAndSpread() {
        let new = "mass 91.1876 2.5\npt 15.0 13.2\n"
        #expect(!NumericComparison.compare(reference, new, spec: NumericSpec()).passes)
        #expect(NumericComparison.compare(reference, new, spec: NumericSpec(columns: [3: Tolerance(absolute: 0.01)])).passes)
        let spread = NumericSpec(spreadFactor: 3)
        #expect(!NumericComparison.compare(reference, new, spec: spread, spread: [3: 0.001]).passes)
        #expect(NumericComparison.compare(reference, new, spec: spread, spread: [3: 0.002]).passes)
    }

    @Test("structure: line and field counts and text fields must match; NaN matches NaN only")
    func structure() {
        #expect(NumericComparison.compare(reference, "mass 1 2\n", spec: NumericSpec()).structure == "2 data lines in the reference, 1 in the new")
        #expect(NumericComparison.compare(reference, "mass 91.1876\npt 15 13.2\n", spec: NumericSpec()).structure?.contains("line 2: 3 fields") == true)
        #expect(NumericComparison.compare(reference, "muon 91.1876 2.4952\npt 15.0 13.2\n", spec: NumericSpec()).structure?.contains("\"mass\" in the reference, \"muon\"") == true)
        #expect(NumericComparison.compare("x nan\n", "x nan\n", spec: NumericSpec()).passes)
        #expect(!NumericComparison.compare("x nan\n", "x 1\n", spec: NumericSpec(tolerance: Tolerance(absolute: 1e9))).passes)
        #expect(!NumericComparison.compare("x inf\n", "x 1e308\n", spec: NumericSpec(tolerance: Tolerance(relative: 1))).passes)
        #expect(NumericComparison.compare("1, 2.5\n", "1 ,2.5000001\n", spec: NumericSpec(tolerance: Tolerance(absolute: 1e-6), delimiter: ",")).passes)
    }

    @Test("the spread of repeats: identical repeats, then one that moved")
    func spread() throws {
        let spec = ComparisonSpec.numeric(NumericSpec())
        let same = OutputContent(sha256: "a", text: reference)
        let identical = try #require(OutputSpread.measure(spec, [same, same, same]))
        #expect(identical.identical && identical.repeats == 3 && identical.maxAbsolute == 0)
        #expect(identical.note == "identical in 3 repeats")
        let moved = try #require(OutputSpread.measure(spec, [same, OutputContent(sha256: "b", text: "mass 91.1877 2.4952\npt 15.0 13.2\n")]))
        #expect(!moved.identical)
        #expect(abs((moved.columnMaxAbsolute?["2"] ?? 0) - 1e-4) < 1e-9)
        #expect(OutputSpread.measure(spec, [same]) == nil)
    }
}
