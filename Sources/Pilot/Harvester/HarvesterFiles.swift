import FoundationEssentials

/// Why a Harvester file could not be read or written.
enum HarvesterFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(SystemCallError)
    case unwritable(SystemCallError)
    /// `pandaJobData.out` is neither Harvester's JSON (`{PandaID: {job}}`) nor the old urlencoded form.
    case invalidJobFile(path: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let error): "cannot read a Harvester file: \(error)"
        case .unwritable(let error): "cannot write a Harvester file: \(error)"
        case .invalidJobFile(let path, let reason): "invalid Harvester job file \(path): \(reason)"
        }
    }
}

/// A file staged out, as `event_status.dump.json` declares it to Harvester.
struct StagedOutFile: Sendable, Equatable {
    var kind: JobOutputFile.Kind
    /// Where it lies (Harvester looks for it there).
    var path: String
    var guid: String
    var size: Int
    /// 8 lowercase hex digits (the value alone, no `ad:`).
    var adler32: String
}

/// The contents of the files a Harvester worker and its pilot exchange (PANDA.md §7; pilot3
/// `util/harvester.py`, Harvester `shared_file_messenger.py`): pure, tested on their own.
enum HarvesterFileFormat {
    /// The jobs in `pandaJobData.out`: Harvester writes `{"<PandaID>": {job fields}}` (JSON), or
    /// with `jobSpecFileFormat = cgi` the job's fields urlencoded.
    static func jobs(in text: String, path: String) throws(HarvesterFileError) -> [JobOffer] {
        let trimmed = text.trimmed
        guard !trimmed.isEmpty else { throw .invalidJobFile(path: path, reason: "empty") }
        if trimmed.hasPrefix("{") {
            guard let object = JSONValue.parse(trimmed)?.objectValue else {
                throw .invalidJobFile(path: path, reason: "not a JSON object")
            }
            // One job description as the server hands it out (a job file written by hand).
            if object["PandaID"] != nil { return [JobOffer(fields: JobFields(object))] }
            // Ordered by PandaID, so that a file with several jobs is read the same way every time.
            return try object.sorted { $0.key < $1.key }.map { (key, value) throws(HarvesterFileError) -> JobOffer in
                guard var fields = value.objectValue else {
                    throw .invalidJobFile(path: path, reason: "the entry for \(key) is not an object")
                }
                if fields["PandaID"] == nil { fields["PandaID"] = .string(key) }
                return JobOffer(fields: JobFields(fields))
            }
        }
        let form = FormEncoding.decode(trimmed)
        guard form.contains(where: { $0.name == "PandaID" }) else {
            throw .invalidJobFile(path: path, reason: "neither JSON nor form fields with a PandaID")
        }
        return [JobOffer(fields: JobFields(form: form))]
    }

    /// `worker_requestjob.json`: `{"nJobs": N}`.
    static func jobRequest(count: Int) -> String {
        JSONValue.object(["nJobs": .int(count)]).jsonText
    }

    /// `worker_pandaids.json`: a JSON list of PandaIDs (numbers or text).
    static func pandaIDs(in text: String) -> [Int]? {
        JSONValue.parse(text)?.arrayValue?.compactMap(\.integer)
    }

    /// `event_status.dump.json`: `{"<PandaID>": [{type, path, guid, fsize, chksum}]}`, the log first.
    static func stageOut(pandaID: Int, files: [StagedOutFile]) -> String {
        let ordered = files.filter { $0.kind == .log } + files.filter { $0.kind != .log }
        let entries = ordered.map { file in
            JSONValue.object([
                "type": .string(file.kind.rawValue), "path": .string(file.path), "guid": .string(file.guid),
                "fsize": .int(file.size), "chksum": .string(file.adler32),
            ])
        }
        return JSONValue.object([String(pandaID): .array(entries)]).jsonText
    }

    /// `jobReport.json` for Harvester: the payload's report with every executor's
    /// `logfileReport` emptied, as pilot3 shrinks it; nil when the report is not JSON.
    static func shrunkJobReport(_ text: String) -> String? {
        guard var report = JSONValue.parse(text)?.objectValue else { return nil }
        if let executors = report["executor"]?.arrayValue {
            report["executor"] = .array(executors.map { executor in
                guard var fields = executor.objectValue, fields["logfileReport"] != nil else { return executor }
                fields["logfileReport"] = .object([:])
                return .object(fields)
            })
        }
        return JSONValue.object(report).jsonText
    }
}
