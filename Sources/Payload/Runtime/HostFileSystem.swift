#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The host look-ups the planners need (does a node exist, where does a symlink lead, where is a
/// program on PATH), under a root that tests point at a temporary directory.
///
/// Every path given to it is absolute as the host sees it; every path it returns has the root
/// in front, so it can be opened or bound by this process as is.
public struct HostFileSystem: Sendable, Equatable {
    /// The directory standing for `/`; "/" on a live system.
    public var root: String

    public init(root: String) { self.root = root }

    /// `root` + `path`; `path` unchanged when the root is `/`.
    public func path(_ absolute: String) -> String {
        if root == "/" || root.isEmpty { return absolute }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return base + (absolute.hasPrefix("/") ? absolute : "/" + absolute)
    }

    /// True when something (following symlinks) is at `absolute`.
    public func exists(_ absolute: String) -> Bool {
        var info = stat()
        return stat(path(absolute), &info) == 0
    }

    /// True when `absolute` is a regular file (after symlinks) this process may execute.
    func isExecutableFile(_ absolute: String) -> Bool {
        Self.isExecutableFile(path(absolute))
    }

    /// The file `absolute` finally leads to, with the root in front; nil when it leads nowhere.
    ///
    /// Symlinks are resolved by the kernel, so a fake root must use relative links.
    func realPath(_ absolute: String) -> String? {
        guard let resolved = realpath(path(absolute), nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The first `directory/name` in `searchPath` (a PATH value) that is an executable file,
    /// as a host path without the root; relative PATH entries are skipped.
    func findExecutable(_ name: String, searchPath: String) -> String? {
        for directory in searchPath.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(name)" : "\(directory)/\(name)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// True when `path` (taken as is) is a regular file, after symlinks, with execute access.
    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
