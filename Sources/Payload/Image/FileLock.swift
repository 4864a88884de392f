#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive `flock` on a lock file, held until the value is released.
///
/// flock belongs to the open file description, so two threads of one process that each open the
/// file exclude each other as two processes do.
final class FileLock {
    private let descriptor: Int32

    /// Opens (creating) the lock file and waits for the lock.
    init(path: String) throws(ImageError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .systemCall("open", path) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(descriptor)
                throw .systemCall(call: "flock", path: path, errno: code)
            }
        }
    }

    deinit { close(descriptor) }
}
