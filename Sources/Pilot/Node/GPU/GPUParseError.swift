/// Why a piece of nvidia-smi or /proc/driver/nvidia text could not be read.
enum GPUParseError: Error, CustomStringConvertible, Equatable {
    /// The output had no rows or no content at all.
    case empty(what: String)
    /// A CSV row had a different number of fields than the header or query.
    case fieldCount(line: Int, expected: Int, found: Int)
    /// A line did not have the shape the format requires.
    case malformedLine(what: String, line: Int, text: String)
    /// The XML was cut off or its tags did not nest.
    case malformedXML(reason: String)

    var description: String {
        switch self {
        case .empty(let what):
            "\(what): no content"
        case .fieldCount(let line, let expected, let found):
            "nvidia-smi csv line \(line): expected \(expected) fields, found \(found)"
        case .malformedLine(let what, let line, let text):
            "\(what) line \(line): cannot parse \"\(text.prefix(80))\""
        case .malformedXML(let reason):
            "nvidia-smi xml: \(reason)"
        }
    }
}
