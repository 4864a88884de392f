#if canImport(Glibc)
import Glibc
#endif
import CArchive

/// The job's log archive (PanDA's `logFile`): the work directory's logs and reports as a gzip'd
/// tar, staged out with the outputs so that a failed job can be understood afterwards.
///
/// Entries sit under one top directory (`tarball_PandaJob_<id>_<site>`, as pilot3 names it).
/// Input and output files are left out (they are data, not logs), and so is any file over
/// `maxFileBytes`: a log archive must never be the job's biggest output.
struct LogArchive {
    /// The directory whose files are archived.
    var directory: String
    /// The top directory inside the archive.
    var prefix: String
    /// Names (relative to `directory`) left out: inputs, outputs, the archive itself.
    var excluded: Set<String>
    /// Files larger than this are left out and listed in the summary.
    var maxFileBytes: Int64 = 512 << 20

    /// What went in and what did not.
    struct Summary: Sendable, Equatable {
        var files: [String] = []
        var bytes: Int64 = 0
        var skippedTooLarge: [String] = []
    }

    /// Writes the archive to `destination` through a temporary file and a rename.
    func write(to destination: String) throws(LogArchiveError) -> Summary {
        let temporary = destination + ".part"
        var archive = self
        if destination.hasPrefix(directory + "/") {  // never the archive into itself
            let inside = String(destination.dropFirst(directory.count + 1))
            archive.excluded.formUnion([inside, inside + ".part"])
        }
        let writer = try LogArchiveWriter(path: temporary)
        var summary = Summary()
        do {
            try archive.add(relative: "", writer: writer, summary: &summary)
            try writer.close()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, destination) == 0 else {
            let code = errno
            unlink(temporary)
            throw .system(call: "rename", path: destination, errno: code)
        }
        return summary
    }

    private func add(relative: String, writer: LogArchiveWriter, summary: inout Summary) throws(LogArchiveError) {
        let path = relative.isEmpty ? directory : directory + "/" + relative
        let names: [String]
        do { names = try FileReader.directoryEntries(path) ?? [] } catch {
            throw .system(call: error.call, path: error.path, errno: error.errno)
        }
        for name in names {
            let child = relative.isEmpty ? name : relative + "/" + name
            if excluded.contains(child) { continue }
            var info = stat()
            guard lstat(directory + "/" + child, &info) == 0 else { continue }  // gone meanwhile
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try writer.add(name: prefix + "/" + child, info: info, source: nil)
                try add(relative: child, writer: writer, summary: &summary)
            case S_IFREG where Int64(info.st_size) > maxFileBytes:
                summary.skippedTooLarge.append(child)
            case S_IFREG, S_IFLNK:
                try writer.add(name: prefix + "/" + child, info: info, source: directory + "/" + child)
                summary.files.append(child)
                summary.bytes += Int64(info.st_size)
            default:
                continue  // sockets, fifos, devices: nothing to read
            }
        }
    }
}

/// Why the log archive could not be written.
enum LogArchiveError: Error, CustomStringConvertible, Equatable {
    case system(call: String, path: String, errno: Int32)
    case archive(String)

    var description: String {
        switch self {
        case let .system(call, path, errno): "log archive: \(call) \(path): \(String(cString: strerror(errno)))"
        case let .archive(message): "log archive: \(message)"
        }
    }
}

/// Owns the libarchive write handle of one log archive (tar, pax restricted, gzip).
private final class LogArchiveWriter {
    private let handle: OpaquePointer
    private let path: String
    private var closed = false

    init(path: String) throws(LogArchiveError) {
        guard let handle = archive_write_new() else { throw .archive("archive_write_new failed") }
        self.handle = handle
        self.path = path
        archive_write_add_filter_gzip(handle)
        archive_write_set_format_pax_restricted(handle)
        guard archive_write_open_filename(handle, path) == ARCHIVE_OK else { throw .archive("\(path): \(message)") }
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    private var message: String { archive_error_string(handle).map { String(cString: $0) } ?? "unknown error" }

    /// Adds one entry; `source` is read for regular files and symlinks.
    func add(name: String, info: stat, source: String?) throws(LogArchiveError) {
        guard let entry = archive_entry_new() else { throw .archive("archive_entry_new failed") }
        defer { archive_entry_free(entry) }
        var info = info
        archive_entry_copy_stat(entry, &info)
        archive_entry_set_pathname(entry, name)
        archive_entry_set_uname(entry, nil)
        archive_entry_set_gname(entry, nil)
        if info.st_mode & S_IFMT == S_IFLNK, let source {
            var target = [CChar](repeating: 0, count: 4096)
            let n = readlink(source, &target, target.count - 1)
            guard n >= 0 else { throw .system(call: "readlink", path: source, errno: errno) }
            archive_entry_set_symlink(entry, String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard archive_write_header(handle, entry) == ARCHIVE_OK else { throw .archive("\(name): \(message)") }
        guard info.st_mode & S_IFMT == S_IFREG, let source else { return }
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(call: "open", path: source, errno: errno) }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var remaining = Int64(info.st_size)
        while remaining > 0 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }  // shrank while archived: the header's size is padded by libarchive
            let count = Int(min(Int64(n), remaining))
            let written = buffer.withUnsafeBytes { archive_write_data(handle, $0.baseAddress, count) }
            guard written >= 0 else { throw .archive("\(name): \(message)") }
            remaining -= Int64(count)
        }
    }

    /// Finishes the archive (gzip trailer) and flushes it to disk.
    func close() throws(LogArchiveError) {
        closed = true
        guard archive_write_close(handle) == ARCHIVE_OK else { throw .archive("\(path): \(message)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); Glibc.close(fd) }
    }
}
