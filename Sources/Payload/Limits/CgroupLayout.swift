/// Which cgroup hierarchies a process sits in, as far as a payload's limits care.
///
/// v1 wins whenever memory, pids, cpu or cpuacct is bound to a v1 hierarchy: on a hybrid host
/// (this project's test VM) the unified hierarchy is mounted but holds no useful controller.
public enum CgroupLayout: Sendable, Equatable {
    /// v1 hierarchies holding at least one of the controllers in `CgroupLayout.v1Controllers`.
    case v1([Hierarchy])
    /// The unified hierarchy; the process's cgroup path in it (`/` inside a cgroup namespace).
    case v2(path: String)

    /// One v1 hierarchy and the process's cgroup in it.
    public struct Hierarchy: Sendable, Equatable {
        /// Its controllers, e.g. `["cpu", "cpuacct"]` when they are mounted together.
        public var controllers: [String]
        /// The process's cgroup path in it.
        public var path: String

        public init(controllers: [String], path: String) {
            self.controllers = controllers
            self.path = path
        }
    }

    /// The v1 controllers a payload cgroup uses: limits (memory, pids, cpu) and CPU accounting.
    public static let v1Controllers = ["memory", "pids", "cpu", "cpuacct"]
    /// The v2 controllers a payload cgroup enables (CPU accounting needs none in v2).
    public static let v2Controllers = ["memory", "pids", "cpu"]

    /// The layout `/proc/self/cgroup` describes; nil when it names no usable hierarchy.
    public static func of(_ memberships: [CgroupFiles.Membership]) -> CgroupLayout? {
        let v1 = memberships
            .filter { $0.hierarchy != 0 && !Set($0.controllers).isDisjoint(with: v1Controllers) }
            .map { Hierarchy(controllers: $0.controllers, path: $0.path) }
        if !v1.isEmpty { return .v1(v1) }
        if let unified = memberships.first(where: { $0.hierarchy == 0 }) { return .v2(path: unified.path) }
        return nil
    }

    /// Where a v1 hierarchy may be mounted under the root: `cpu,cpuacct` as systemd mounts
    /// co-mounted controllers, then each controller's own name (systemd's symlinks, or separate
    /// mounts as on the test VM).
    public static func mountCandidates(for hierarchy: Hierarchy, root: String) -> [String] {
        var names = [hierarchy.controllers.joined(separator: ",")]
        names += hierarchy.controllers.filter { !names.contains($0) }
        return names.map { join(root, $0) }
    }

    /// Where a process's cgroup may be under a mount, most likely first.
    ///
    /// Without a cgroup namespace, `/proc/self/cgroup` gives the host's path while a container's
    /// mount may show only its own subtree (mountinfo's root field, which is not read here); the
    /// process's cgroup is then the mount point plus the path without its first components. So
    /// every suffix of the path is a candidate, down to the mount point itself.
    public static func directoryCandidates(path: String, mount: String) -> [String] {
        let components = path.split(separator: "/").map(String.init)
        guard !components.contains("..") else { return [mount] }
        return (0...components.count).map { skip in
            join(mount, components.dropFirst(skip).joined(separator: "/"))
        }
    }

    /// `base/relative`, without a doubled or trailing slash.
    public static func join(_ base: String, _ relative: String) -> String {
        let tail = relative.split(separator: "/").joined(separator: "/")
        if tail.isEmpty { return base }
        return base.hasSuffix("/") ? base + tail : base + "/" + tail
    }
}
