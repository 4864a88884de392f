#if canImport(Glibc)
import Glibc
#endif
import Payload

/// The temporary file a download streams into, next to its destination; owns the descriptor.
///
/// The destination never holds a partial or unverified file: the part file is fsynced and renamed
/// over it only after the checksum matched.
// @unchecked: pwrite at distinct offsets is safe from several threads; fd changes only in commit, after they are joined.
final class PartFile: @unchecked Sendable {
    /// The part file's path, `<destination>.part`.
    let path: String
    /// Where it goes when done.
    let destination: String
    private var fd: Int32

    /// Creates (or empties) `<destination>.part`.
    init(destination: String) throws(StagingError) {
        self.destination = destination
        path = destination + ".part"
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .file(.last("open", path: path)) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    /// Writes `bytes` at `offset`; disk full is its own error.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StagingError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ENOSPC || errno == EDQUOT { throw .diskFull(path: path) }
                throw .file(.last("pwrite", path: path))
            }
            done += n
        }
    }

    /// Drops everything after `length` (a restart from 0 after the server ignored a range).
    func truncate(to length: Int) throws(StagingError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw .file(.last("ftruncate", path: path)) }
    }

    /// The MD5 of what was written, read back from the file (for parallel streams, whose MD5s
    /// cannot be joined).
    func readBackMD5() throws(StagingError) -> String {
        let digest = Digest(.md5)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .file(.last("pread", path: path))
            }
            if n == 0 { return digest.finishHex() }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
            offset += n
        }
    }

    /// fsyncs, closes and renames over the destination, then fsyncs the directory, so a crash
    /// leaves either the old destination or the whole new file.
    func commit() throws(StagingError) {
        guard fsync(fd) == 0 else {
            throw errno == ENOSPC || errno == EDQUOT ? .diskFull(path: path) : .file(.last("fsync", path: path))
        }
        close(fd)
        fd = -1
        guard rename(path, destination) == 0 else {
            let error = SystemCallError.last("rename", path: destination)
            unlink(path)
            throw .file(error)
        }
        let directory = destination.contains("/") ? String(destination[..<destination.lastIndex(of: "/")!]) : "."
        let dirfd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }
}
