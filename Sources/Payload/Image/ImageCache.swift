#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The on-disk cache of unpacked images, shared by every job (and every pilot process) on a node.
///
/// ```
/// CACHE/rootfs/KEY/                 an unpacked image, complete: only a finished unpack is renamed here
/// CACHE/rootfs/.tmp-KEY-XXXXXX/     an unpack in progress, next to its final place (same file system)
/// CACHE/locks/KEY.lock              flock'ed while KEY is unpacked, so others wait instead of redoing it
/// CACHE/sources/IDENTITY            the KEY last found for an archive file with this dev/inode/size/times
/// ```
/// KEY is 64 hex digits: the manifest digest (OCI), the config digest (docker), the archive's
/// SHA-256 (rootfs archive). Atomic rename is what makes an entry appear, so a crash leaves at most
/// a stale `.tmp-` directory, which the next unpack of that KEY removes under the lock.
struct ImageCache {
    /// The cache's canonical path (symlinks resolved, so libarchive's symlink checks pass).
    let directory: String

    /// Opens the cache, creating its directories.
    init(directory: String) throws(ImageError) {
        try FileTree.makeDirectories(directory)
        let resolved = try FileTree.realPath(directory)
        for sub in ["rootfs", "locks", "sources"] {
            try FileTree.makeDirectories(resolved + "/" + sub)
        }
        self.directory = resolved
    }

    /// Where the image with `key` is (or will be) unpacked.
    func rootfsPath(_ key: String) -> String { directory + "/rootfs/" + key }

    /// The unpacked image for `key`, when it is there.
    func existing(_ key: String) throws(ImageError) -> String? {
        try FileTree.kind(rootfsPath(key)) == .directory ? rootfsPath(key) : nil
    }

    // MARK: - Archive identities

    /// A name for an archive file's exact state: device, inode, size, mtime and ctime to the
    /// nanosecond. Rewriting the file in place changes ctime, which no user can set back, and a
    /// new file gets a new inode or ctime; so a remembered key is reused only for the same bytes.
    static func identity(of info: stat) -> String {
        let fields: [String] = [
            String(info.st_dev), String(info.st_ino), String(info.st_size),
            "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)", "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)",
        ]
        return SHA256.hex(of: Array(fields.joined(separator: ":").utf8))
    }

    /// The key remembered for an archive identity.
    func rememberedKey(_ identity: String) -> String? {
        let path = directory + "/sources/" + identity
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let key = String(decoding: buffer[..<count], as: UTF8.self)
        return ImageDigest.isHex64(key) ? key : nil
    }

    /// Remembers the key for an archive identity (written to a temporary file, then renamed).
    /// A failure only costs a later inspection, so it is not reported.
    func remember(_ key: String, for identity: String) {
        let path = directory + "/sources/" + identity
        var template = Array((path + ".XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { return }
        let temporary = FileTree.text(template)
        let bytes = Array(key.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        if written != bytes.count || rename(temporary, path) != 0 { unlink(temporary) }
    }

    // MARK: - Unpacking

    /// The unpacked image for `key`, made by `unpack` into a fresh temporary directory when it is
    /// not there yet. Under the key's lock: one process unpacks, the others wait and reuse it.
    /// On failure the temporary directory is removed and nothing appears under `rootfs/`.
    func rootfs(_ key: String, unpack: (String) throws(ImageError) -> Void) throws(ImageError) -> (path: String, unpacked: Bool) {
        let lock = try FileLock(path: directory + "/locks/" + key + ".lock")
        defer { withExtendedLifetime(lock) {} }
        if let path = try existing(key) { return (path, false) }

        try removeStaleTemporaries(holding: key)
        var template = Array((directory + "/rootfs/.tmp-" + key + "-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw .systemCall("mkdtemp", directory + "/rootfs") }
        let temporary = FileTree.text(template)
        do throws(ImageError) {
            try unpack(temporary)
            guard chmod(temporary, 0o755) == 0 else { throw ImageError.systemCall("chmod", temporary) }
            let final = rootfsPath(key)
            if rename(temporary, final) != 0 {
                // Someone without the lock (another cache layout version, a manual copy) won.
                guard errno == EEXIST || errno == ENOTEMPTY else { throw ImageError.systemCall("rename", final) }
                try FileTree.removeTree(temporary)
            }
            return (final, true)
        } catch {
            try? FileTree.removeTree(temporary)
            throw error
        }
    }

    /// Removes the `.tmp-KEY-…` directories that no live unpack owns: those of `key` (whose lock
    /// the caller holds) and those of any other key whose lock is free, left by a killed pilot.
    private func removeStaleTemporaries(holding key: String) throws(ImageError) {
        for name in try FileTree.childNames(directory + "/rootfs") where name.hasPrefix(".tmp-") {
            let owner = String(name.dropFirst(".tmp-".count).prefix(64))
            guard ImageDigest.isHex64(owner) else { continue }
            if owner == key {
                try FileTree.removeTree(directory + "/rootfs/" + name)
            } else if let lock = try FileLock.ifFree(path: directory + "/locks/" + owner + ".lock") {
                try FileTree.removeTree(directory + "/rootfs/" + name)
                withExtendedLifetime(lock) {}
            }
        }
    }
}
