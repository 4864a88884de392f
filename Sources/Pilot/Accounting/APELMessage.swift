/// The framing of an APEL message, as APEL's unloader writes it (APEL.md §1): the header line,
/// then each record's `Key: value` lines followed by `%%`, LF line endings, no blank lines.
enum APELMessage {
    /// The most records the server's unloader puts in one message (its default).
    static let maximumRecords = 1000
    /// Messages stay under this many bytes (AMS's limit is 1 MB).
    static let maximumBytes = 1_000_000

    /// One message: `header\n`, then each record followed by `%%\n`.
    static func render(header: String, records: [[(key: String, value: String)]]) -> String {
        var text = header + "\n"
        for record in records {
            for (key, value) in record { text += key + ": " + value + "\n" }
            text += "%%\n"
        }
        return text
    }

    /// The records as as few messages as the limits allow, in order: at most `maximumRecords`
    /// records and `maximumBytes` bytes each.
    static func batches(header: String, records: [[(key: String, value: String)]],
                        maximumRecords: Int = maximumRecords, maximumBytes: Int = maximumBytes) -> [String] {
        var messages: [String] = []
        var current: [[(key: String, value: String)]] = []
        var size = header.utf8.count + 1
        for record in records {
            let recordSize = record.reduce(3) { $0 + $1.key.utf8.count + $1.value.utf8.count + 3 }
            if !current.isEmpty, current.count == maximumRecords || size + recordSize > maximumBytes {
                messages.append(render(header: header, records: current))
                current = []
                size = header.utf8.count + 1
            }
            current.append(record)
            size += recordSize
        }
        if !current.isEmpty { messages.append(render(header: header, records: current)) }
        return messages
    }
}

/// VO, VOGroup and VORole from an FQAN, exactly as APEL's `parse_fqan` derives them
/// (`apel/common/parsing_utils.py`), so summaries group jobs as the server would.
struct APELVOAttributes: Hashable, Sendable {
    /// VO: the FQAN's first component, or the whole FQAN when it has no role.
    var vo: String?
    /// VOGroup: the FQAN up to the role (`/atlas`).
    var voGroup: String?
    /// VORole: `Role=production`.
    var voRole: String?

    /// From a record's FQAN, else its VO alone.
    init(fqan: String?, vo: String?) {
        guard let fqan else {
            self.vo = vo
            return
        }
        // Only the first FQAN counts; an FQAN without `/.../Role=` is taken whole as the VO.
        let first = String(fqan.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let lower = first.lowercased()
        guard first.hasPrefix("/"), let role = lower.firstRange(of: "role="),
              lower.distance(from: lower.startIndex, to: role.lowerBound) != 1
        else {
            self.vo = first
            return
        }
        let pieces = first.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var group = ""
        var roleValue: String?
        for piece in pieces where !piece.isEmpty {
            if piece.lowercased().hasPrefix("role=") {
                roleValue = piece
                break
            }
            group += "/" + piece
        }
        guard let roleValue else {  // `role=` inside a piece: APEL's parser gives up the same way
            self.vo = first
            return
        }
        self.vo = pieces[1]
        voGroup = group
        voRole = roleValue
    }
}
