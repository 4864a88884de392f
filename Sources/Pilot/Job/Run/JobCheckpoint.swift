#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// What a running job has cost so far, kept in its directory (`.pilot-job.json`, written
/// atomically at the start and at every heartbeat), so that a pilot killed mid-job (SIGKILL, a
/// node lost) leaves enough behind for the next pilot to account for it as `lost`.
struct JobCheckpoint: Codable, Sendable, Equatable {
    static let fileName = ".pilot-job.json"

    var pandaID: Int
    var queue: String
    var site: String?
    var node: String
    var cores: Int
    /// Seconds since the epoch.
    var startTime: Int64
    /// When this checkpoint was written: the last moment the job is known to have run.
    var lastSeen: Int64
    var cpuSeconds: Double
    var maxRSSKiB: Int64?
    var cpuModel: String?

    enum CodingKeys: String, CodingKey {
        case pandaID = "panda_id", queue, site, node, cores, startTime = "start_time", lastSeen = "last_seen"
        case cpuSeconds = "cpu_seconds", maxRSSKiB = "max_rss_kib", cpuModel = "cpu_model"
    }

    /// Writes it into `directory`; a failure only costs the lost-job record, so it is not thrown.
    func save(in directory: String) {
        guard let data = try? JSONEncoder().encode(self) else { return }
        try? AtomicFile.write(Array(data), to: directory + "/" + Self.fileName)
    }

    /// Job directories a dead pilot left under `workdir`, with their checkpoints.
    static func leftovers(in workdir: String) -> [(directory: String, checkpoint: JobCheckpoint)] {
        var found: [(String, JobCheckpoint)] = []
        for name in (try? FileReader.directoryEntries(workdir)) ?? [] {
            guard name.hasPrefix("PandaJob_") else { continue }
            let path = workdir + "/" + name
            guard let text = try? FileReader.readIfPresent(path + "/" + fileName),
                  let checkpoint = try? JSONDecoder().decode(JobCheckpoint.self, from: Data(text.utf8)) else { continue }
            found.append((path, checkpoint))
        }
        return found.sorted { $0.1.pandaID < $1.1.pandaID }
    }
}
