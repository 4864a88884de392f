import Payload

/// The limits the process's cgroups put on CPU and memory, the tightest over every ancestor.
struct CgroupLimits: Equatable, Sendable {
    /// 2 for the unified hierarchy, 1 when the cpu or memory controller is a v1 hierarchy, nil
    /// when no cgroup file system is mounted.
    var version: Int?
    /// The process's cgroup path (v2, or the v1 memory hierarchy's).
    var path: String?
    /// The tightest CPU bandwidth limit; nil when none.
    var cpuQuota: CgroupFiles.CPUQuota?
    /// CPUs the cpuset controller allows; nil when it says nothing.
    var cpuset: [Int]?
    /// The tightest memory limit in bytes; nil when none.
    var memoryLimit: UInt64?
    /// Controllers bound to a v1 hierarchy (`/proc/cgroups`); with version 2 non-empty means hybrid.
    var v1Controllers: [String] = []
}

/// Reads the cgroup limits of this process from `/proc/self` and the cgroup mounts under a root.
///
/// Which files count: the controller's v1 hierarchy when one is mounted and the process is in it,
/// else the unified hierarchy. A child may read `max` while its parent is limited, so each limit
/// is the minimum from the process's cgroup up to the mount's root.
struct CgroupReader: Sendable {
    /// Prefixes `/proc` and `/sys/fs/cgroup`.
    var root: RootedPath

    /// Reads the limits; missing files mean "no limit", unreadable ones throw.
    func read() throws(SystemCallError) -> CgroupLimits {
        guard let mountText = try FileReader.readIfPresent(root("/proc/self/mountinfo")),
              let cgroupText = try FileReader.readIfPresent(root("/proc/self/cgroup"))
        else { return CgroupLimits() }
        let mounts = MountInfo.parse(mountText)
        let memberships = CgroupFiles.memberships(cgroupText)

        let v1Memory = v1Directory(controller: "memory", mounts: mounts, memberships: memberships)
        let v1CPU = v1Directory(controller: "cpu", mounts: mounts, memberships: memberships)
        let v1Cpuset = v1Directory(controller: "cpuset", mounts: mounts, memberships: memberships)
        let unified = unifiedDirectory(mounts: mounts, memberships: memberships)

        var limits = CgroupLimits()
        if let table = try read(root("/proc/cgroups")) {
            limits.v1Controllers = CgroupFiles.controllers(table).filter { $0.value != 0 }.keys.sorted()
        }
        if v1Memory != nil || v1CPU != nil {
            limits.version = 1
            limits.path = memberships.first { $0.controllers.contains("memory") }?.path
        } else if unified != nil {
            limits.version = 2
            limits.path = memberships.first { $0.hierarchy == 0 }?.path
        }

        if let dirs = v1CPU {
            limits.cpuQuota = try tightest(dirs) { dir throws(SystemCallError) in
                guard let q = try read(dir + "/cpu.cfs_quota_us"), let p = try read(dir + "/cpu.cfs_period_us")
                else { return nil }
                return CgroupFiles.cfsQuota(quota: q, period: p)
            } by: { $0.cpus < $1.cpus }
        } else if let dirs = unified {
            limits.cpuQuota = try tightest(dirs) { dir throws(SystemCallError) in
                try read(dir + "/cpu.max").flatMap(CgroupFiles.cpuMax)
            } by: { $0.cpus < $1.cpus }
        }

        if let dirs = v1Memory {
            limits.memoryLimit = try tightest(dirs) { dir throws(SystemCallError) in
                try read(dir + "/memory.limit_in_bytes").flatMap(CgroupFiles.memoryLimit)
            } by: { $0 < $1 }
        } else if let dirs = unified {
            limits.memoryLimit = try tightest(dirs) { dir throws(SystemCallError) in
                try read(dir + "/memory.max").flatMap(CgroupFiles.memoryLimit)
            } by: { $0 < $1 }
        }

        if let dirs = v1Cpuset, let leaf = dirs.first {
            var text = try read(leaf + "/cpuset.effective_cpus")
            if text == nil { text = try read(leaf + "/cpuset.cpus") }
            limits.cpuset = text.flatMap(CPUList.parse)
        } else if let dirs = unified, let leaf = dirs.first {
            limits.cpuset = try read(leaf + "/cpuset.cpus.effective").flatMap(CPUList.parse)
        }
        return limits
    }

    private func read(_ path: String) throws(SystemCallError) -> String? {
        try FileReader.readIfPresent(path)
    }

    /// The smallest value any directory yields.
    private func tightest<T>(
        _ dirs: [String], _ value: (String) throws(SystemCallError) -> T?, by less: (T, T) -> Bool
    ) throws(SystemCallError) -> T? {
        var best: T?
        for dir in dirs {
            guard let v = try value(dir) else { continue }
            if best == nil || less(v, best!) { best = v }
        }
        return best
    }

    /// The v1 hierarchy directories (leaf first, up to the mount) for a controller.
    private func v1Directory(
        controller: String, mounts: [MountInfo.Entry], memberships: [CgroupFiles.Membership]
    ) -> [String]? {
        guard let member = memberships.first(where: { $0.controllers.contains(controller) }),
              let mount = mounts.first(where: { $0.fsType == "cgroup" && $0.superOptions.contains(controller) })
        else { return nil }
        return ancestors(of: member.path, in: mount)
    }

    /// The unified hierarchy's directories (leaf first, up to the mount), when it is mounted.
    private func unifiedDirectory(
        mounts: [MountInfo.Entry], memberships: [CgroupFiles.Membership]
    ) -> [String]? {
        guard let member = memberships.first(where: { $0.hierarchy == 0 }) else { return nil }
        let candidates = mounts.filter { $0.fsType == "cgroup2" }
        guard let mount = candidates.first(where: { $0.mountPoint == "/sys/fs/cgroup" }) ?? candidates.first
        else { return nil }
        return ancestors(of: member.path, in: mount)
    }

    /// Maps a cgroup path to directories under the mount point, from the cgroup up to the mount.
    ///
    /// The path is relative to the hierarchy's root, the mount shows the subtree at `mount.root`:
    /// file = mount point + (path − root). A path outside that subtree (another cgroup namespace)
    /// leaves only the mount point, the root of what this process can see.
    func ancestors(of path: String, in mount: MountInfo.Entry) -> [String] {
        var relative: Substring = ""
        if mount.root == "/" {
            relative = path[...]
        } else if path == mount.root || path.hasPrefix(mount.root + "/") {
            relative = path.dropFirst(mount.root.count)
        }
        var components = relative.split(separator: "/").map(String.init)
        if components.contains("..") { components = [] }
        let base = root(mount.mountPoint)
        var dirs: [String] = []
        while true {
            dirs.append(components.isEmpty ? base : base + "/" + components.joined(separator: "/"))
            if components.isEmpty { break }
            components.removeLast()
        }
        return dirs
    }
}
