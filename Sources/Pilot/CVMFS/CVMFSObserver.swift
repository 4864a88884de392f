#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The system calls of one repository probe. Runs only in the child process `pilot cvmfs observe`,
/// never in the pilot itself: any of these may block forever on a stuck FUSE daemon.
enum CVMFSObserver {
    /// The FUSE super magic `statfs` reports for every FUSE file system, CVMFS included.
    static let fuseMagic: UInt = 0x6573_5546

    /// Touches `path` and reports what each call returned.
    static func observe(path: String, xattrs: [String], files: [String]) -> CVMFSObservation {
        CVMFSObservation(
            listing: list(path),
            statfs: statfsType(path),
            xattrs: Dictionary(uniqueKeysWithValues: xattrs.map { ($0, attribute($0, of: path)) }),
            files: Dictionary(uniqueKeysWithValues: files.map { ($0, head(path + "/" + $0)) })
        )
    }

    private static func list(_ path: String) -> CVMFSObservation.Result {
        guard let dir = opendir(path) else { return .failed(errno) }
        defer { closedir(dir) }
        var count = 0
        errno = 0
        while readdir(dir) != nil { count += 1 }
        if errno != 0 { return .failed(errno) }
        return .ok(String(count))
    }

    private static func statfsType(_ path: String) -> CVMFSObservation.Result {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return .failed(errno) }
        return .ok("0x" + String(UInt(bitPattern: Int(info.f_type)), radix: 16))
    }

    private static func attribute(_ name: String, of path: String) -> CVMFSObservation.Result {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let size = buffer.withUnsafeMutableBytes { getxattr(path, name, $0.baseAddress, $0.count) }
        guard size >= 0 else { return .failed(errno) }
        return .ok(String(decoding: buffer[0..<size], as: UTF8.self))
    }

    private static func head(_ path: String) -> CVMFSObservation.Result {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return .failed(errno) }
        return .ok(String(decoding: buffer[0..<n], as: UTF8.self))
    }
}
