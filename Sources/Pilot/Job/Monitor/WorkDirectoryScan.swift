#if canImport(Glibc)
import Glibc
#endif

/// What a walk over a job's work directory found: its latest change and its size.
struct WorkDirectoryScan: Sendable, Equatable {
    /// One entry met on the walk.
    struct Entry: Sendable, Equatable {
        /// The path relative to the work directory, e.g. `run/out.root`.
        var path: String
        /// Its modification time, epoch seconds.
        var modified: Double
        /// Bytes it occupies on disk (`st_blocks` × 512, as du counts).
        var allocatedBytes: UInt64
    }

    /// The newest modification time of an entry that counts as the payload's; nil when none does.
    var latestModification: Double?
    /// The entry with that time.
    var latestPath: String?
    /// Bytes the directory occupies, every entry counted (the pilot's files too).
    var totalBytes: UInt64 = 0
    /// Entries seen.
    var entries = 0

    /// Folds entries into a scan. An entry whose last path component is in `ignoredNames` (the
    /// pilot's own files) adds to the size but is no sign of the payload's progress.
    init(entries: [Entry], ignoredNames: Set<String>) {
        for entry in entries {
            self.entries += 1
            totalBytes += entry.allocatedBytes
            let name = entry.path.split(separator: "/").last.map(String.init) ?? entry.path
            guard !ignoredNames.contains(name) else { continue }
            if entry.modified > (latestModification ?? -.infinity) {
                latestModification = entry.modified
                latestPath = entry.path
            }
        }
    }
}

/// Walks a work directory with lstat, never following symbolic links (input files are often
/// links into /cvmfs or a cache; a link's own time is what counts). The directory itself is
/// left out: the pilot's atomic writes of its files (write, rename) change its time.
struct WorkDirectoryScanner: Sendable {
    /// Names that are the pilot's files, not the payload's (`MonitorConfiguration.loopingIgnoredNames`).
    var ignoredNames: Set<String>

    /// Scans `directory`; entries that vanish or cannot be read during the walk are skipped.
    func scan(_ directory: String) -> WorkDirectoryScan {
        WorkDirectoryScan(entries: Self.entries(under: directory), ignoredNames: ignoredNames)
    }

    /// Every entry under `directory`, subdirectories' contents included.
    static func entries(under directory: String) -> [WorkDirectoryScan.Entry] {
        var found: [WorkDirectoryScan.Entry] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? directory : directory + "/" + relative
            guard let names = try? FileReader.directoryEntries(absolute) else { continue }
            for name in names {
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(directory + "/" + path, &info) == 0 else { continue }
                let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                found.append(.init(path: path, modified: modified, allocatedBytes: UInt64(max(0, info.st_blocks)) * 512))
                if info.st_mode & S_IFMT == S_IFDIR { pending.append(path) }
            }
        }
        return found
    }
}
