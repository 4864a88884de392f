/// Pure assembly of report parts from parsed facts, so the arithmetic is testable without files.
extension CPUReport {
    /// Combines the CPU description with the CPUs this process may use.
    ///
    /// - Parameters:
    ///   - online: CPUs the kernel has online.
    ///   - allowed: the process's affinity (`Cpus_allowed_list`).
    ///   - limits: the cgroup's cpuset and quota.
    ///
    /// Effective CPUs = min(affinity ∩ online ∩ cpuset, quota), kept fractional; `effectiveCores` rounds
    /// down (at least 1), as automaxprocs does, so a payload is never promised more CPU time
    /// than the quota gives.
    static func assemble(
        _ cpu: CPUDescription, online: [Int]?, allowed: [Int]?, limits: CgroupLimits
    ) -> CPUReport {
        var usable: Set<Int>? = allowed.map(Set.init)
        // Cpus_allowed_list is the raw mask, often every *possible* CPU; only online ones run.
        if let online, !online.isEmpty { usable = usable?.intersection(online) }
        if let cpuset = limits.cpuset, !cpuset.isEmpty {
            usable = usable.map { $0.intersection(cpuset) } ?? Set(cpuset)
        }
        let affinity = usable?.count
        let base = Double(affinity ?? online?.count ?? cpu.logical)
        let quota = limits.cpuQuota?.cpus
        let effective = min(base, quota ?? base)

        var report = CPUReport(
            vendor: cpu.vendor, model: cpu.model, features: cpu.features, logical: cpu.logical,
            online: online?.count, affinity: affinity, quota: quota, effective: effective,
            effectiveCores: max(1, Int(effective.rounded(.down))), sockets: cpu.sockets,
            coresPerSocket: cpu.coresPerSocket, hypervisor: cpu.features.contains("hypervisor")
        )
        switch cpu.arch {
        case .x86_64:
            let assessment = X86MicroarchLevel.assess(flags: cpu.features)
            report.microarchLevel = assessment.level?.name
            report.nextLevelMissing = assessment.missingForNext
            report.x86 = cpu.x86.map { X86Report(family: $0.family, model: $0.model, stepping: $0.stepping) }
        case .aarch64:
            let id = cpu.arm ?? ArmIdentity()
            report.part = ArmCore.coreName(id)
            report.arm = ArmReport(
                implementer: id.implementer.map { ArmCore.hex($0, digits: 2) },
                part: id.part.map { ArmCore.hex($0, digits: 3) },
                variant: id.variant, revision: id.revision, derived: ArmCore.derive(cpu.features)
            )
        }
        return report
    }

    private init(
        vendor: String?, model: String?, features: [String], logical: Int, online: Int?,
        affinity: Int?, quota: Double?, effective: Double, effectiveCores: Int, sockets: Int?,
        coresPerSocket: Int?, hypervisor: Bool
    ) {
        self.init(
            vendor: vendor, model: model, microarchLevel: nil, nextLevelMissing: nil, part: nil,
            arm: nil, x86: nil, features: features, logical: logical, online: online,
            affinity: affinity, quota: quota, effective: effective, effectiveCores: effectiveCores,
            sockets: sockets, coresPerSocket: coresPerSocket, hypervisor: hypervisor
        )
    }
}

extension MemoryReport {
    /// Node memory bounded by the cgroup limit.
    static func assemble(_ meminfo: MemInfo, limit: UInt64?) -> MemoryReport {
        MemoryReport(
            totalBytes: meminfo.total, availableBytes: meminfo.available, limitBytes: limit,
            effectiveBytes: min(meminfo.total, limit ?? meminfo.total)
        )
    }
}

extension VirtualizationReport {
    /// Whether DMI names a virtual machine; the only hint on Arm, which has no `hypervisor` flag.
    ///
    /// EC2 bare-metal instances keep the `Amazon EC2` vendor with a `*.metal` product.
    static func isVirtualMachine(vendor: String?, product: String?) -> Bool {
        let product = product ?? ""
        let virtualProducts = ["Virtual Machine", "KVM", "VMware", "VirtualBox", "HVM domU", "Google Compute Engine", "OpenStack"]
        if virtualProducts.contains(where: { product.contains($0) }) { return true }
        let virtualVendors = ["Amazon EC2", "QEMU", "Xen", "innotek GmbH", "VMware, Inc.", "OpenStack Foundation", "Google"]
        return virtualVendors.contains(vendor ?? "") && !product.hasSuffix(".metal")
    }

    /// Names the container runtime from the marks each one leaves.
    ///
    /// Kubernetes sets `KUBERNETES_SERVICE_HOST` in every pod; systemd-style runtimes set
    /// `container=`; podman writes `/run/.containerenv`, Docker `/.dockerenv` (a weak hint).
    static func containerRuntime(
        environment: [String: String], hasContainerEnv: Bool, hasDockerEnv: Bool
    ) -> String? {
        if environment["KUBERNETES_SERVICE_HOST"] != nil { return "kubernetes" }
        if let name = environment["container"], !name.isEmpty { return name }
        if hasContainerEnv { return "podman" }
        if hasDockerEnv { return "docker" }
        return nil
    }
}
