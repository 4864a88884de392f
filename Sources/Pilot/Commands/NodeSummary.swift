/// The readable form of a `NodeReport`, for a person at a terminal.
enum NodeSummary {
    /// A few aligned lines: one per part of the node, warnings last.
    static func render(_ report: NodeReport) -> String {
        var lines: [(String, String)] = []
        let cpu = report.cpu
        var identity = [cpu.vendor, cpu.model].compactMap { $0 }.joined(separator: " ")
        if let level = cpu.microarchLevel {
            identity += " (\(level)"
            identity += cpu.nextLevelMissing.map { $0.isEmpty ? ")" : "; next level needs \($0.joined(separator: " ")))" } ?? ")"
        }
        if let arm = cpu.arm {
            let derived = arm.derived
            let flags = [("sve", derived.sve), ("sve2", derived.sve2), ("lse", derived.atomics),
                         ("bf16", derived.bf16), ("i8mm", derived.i8mm)].filter(\.1).map(\.0)
            identity += " (implementer \(arm.implementer ?? "?"), part \(arm.part ?? "?")"
            identity += flags.isEmpty ? ")" : "; \(flags.joined(separator: " ")))"
        }
        lines.append(("arch", report.arch.rawValue + (cpu.hypervisor ? ", virtual machine" : "")))
        lines.append(("cpu", identity))
        var cores = "\(format(cpu.effective)) effective (\(cpu.effectiveCores) to schedule)"
        cores += "; \(cpu.logical) in cpuinfo"
        if let online = cpu.online { cores += ", \(online) online" }
        if let affinity = cpu.affinity { cores += ", \(affinity) in affinity" }
        if let quota = cpu.quota { cores += ", cgroup quota \(format(quota))" }
        lines.append(("cores", cores))
        let memory = report.memory
        var mem = "\(bytes(memory.effectiveBytes)) effective; \(bytes(memory.totalBytes)) total"
        mem += memory.limitBytes.map { ", cgroup limit \(bytes($0))" } ?? ", no cgroup limit"
        lines.append(("memory", mem))
        if let disk = report.disk {
            lines.append(("disk", "\(bytes(disk.freeBytes)) free of \(bytes(disk.totalBytes)) in \(disk.path)"))
        }
        lines.append(("gpus", gpuLine(report)))
        for gpu in report.gpus {
            var text = "\(gpu.index): \(gpu.name)"
            if let memory = gpu.memoryBytes { text += ", \(bytes(memory))" }
            if let cc = gpu.computeCapability { text += ", cc \(cc)" }
            if let mig = gpu.migMode, mig.lowercased() == "enabled" { text += ", MIG" }
            if let uuid = gpu.uuid { text += ", \(uuid)" }
            lines.append(("", text))
        }
        let os = report.os.prettyName ?? [report.os.id, report.os.versionID].compactMap { $0 }.joined(separator: " ")
        lines.append(("os", os.isEmpty ? "unknown" : os))
        lines.append(("kernel", report.kernel.release ?? "unknown"))
        if let host = report.hostname { lines.append(("host", host)) }
        var where_ = report.cgroup.version.map { "cgroup v\($0)" } ?? "no cgroup"
        if let path = report.cgroup.path { where_ += " \(path)" }
        if let container = report.virtualization.container { where_ += ", in \(container)" }
        if let platform = report.virtualization.platform { where_ += ", on \(platform)" }
        lines.append(("runs in", where_))
        if let cvmfs = report.cvmfs { lines.append(("cvmfs", cvmfsLine(cvmfs))) }
        if let containers = report.containers { lines.append(("containers", containers.summaryLine)) }
        for warning in report.warnings { lines.append(("warning", warning)) }

        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { label, value in
            label + String(repeating: " ", count: width - label.count) + "  " + value + "\n"
        }.joined()
    }

    private static func cvmfsLine(_ cvmfs: CVMFSSummary) -> String {
        let ok = cvmfs.repos.filter { $0.status == .ok }.count
        var text = "\(ok)/\(cvmfs.repos.count) ok under \(cvmfs.cvmfsRoot)"
        let problems = cvmfs.repos.filter { $0.status != .ok }.map { "\($0.name) \($0.status.rawValue)" }
        if !problems.isEmpty { text += " (\(problems.joined(separator: ", "))); see pilot cvmfs probe" }
        return text
    }

    private static func gpuLine(_ report: NodeReport) -> String {
        let probe = report.gpuProbe
        var text = report.gpus.isEmpty ? "none" : "\(report.gpus.count)"
        var details: [String] = []
        if let driver = probe.driver { details.append("driver \(driver)") }
        if let cuda = probe.cuda { details.append("CUDA \(cuda)") }
        if let filter = probe.visibleFilter { details.append(filter) }
        if let error = probe.error { details.append(error) }
        if !details.isEmpty { text += " (\(details.joined(separator: "; ")))" }
        return text
    }

    /// Bytes in binary units with one decimal: `23.5 GiB`.
    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024, unit < units.count - 1 { amount /= 1024; unit += 1 }
        return unit == 0 ? "\(value) B" : "\(format(amount)) \(units[unit])"
    }

    /// A number with at most two decimals, trailing zeros dropped.
    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let whole = hundredths / 100, fraction = hundredths % 100
        if fraction == 0 { return "\(whole)" }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
