/// Why a job description cannot be run; each case names the field, so the loop can report the job
/// to the server as failed (`pilotErrorCode`, `diagnostic`) instead of crashing on it.
enum JobDescriptionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The reply or file is not a job description at all (not a JSON object, not form fields).
    case notADescription(String)
    /// A field every job has is absent, empty or null.
    case missingField(String)
    /// A field holds something of the wrong kind (`coreCount: "four"`).
    case invalidField(field: String, value: String, expected: String)
    /// A per-file list has a different number of entries than the file list it belongs to.
    case misaligned(field: String, count: Int, expected: Int, alignedWith: String)
    /// A checksum that is neither `ad:` + 8 hex digits nor `md5:` + 32 (the `index`th of `field`).
    case invalidChecksum(field: String, index: Int, value: String)

    /// The pilot error code the failed job is reported with: PanDA has no dedicated code for a bad
    /// description, and pilot3 reports its own validation failures as GENERALERROR.
    var pilotErrorCode: PilotErrorCode { .generalError }

    /// One line for `pilot_error_diag`.
    var diagnostic: String { "invalid job description: \(description)" }

    var description: String {
        switch self {
        case .notADescription(let reason): reason
        case .missingField(let field): "missing \(field)"
        case .invalidField(let field, let value, let expected):
            "\(field) is \"\(Self.cut(value))\", expected \(expected)"
        case .misaligned(let field, let count, let expected, let alignedWith):
            "\(field) has \(count) entr\(count == 1 ? "y" : "ies") but \(alignedWith) has \(expected)"
        case .invalidChecksum(let field, let index, let value):
            "\(field) entry \(index + 1) is \"\(Self.cut(value))\", expected ad:<8 hex digits> or md5:<32 hex digits>"
        }
    }

    private static func cut(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
