#if canImport(Glibc)
import Glibc
#endif

/// Reads small text files (/proc, /sys, /etc) with plain system calls.
///
/// Files under /proc report a size of 0, so this reads until end of file instead of trusting stat.
enum FileReader {
    /// The whole file as UTF-8 text; invalid bytes are replaced.
    static func readString(_ path: String, limit: Int = 16 << 20) throws(SystemCallError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .last("open", path: path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last("read", path: path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file's text, or nil when it does not exist; other failures still throw.
    static func readIfPresent(_ path: String) throws(SystemCallError) -> String? {
        do {
            return try readString(path)
        } catch where error.isNotFound {
            return nil
        }
    }

    /// The text of the first of `paths` that exists; nil when none does.
    static func readFirstPresent(_ paths: [String]) throws(SystemCallError) -> String? {
        for path in paths {
            if let text = try readIfPresent(path) { return text }
        }
        return nil
    }

    /// The names in a directory, without `.` and `..`, sorted; nil when it does not exist.
    static func directoryEntries(_ path: String) throws(SystemCallError) -> [String]? {
        guard let dir = opendir(path) else {
            let error = SystemCallError.last("opendir", path: path)
            if error.isNotFound { return nil }
            throw error
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
