#if canImport(Glibc)
import Glibc
#endif

/// Free and total space of the file system holding a directory.
enum DiskSpace {
    /// `statvfs` of `path`; free space is what an unprivileged writer may use (`f_bavail`).
    static func measure(_ path: String) throws(SystemCallError) -> DiskReport {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw .last("statvfs", path: path) }
        let unit = UInt64(info.f_frsize)
        return DiskReport(
            path: path, freeBytes: UInt64(info.f_bavail) * unit, totalBytes: UInt64(info.f_blocks) * unit
        )
    }
}
