#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that readers see the old content or the new, never a part: a temporary file
/// in the same directory, fsync, rename over the target, fsync of the directory. Records and
/// reports must survive a crash of the pilot.
enum AtomicFile {
    /// Replaces `path` with `bytes`; `mode` applies to a newly made file.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(SystemCallError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .last("open", path: temporary) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = SystemCallError.last("write", path: temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let error = SystemCallError.last("fsync", path: temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = SystemCallError.last("rename", path: path)
            unlink(temporary)
            throw error
        }
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Replaces `path` with `text` as UTF-8.
    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(SystemCallError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }
}
