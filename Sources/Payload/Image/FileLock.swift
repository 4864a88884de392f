#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive `flock` on a lock file, held until the value is released; owns the descriptor.
///
/// flock belongs to the open file description, so two threads of one process that each open the
/// file exclude each other as two processes do, and a holder that dies releases it.
final class FileLock {
    private let descriptor: Int32
    /// Whether the lock is held (false only for a `ifFree` attempt that found it taken).
    private let acquired: Bool

    /// Opens (creating) the lock file and waits for the lock.
    convenience init(path: String) throws(ImageError) {
        try self.init(path: path, wait: true)
    }

    /// The lock when nobody holds it; nil, without waiting, when someone does.
    static func ifFree(path: String) throws(ImageError) -> FileLock? {
        let lock = try FileLock(path: path, wait: false)
        return lock.acquired ? lock : nil
    }

    private init(path: String, wait: Bool) throws(ImageError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .systemCall("open", path) }
        var acquired = true
        while flock(descriptor, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK, !wait {
                acquired = false
                break
            }
            close(descriptor)
            throw .systemCall(call: "flock", path: path, errno: code)
        }
        self.descriptor = descriptor
        self.acquired = acquired
    }

    deinit { close(descriptor) }
}
