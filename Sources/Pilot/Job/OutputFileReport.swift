import FoundationEssentials

/// The files a job produced, as the server's Adder reads them from `job_output_report` (legacy
/// `xml`, JSON despite the name): `{"<lfn>": {"guid", "fsize", "adler32", "surl"}}`
/// (server `adder_gen.py`, `parse_job_output_report`; pilot3 `generate_fileinfo`).
///
/// A finished job lists every output and the log; a failed one usually the log alone. An output
/// without size and checksum makes the Adder fail the job.
struct OutputFileReport: Sendable, Equatable {
    /// One staged-out file.
    struct Entry: Codable, Sendable, Equatable {
        /// The logical file name (the key of the report).
        var lfn: String
        /// The GUID the pilot gave the file (the log's comes from the job description).
        var guid: String
        /// Bytes (`fsize`, an integer).
        var size: Int
        /// 8 lowercase hex digits, zero-padded, as Rucio writes Adler-32.
        var adler32: String
        /// Where the file was written, when known.
        var surl: String?
        /// The RSE it was written to, when known.
        var endpoint: String?
    }

    var entries: [Entry]

    /// A report of these files.
    init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// The JSON text sent to the server (keys sorted, so it is reproducible).
    var json: String {
        var files: [String: JSONValue] = [:]
        for entry in entries {
            var fields: [String: JSONValue] = [
                "guid": .string(entry.guid), "fsize": .int(entry.size), "adler32": .string(entry.adler32),
            ]
            if let surl = entry.surl { fields["surl"] = .string(surl) }
            if let endpoint = entry.endpoint { fields["endpoint"] = .string(endpoint) }
            files[entry.lfn] = .object(fields)
        }
        return JSONValue.object(files).jsonText
    }

    /// A new GUID for an output file, in the upper-case form PanDA GUIDs take.
    static func newGUID() -> String {
        UUID().uuidString.uppercased()
    }
}
