/// A binned distribution as a payload writes it: one bin per data line.
///
/// Three numbers per line are `low high count` (the bin's edges), two are `x count` (a bin centre
/// or label), one is a bare `count` (bins numbered from 0). Every line must have the same form;
/// counts are unweighted entries, finite and not negative.
struct Histogram: Sendable, Equatable {
    /// How the bins were written, which fixes how they are drawn and matched.
    enum Layout: String, Sendable, Equatable {
        case counts, centers, edges
    }

    /// One bin: its extent on the x axis and its entries.
    struct Bin: Sendable, Equatable {
        var low: Double
        var high: Double
        var count: Double
    }

    /// The form of the file's lines.
    var layout: Layout
    /// The bins in file order.
    var bins: [Bin]

    /// The entries over every bin.
    var total: Double { bins.reduce(0) { $0 + $1.count } }

    /// The counts in bin order.
    var counts: [Double] { bins.map(\.count) }

    /// A histogram of these bins.
    init(layout: Layout, bins: [Bin]) {
        self.layout = layout
        self.bins = bins
    }

    /// Reads a histogram file's text.
    static func parse(_ text: String) throws(DataFileError) -> Histogram {
        let lines = DataLines(text).lines
        guard let width = lines.first?.fields.count else { throw .empty }
        guard (1...3).contains(width) else {
            throw .badLine(line: lines[0].number, reason: "a histogram line is 'count', 'x count' or 'low high count', not \(width) fields")
        }
        var values: [[Double]] = []
        for line in lines {
            guard line.fields.count == width else {
                throw .badLine(line: line.number, reason: "\(line.fields.count) fields where the first data line has \(width)")
            }
            var numbers: [Double] = []
            for field in line.fields {
                guard let number = DataLines.number(field), number.isFinite else {
                    throw .badLine(line: line.number, reason: "'\(field)' is not a finite number")
                }
                numbers.append(number)
            }
            guard numbers[width - 1] >= 0 else {
                throw .badLine(line: line.number, reason: "negative count \(numbers[width - 1])")
            }
            values.append(numbers)
        }
        switch width {
        case 1:
            return Histogram(layout: .counts, bins: values.enumerated().map { index, row in
                Bin(low: Double(index), high: Double(index + 1), count: row[0])
            })
        case 2:
            let centers = values.map { $0[0] }
            return Histogram(layout: .centers, bins: values.indices.map { index in
                let (low, high) = extent(of: index, centers: centers)
                return Bin(low: low, high: high, count: values[index][1])
            })
        default:
            return Histogram(layout: .edges, bins: values.map { Bin(low: $0[0], high: $0[1], count: $0[2]) })
        }
    }

    /// Whether `other` has the same bins (layout, number and edges within 1e-9 relative):
    /// nil when it does, else what differs.
    func binningDifference(_ other: Histogram) -> String? {
        if layout != other.layout { return "binning differs: \(layout.rawValue) against \(other.layout.rawValue)" }
        if bins.count != other.bins.count { return "binning differs: \(bins.count) bins against \(other.bins.count)" }
        for (index, (mine, theirs)) in zip(bins, other.bins).enumerated() {
            if !Self.same(mine.low, theirs.low) || !Self.same(mine.high, theirs.high) {
                return "binning differs at bin \(index): [\(mine.low), \(mine.high)) against [\(theirs.low), \(theirs.high))"
            }
        }
        return nil
    }

    /// A bin written by its centre reaches halfway to its neighbours (a lone bin is 1 wide).
    private static func extent(of index: Int, centers: [Double]) -> (Double, Double) {
        let center = centers[index]
        let before = index > 0 ? (center - centers[index - 1]) / 2 : nil
        let after = index + 1 < centers.count ? (centers[index + 1] - center) / 2 : nil
        let left = before ?? after ?? 0.5
        let right = after ?? before ?? 0.5
        return (center - left, center + right)
    }

    private static func same(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }
}
