#if canImport(Glibc)
import Glibc
#endif
import Payload

/// The file operations a validation run needs, as plain system calls with typed errors: making
/// and removing directories, copying an input with its checksums, collecting an output without
/// following a symlink the payload may have planted.
enum BundleFiles {
    /// A file's SHA-256 (hex) and size, and its Adler-32 and MD5 for Rucio-style checksums.
    struct Sums: Sendable, Equatable {
        var sha256: String
        var adler32: String
        var md5: String
        var bytes: Int

        /// Whether these sums match `checksum` (`ad:`/`md5:`).
        func matches(_ checksum: FileChecksum) -> Bool {
            switch checksum {
            case .adler32(let value): value == adler32
            case .md5(let value): value == md5
            }
        }
    }

    /// `mkdir -p`, mode 0755.
    static func makeDirectories(_ path: String) throws(SystemCallError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) == 0 || errno == EEXIST { continue }
            throw .last("mkdir", path: prefix)
        }
    }

    /// Whether `path` is missing or an empty directory.
    static func isMissingOrEmpty(_ path: String) throws(SystemCallError) -> Bool {
        guard let entries = try FileReader.directoryEntries(path) else { return true }
        return entries.isEmpty
    }

    /// Removes `path` and everything under it; symlinks are removed, never followed.
    static func removeTree(_ path: String) throws(SystemCallError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .last("lstat", path: path)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in try FileReader.directoryEntries(path) ?? [] {
                try removeTree(path + "/" + name)
            }
            guard rmdir(path) == 0 else { throw .last("rmdir", path: path) }
        } else {
            guard unlink(path) == 0 else { throw .last("unlink", path: path) }
        }
    }

    /// Copies `source` to `destination` (made 0644), computing its sums as it goes.
    static func copy(_ source: String, to destination: String) throws(SystemCallError) -> Sums {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .last("open", path: source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw .last("open", path: destination) }
        defer { close(output) }
        return try stream(input, path: source) { (chunk) throws(SystemCallError) in
            var offset = 0
            while offset < chunk.count {
                let written = write(output, chunk.baseAddress! + offset, chunk.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw .last("write", path: destination)
                }
                offset += written
            }
        }
    }

    /// The sums of a file.
    static func sums(_ path: String) throws(SystemCallError) -> Sums {
        let input = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard input >= 0 else { throw .last("open", path: path) }
        defer { close(input) }
        return try stream(input, path: path) { (_) throws(SystemCallError) in }
    }

    /// Moves the payload's output `relative` from `workdir` to `destination`; nil when it is not
    /// there. Every part of the path must be a real directory and the output a regular file: a
    /// symlink left by the payload could point anywhere on the host.
    static func collect(_ relative: String, from workdir: String, to destination: String) throws(SystemCallError) -> Bool? {
        var path = workdir
        let parts = relative.split(separator: "/")
        for (index, part) in parts.enumerated() {
            path += "/" + part
            var info = stat()
            guard lstat(path, &info) == 0 else {
                if errno == ENOENT || errno == ENOTDIR { return nil }
                throw .last("lstat", path: path)
            }
            let wanted = index == parts.count - 1 ? S_IFREG : S_IFDIR
            guard info.st_mode & S_IFMT == wanted else { return false }
        }
        if let slash = destination.lastIndex(of: "/") { try makeDirectories(String(destination[..<slash])) }
        guard rename(path, destination) == 0 else { throw .last("rename", path: path) }
        return true
    }

    /// Opens (creates, truncates) a file for a payload's standard output or error.
    static func openLog(_ path: String) throws(SystemCallError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .last("open", path: path) }
        return fd
    }

    /// Reads `fd` to its end, handing each chunk to `body` and summing it.
    private static func stream(_ fd: Int32, path: String, _ body: (UnsafeRawBufferPointer) throws(SystemCallError) -> Void) throws(SystemCallError) -> Sums {
        var checksums = StreamingChecksums(md5: true)
        let sha = Digest(.sha256)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .last("read", path: path)
            }
            if count == 0 { break }
            let failure: SystemCallError? = buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                checksums.update(chunk)
                sha.update(chunk)
                do throws(SystemCallError) { try body(chunk) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }
        return Sums(sha256: sha.finishHex(), adler32: checksums.adler32Hex, md5: checksums.finishMD5() ?? "", bytes: checksums.count)
    }
}
