#if canImport(Glibc)
import Glibc
#endif
import Payload
import Synchronization

/// The temporary file a download streams into, next to its destination; owns the descriptor.
///
/// The destination never holds a partial or unverified file: the part file is fsynced and renamed
/// over it only after the checksum matched.
///
/// Writes are gathered into runs of `flushSize` bytes before each `pwrite`: libcurl hands its
/// write callback at most 16 KiB at a time (CURL_MAX_WRITE_SIZE), and one system call per 16 KiB
/// made a single stream slower than `curl -o` (STAGING.md §7: write buffers of 256 KiB or more).
/// A run grows while writes continue where it ends, so each parallel range stream has its own.
// @unchecked: pwrite at distinct offsets is safe from several threads; runs are behind a Mutex; fd changes only in commit, after they are joined.
final class PartFile: @unchecked Sendable {
    /// The part file's path, `<destination>.part`.
    let path: String
    /// Where it goes when done.
    let destination: String
    private var fd: Int32
    /// Bytes a run gathers before it is written.
    static let flushSize = 1 << 20

    /// Bytes accepted but not yet written, starting at `start`.
    private struct Run {
        var start: Int
        var bytes: [UInt8]
        var end: Int { start + bytes.count }
    }

    /// The runs not yet written, and emptied buffers kept for the next runs.
    private let runs = Mutex<(pending: [Run], spare: [[UInt8]])>(([], []))

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

    /// Writes `bytes` at `offset` (gathered first; see the type's comment); disk full is its own
    /// error, reported by this call or a later one.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StagingError) {
        guard !bytes.isEmpty else { return }
        var full: Run? = runs.withLock { state in
            let index: Int
            if let existing = state.pending.firstIndex(where: { $0.end == offset }) {
                index = existing
            } else {
                var buffer = state.spare.popLast() ?? []
                buffer.reserveCapacity(Self.flushSize + bytes.count)
                state.pending.append(Run(start: offset, bytes: buffer))
                index = state.pending.count - 1
            }
            state.pending[index].bytes.append(contentsOf: bytes)
            return state.pending[index].bytes.count >= Self.flushSize ? state.pending.remove(at: index) : nil
        }
        if full != nil { try writeOut(&full!) }  // in place: the buffer stays uniquely owned
    }

    /// Writes every gathered run (before a read-back, a truncation or the commit).
    func flush() throws(StagingError) {
        var pending = runs.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        for index in pending.indices { try writeOut(&pending[index]) }
    }

    /// pwrites one run, then keeps its buffer (emptied in place, so no new allocation) for another.
    private func writeOut(_ run: inout Run) throws(StagingError) {
        let failure: StagingError? = run.bytes.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(run.start + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == ENOSPC || errno == EDQUOT { return .diskFull(path: path) }
                    return .file(.last("pwrite", path: path))
                }
                done += n
            }
            return nil
        }
        if let failure { throw failure }
        run.bytes.removeAll(keepingCapacity: true)
        let buffer = run.bytes
        run.bytes = []
        runs.withLock { $0.spare.append(buffer) }
    }

    /// Drops everything after `length` (a restart from 0 after the server ignored a range).
    func truncate(to length: Int) throws(StagingError) {
        try flush()
        guard ftruncate(fd, off_t(length)) == 0 else { throw .file(.last("ftruncate", path: path)) }
    }

    /// The MD5 of what was written, read back from the file (for parallel streams, whose MD5s
    /// cannot be joined).
    func readBackMD5() throws(StagingError) -> String {
        try flush()
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
        try flush()
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
