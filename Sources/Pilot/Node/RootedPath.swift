/// Joins a root directory and an absolute path, so every reader can be pointed at a captured tree.
struct RootedPath: Sendable, Equatable {
    /// The directory that stands for `/`; `/` itself on a live system.
    var root: String

    /// `root` + `path`; `path` unchanged when the root is `/`.
    func callAsFunction(_ path: String) -> String {
        if root == "/" || root.isEmpty { return path }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }
}
