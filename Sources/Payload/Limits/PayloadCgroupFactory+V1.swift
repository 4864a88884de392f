/// cgroup v1: one child per hierarchy (memory, pids, cpu, cpuacct), as root.
extension PayloadCgroupFactory {
    func createV1(name: String, hierarchies: [CgroupLayout.Hierarchy], limits: ResourceLimits) throws(CgroupError) -> PayloadCgroup {
        var made: [PayloadCgroup.Directory] = []
        var firstProblem: CgroupError?
        do throws(CgroupError) {
            for hierarchy in hierarchies {
                // A hierarchy that is listed but not mounted, or whose cgroup is not visible,
                // only loses its controllers; the others still make a useful cgroup.
                guard let mount = CgroupLayout.mountCandidates(for: hierarchy, root: mountRoot).first(where: kernel.exists) else {
                    firstProblem = firstProblem ?? .hierarchyNotMounted(controllers: hierarchy.controllers, mountRoot: mountRoot)
                    continue
                }
                let candidates = CgroupLayout.directoryCandidates(path: hierarchy.path, mount: mount)
                guard let parent = candidates.first(where: { kernel.exists($0 + "/cgroup.procs") }) else {
                    firstProblem = firstProblem ?? .cgroupNotFound(path: CgroupLayout.join(mount, hierarchy.path))
                    continue
                }
                let directory = CgroupLayout.join(parent, name)
                try kernel.makeDirectory(directory)
                made.append(.init(path: directory, controllers: hierarchy.controllers))
            }
            if made.isEmpty, let firstProblem { throw firstProblem }
            let controllers = made.flatMap(\.controllers)
            let cgroup = PayloadCgroup(
                version: .v1, directories: made,
                unenforcedLimits: Self.unenforced(limits, controllers: controllers), kernel: kernel)
            try writeV1Limits(limits, to: cgroup)
            return cgroup
        } catch {
            for directory in made.reversed() { try? kernel.removeDirectory(directory.path) }
            throw error
        }
    }

    /// memory.limit_in_bytes, then memory.memsw.limit_in_bytes at the same value so that swap
    /// adds nothing (the kernel wants memsw ≥ the limit, hence the order; absent without swap
    /// accounting); pids.max; the CFS period, then the quota.
    private func writeV1Limits(_ limits: ResourceLimits, to cgroup: PayloadCgroup) throws(CgroupError) {
        if let bytes = limits.memoryBytes, let directory = cgroup.directory(for: "memory") {
            try kernel.write(directory + "/memory.limit_in_bytes", "\(bytes)")
            if kernel.exists(directory + "/memory.memsw.limit_in_bytes") {
                try kernel.write(directory + "/memory.memsw.limit_in_bytes", "\(bytes)")
            }
        }
        if let pids = limits.pids, let directory = cgroup.directory(for: "pids") {
            try kernel.write(directory + "/pids.max", "\(pids)")
        }
        if let cpus = limits.cpus, let directory = cgroup.directory(for: "cpu") {
            let quota = CgroupFiles.CPUQuota(cpus: cpus)
            try kernel.write(directory + "/cpu.cfs_period_us", "\(quota.period)")
            try kernel.write(directory + "/cpu.cfs_quota_us", "\(quota.quota)")
        }
    }
}
