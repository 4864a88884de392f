/// Why an output file could not be read as the table or histogram its comparison expects.
enum DataFileError: Error, CustomStringConvertible, Equatable {
    /// A line that does not fit the format: its 1-based number and what is wrong with it.
    case badLine(line: Int, reason: String)
    /// The file holds no data line at all.
    case empty

    var description: String {
        switch self {
        case .badLine(let line, let reason): "line \(line): \(reason)"
        case .empty: "no data lines"
        }
    }
}

/// The data lines of a text output: blank lines and `#` comments are left out, and each line
/// keeps its 1-based number for messages.
struct DataLines: Sendable, Equatable {
    /// One data line, split into fields.
    struct Line: Sendable, Equatable {
        var number: Int
        var fields: [String]
    }

    /// The data lines in file order.
    var lines: [Line]

    /// Splits `text` into data lines; fields are separated by whitespace, or by `delimiter`
    /// (e.g. `,`) with the whitespace around each field trimmed.
    init(_ text: String, delimiter: Character? = nil) {
        var lines: [Line] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let content = raw.drop(while: { $0 == " " || $0 == "\t" })
            if content.isEmpty || content.first == "#" || content.allSatisfy({ $0 == "\r" || $0 == " " || $0 == "\t" }) {
                continue
            }
            let fields: [String]
            if let delimiter {
                fields = raw.split(separator: delimiter, omittingEmptySubsequences: false).map { Self.trim($0) }
            } else {
                fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            }
            lines.append(Line(number: number, fields: fields))
        }
        self.lines = lines
    }

    /// A field as a number: decimal or exponent notation, `nan`, `inf`; nil for anything else.
    static func number(_ field: String) -> Double? {
        guard !field.isEmpty else { return nil }
        if let value = Double(field) { return value }
        switch field.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return nil
        }
    }

    private static func trim(_ text: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
