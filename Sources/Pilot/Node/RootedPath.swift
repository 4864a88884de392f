import Payload

/// Joins a root directory and an absolute path, so every reader can be pointed at a captured tree.
struct RootedPath: Sendable, Equatable {
    /// The directory that stands for `/`; `/` itself on a live system.
    var root: String

    /// `root` + `path`; `path` unchanged when the root is `/`.
    func callAsFunction(_ path: String) -> String { HostFileSystem(root: root).path(path) }
}
