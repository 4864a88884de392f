#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The ledger's files: `jobs/<panda_id>.json` (one `LedgerEntry` each, replaced atomically),
/// `usage/<panda_id>.json` (the usage records, for cost studies) and `ledger.lock`.
struct LedgerStore: Sendable {
    /// The ledger directory.
    var directory: String

    /// The folder of entries.
    var jobsDirectory: String { directory + "/jobs" }
    /// The folder of usage records.
    var usageDirectory: String { directory + "/usage" }

    /// An entry's path.
    func entryPath(_ pandaID: String) -> String { "\(jobsDirectory)/\(pandaID).json" }
    /// A usage record's path.
    func usagePath(_ pandaID: String) -> String { "\(usageDirectory)/\(pandaID).json" }

    /// Creates the folders (and any missing parents).
    func prepare() throws(SystemCallError) {
        var path = ""
        for component in jobsDirectory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0, errno != EEXIST { throw .last("mkdir", path: path) }
        }
        if mkdir(usageDirectory, 0o755) != 0, errno != EEXIST { throw .last("mkdir", path: usageDirectory) }
    }

    /// Holds the ledger's lock (an exclusive flock, released when the process dies) during `body`,
    /// so `pilot accounting deliver` from cron and the job loop never interleave.
    func locked<T>(_ body: () throws(AccountingError) -> T) throws(AccountingError) -> T {
        do { try prepare() } catch { throw .store(error) }
        let path = directory + "/ledger.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .store(.last("open", path: path)) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw .store(.last("flock", path: path)) }
        }
        return try body()
    }

    /// The entry of a job, or nil when there is none.
    func entry(_ pandaID: String) throws(AccountingError) -> LedgerEntry? {
        let path = entryPath(pandaID)
        let text: String?
        do { text = try FileReader.readIfPresent(path) } catch { throw .store(error) }
        guard let text else { return nil }
        do { return try JSONDecoder().decode(LedgerEntry.self, from: Data(text.utf8)) } catch {
            throw .corruptEntry(path: path, reason: "not a ledger entry")
        }
    }

    /// Every entry, by PanDA id. A killed writer's temporary file (`*.json.tmp-<pid>`) is not one.
    func entries() throws(AccountingError) -> [LedgerEntry] {
        let names: [String]?
        do { names = try FileReader.directoryEntries(jobsDirectory) } catch { throw .store(error) }
        var entries: [LedgerEntry] = []
        for name in names ?? [] where name.hasSuffix(".json") {
            if let entry = try entry(String(name.dropLast(5))) { entries.append(entry) }
        }
        return entries
    }

    /// Replaces a job's entry atomically.
    func save(_ entry: LedgerEntry) throws(AccountingError) {
        do { try AtomicFile.write(try Self.json(entry), to: entryPath(entry.facts.pandaID)) } catch let error as SystemCallError {
            throw .store(error)
        } catch {
            throw .corruptEntry(path: entryPath(entry.facts.pandaID), reason: "cannot encode: \(error)")
        }
    }

    /// Writes the usage record unless it is there already.
    func saveUsageIfMissing(_ entry: LedgerEntry) throws(AccountingError) {
        let path = usagePath(entry.facts.pandaID)
        guard access(path, F_OK) != 0 else { return }
        try saveUsage(entry)
    }

    /// Writes (or replaces) the usage record.
    func saveUsage(_ entry: LedgerEntry) throws(AccountingError) {
        let path = usagePath(entry.facts.pandaID)
        do { try AtomicFile.write(try Self.json(entry.usage), to: path) } catch let error as SystemCallError {
            throw .store(error)
        } catch {
            throw .corruptEntry(path: path, reason: "cannot encode: \(error)")
        }
    }

    /// Pretty JSON with sorted keys, ending in a newline.
    static func json<T: Encodable>(_ value: T) throws -> String {
        try JSONOutput.encode(value) + "\n"
    }
}
