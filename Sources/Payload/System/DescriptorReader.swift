#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads an open file descriptor to its end: the seccomp export's memfd, cgroup files.
enum DescriptorReader {
    /// A read(2) that failed, with its errno; callers turn it into their own typed error.
    struct Failure: Error {
        var errno: Int32
    }

    /// Everything from the descriptor's offset to its end, retrying EINTR.
    static func readAll(_ fd: Int32) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }
}
