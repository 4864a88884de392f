#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `lstat` finds at a path (symlinks are never followed).
enum FileKind: Equatable {
    /// Nothing there (or a parent is not a directory); the others are the file types.
    case missing, directory, symlink, regular, other
}

/// The few file-system operations the image code needs, none of which follows a symlink inside
/// the tree it works on. Each failure becomes an `ImageError.systemCall` naming the call and path.
public enum FileTree {
    /// What is at `path`, without following a final symlink.
    static func kind(_ path: String) throws(ImageError) -> FileKind {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .missing }
            throw .systemCall("lstat", path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFREG: return .regular
        default: return .other
        }
    }

    /// The names in a directory (not `.` and `..`); the directory itself must not be a symlink.
    static func childNames(_ path: String) throws(ImageError) -> [String] {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .systemCall("open", path) }
        return try names(in: descriptor, path: path).map(text)
    }

    /// Removes `path` and, for a directory, everything under it. Symlinks are removed, never
    /// followed; directories are opened with O_NOFOLLOW relative to their parent's descriptor.
    public static func removeTree(_ path: String) throws(ImageError) {
        switch try kind(path) {
        case .missing:
            return
        case .directory:
            var descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if descriptor < 0, errno == EACCES, chmod(path, 0o700) == 0 {
                descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            guard descriptor >= 0 else { throw .systemCall("open", path) }
            try removeContents(of: descriptor, path: path)
            guard rmdir(path) == 0 else { throw .systemCall("rmdir", path) }
        default:
            guard unlink(path) == 0 else { throw .systemCall("unlink", path) }
        }
    }

    /// Empties the directory open on `descriptor`, which it closes.
    private static func removeContents(of descriptor: Int32, path: String) throws(ImageError) {
        // chmod u+rwx so a caller who is not root can empty a directory unpacked read-only.
        _ = fchmod(descriptor, 0o700)
        for name in try names(in: dup(descriptor), path: path) {
            let childPath = path + "/" + text(name)
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                close(descriptor)
                throw .systemCall("fstatat", childPath)
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                let child = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else {
                    close(descriptor)
                    throw .systemCall("openat", childPath)
                }
                do throws(ImageError) { try removeContents(of: child, path: childPath) } catch {
                    close(descriptor)
                    throw error
                }
            }
            let flags = info.st_mode & S_IFMT == S_IFDIR ? AT_REMOVEDIR : 0
            guard unlinkat(descriptor, name, flags) == 0 else {
                close(descriptor)
                throw .systemCall("unlinkat", childPath)
            }
        }
        close(descriptor)
    }

    /// The NUL-terminated names in the directory open on `descriptor`, which it closes.
    private static func names(in descriptor: Int32, path: String) throws(ImageError) -> [[CChar]] {
        guard descriptor >= 0, let directory = fdopendir(descriptor) else {
            if descriptor >= 0 { close(descriptor) }
            throw .systemCall("fdopendir", path)
        }
        defer { closedir(directory) }
        var names: [[CChar]] = []
        while let entry = readdir(directory) {
            var name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix(while: { $0 != 0 }).map { CChar(bitPattern: $0) }
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            name.append(0)
            names.append(name)
        }
        return names
    }

    /// A NUL-terminated name as text (invalid UTF-8 replaced).
    static func text(_ name: [CChar]) -> String {
        String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The canonical absolute path (symlinks resolved), for a path that exists.
    static func realPath(_ path: String) throws(ImageError) -> String {
        guard let resolved = realpath(path, nil) else { throw .systemCall("realpath", path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Creates a directory and its missing parents (`mkdir -p`).
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(ImageError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, mode) == 0 || errno == EEXIST { continue }
            throw .systemCall("mkdir", prefix)
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .systemCall("stat", path) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .systemCall(call: "mkdir", path: path, errno: ENOTDIR) }
    }
}
