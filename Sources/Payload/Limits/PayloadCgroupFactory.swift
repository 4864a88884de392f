#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Makes a child cgroup for one payload, beneath the pilot's own, with the payload's limits
/// written: memory (no swap on top), processes and CPU bandwidth.
///
/// - **v2** (unified, delegated to the pilot as in a pod): the parent's `cgroup.controllers`
///   say what may be enabled; memory, pids and cpu are enabled in its `cgroup.subtree_control`.
///   When the parent still holds processes (the pilot itself) the kernel answers EBUSY (no
///   process may sit in a cgroup whose controllers are handed down), so they move into a leaf
///   sibling first (`supervisorLeaf`) and the write is tried again.
/// - **v1** (root, hybrid hosts): a child in each of the memory, pids, cpu and cpuacct hierarchies.
///
/// Every error is a reason to run without a cgroup (`CgroupError`); the caller says which.
public struct PayloadCgroupFactory: Sendable {
    /// Where the cgroup file systems are mounted.
    public var mountRoot: String
    /// The text of `/proc/self/cgroup`; nil reads it through `kernel` when a cgroup is made.
    public var procSelfCgroup: String?
    /// The file system and kill(2) the cgroup is made with.
    public var kernel: any CgroupKernel
    /// v2: the sibling leaf that takes the pilot's processes out of the parent.
    public var supervisorLeaf: String

    public init(
        mountRoot: String = "/sys/fs/cgroup", procSelfCgroup: String? = nil,
        kernel: any CgroupKernel = LiveCgroupKernel(), supervisorLeaf: String = "pilot"
    ) {
        self.mountRoot = mountRoot
        self.procSelfCgroup = procSelfCgroup
        self.kernel = kernel
        self.supervisorLeaf = supervisorLeaf
    }

    /// Makes the cgroup `name` (one path component, unique per payload) and writes the limits.
    ///
    /// Controllers that are missing leave their limits unenforced (listed in the result)
    /// rather than failing: a memory limit without a pids limit is still worth having.
    public func create(name: String, limits: ResourceLimits) throws(CgroupError) -> PayloadCgroup {
        guard !name.isEmpty, name != ".", name != "..", name != supervisorLeaf,
              !name.contains("/"), !name.contains("\n") else { throw .invalidName(name) }
        var text = procSelfCgroup ?? ""
        if procSelfCgroup == nil { text = try kernel.read("/proc/self/cgroup") ?? "" }
        switch CgroupLayout.of(CgroupFiles.memberships(text)) {
        case .v1(let hierarchies): return try createV1(name: name, hierarchies: hierarchies, limits: limits)
        case .v2(let path): return try createV2(name: name, path: path, limits: limits)
        case nil: throw .noMembership(text.split(separator: "\n").prefix(3).joined(separator: "; "))
        }
    }

    /// The limits no directory's controllers can enforce.
    static func unenforced(_ limits: ResourceLimits, controllers: [String]) -> [String] {
        var missing: [String] = []
        if limits.memoryBytes != nil, !controllers.contains("memory") { missing.append("memory (no memory controller)") }
        if limits.pids != nil, !controllers.contains("pids") { missing.append("pids (no pids controller)") }
        if limits.cpus != nil, !controllers.contains("cpu") { missing.append("cpus (no cpu controller)") }
        return missing
    }

    // MARK: v2

    private func createV2(name: String, path: String, limits: ResourceLimits) throws(CgroupError) -> PayloadCgroup {
        let parent = CgroupLayout.join(mountRoot, path)
        guard kernel.exists(parent + "/cgroup.procs") else { throw .cgroupNotFound(path: parent) }
        let offered = CgroupFiles.controllerList(try kernel.read(parent + "/cgroup.controllers") ?? "")
        let wanted = CgroupLayout.v2Controllers.filter(offered.contains)
        guard !wanted.isEmpty else { throw .controllersNotDelegated(parent: parent, missing: CgroupLayout.v2Controllers) }
        let enabled = try enable(wanted, in: parent)

        let directory = CgroupLayout.join(parent, name)
        try kernel.makeDirectory(directory)
        let cgroup = PayloadCgroup(
            version: .v2, directories: [.init(path: directory, controllers: enabled)],
            unenforcedLimits: Self.unenforced(limits, controllers: enabled), kernel: kernel)
        do {
            if let bytes = limits.memoryBytes, enabled.contains("memory") {
                try kernel.write(directory + "/memory.max", "\(bytes)")
                // Swap would let the tree grow past the limit; absent without swap accounting.
                if kernel.exists(directory + "/memory.swap.max") { try kernel.write(directory + "/memory.swap.max", "0") }
            }
            if let pids = limits.pids, enabled.contains("pids") {
                try kernel.write(directory + "/pids.max", "\(pids)")
            }
            if let cpus = limits.cpus, enabled.contains("cpu") {
                let quota = CgroupFiles.CPUQuota(cpus: cpus)
                try kernel.write(directory + "/cpu.max", "\(quota.quota) \(quota.period)")
            }
        } catch {
            try? kernel.removeDirectory(directory)
            throw error
        }
        return cgroup
    }

    /// Enables controllers for the parent's children, one at a time so that one the kernel
    /// refuses (cpu while a realtime task runs) does not take the others with it; returns
    /// those that are on.
    private func enable(_ wanted: [String], in parent: String) throws(CgroupError) -> [String] {
        let control = parent + "/cgroup.subtree_control"
        var active = CgroupFiles.controllerList(try kernel.read(control) ?? "")
        var moved = false
        for controller in wanted where !active.contains(controller) {
            do {
                try kernel.write(control, "+" + controller)
                active.append(controller)
            } catch {
                if error.errno == EBUSY, !moved {
                    try moveProcesses(outOf: parent)
                    moved = true
                    try kernel.write(control, "+" + controller)
                    active.append(controller)
                } else if case .systemCall = error, error.errno != EBUSY {
                    continue
                } else {
                    throw error
                }
            }
        }
        return wanted.filter(active.contains)
    }

    /// Moves every process of `parent` into the supervisor leaf (made when missing); a few
    /// rounds, since the pilot may start a thread group while it is being moved.
    private func moveProcesses(outOf parent: String) throws(CgroupError) {
        let leaf = CgroupLayout.join(parent, supervisorLeaf)
        if !kernel.exists(leaf) { try kernel.makeDirectory(leaf) }
        for _ in 0..<5 {
            let pids = CgroupFiles.processIDs(try kernel.read(parent + "/cgroup.procs") ?? "")
            if pids.isEmpty { return }
            for pid in pids {
                do {
                    try kernel.write(leaf + "/cgroup.procs", "\(pid)")
                } catch {
                    if error.errno != ESRCH { throw error }
                }
            }
        }
    }
}
