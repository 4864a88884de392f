#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call, with the call, the path it worked on and the errno it set.
struct SystemCallError: Error, CustomStringConvertible, Equatable {
    /// The call that failed, as in its man page (`open`, `read`, `statvfs`).
    var call: String
    /// The file or directory the call was about.
    var path: String
    /// The errno the call set.
    var errno: Int32

    /// Captures the current `errno`; call it on the line after the failing call.
    static func last(_ call: String, path: String) -> SystemCallError {
        SystemCallError(call: call, path: path, errno: Glibc.errno)
    }

    /// True when the file or a directory above it does not exist.
    var isNotFound: Bool { errno == ENOENT || errno == ENOTDIR }

    var description: String {
        "\(call) \(path): \(String(cString: strerror(errno)))"
    }
}
