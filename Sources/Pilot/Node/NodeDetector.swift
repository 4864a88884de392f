#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Why node detection could not produce a report at all.
enum DetectionError: Error, CustomStringConvertible, Equatable {
    /// A file detection cannot do without could not be read.
    case unreadable(SystemCallError)
    /// A file was read but is not in the expected format.
    case malformed(path: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let error): "cannot read node files: \(error)"
        case .malformed(let path, let reason): "cannot parse \(path): \(reason)"
        }
    }
}

/// Reads the node under a root directory and assembles a `NodeReport`.
///
/// Only `/proc/cpuinfo` and `/proc/meminfo` are required; anything else that cannot be read
/// becomes a line in `warnings` and detection goes on.
struct NodeDetector: Sendable {
    /// Prefixes every file read; `/` on a live node, a captured tree in tests.
    var root: RootedPath
    /// The work directory whose free space is reported (a live path, not under `root`).
    var workdir: String
    /// Finds the GPUs.
    var gpuProbe: GPUProbe
    /// Verifies CVMFS, with the repositories to check; nil skips it.
    var cvmfs: (probe: CVMFSProbe, repositories: [CVMFSRepository])?
    /// The process environment (host name, container hints).
    var environment: [String: String]
    /// Where probe failures are logged.
    var logger: Logger

    /// Reads everything and returns the report.
    func detect() async throws(DetectionError) -> NodeReport {
        var warnings: [String] = []
        func optional<T>(_ what: String, _ read: () throws(SystemCallError) -> T?) -> T? {
            do { return try read() } catch {
                warnings.append("\(what): \(error)")
                logger.notice("node probe failed", metadata: ["probe": "\(what)", "error": "\(error)"])
                return nil
            }
        }

        let cpu = try required(root("/proc/cpuinfo"), CPUInfoParser.parse)
        let meminfo = try required(root("/proc/meminfo"), MemInfo.parse)

        let limits = optional("cgroup") { () throws(SystemCallError) in
            try CgroupReader(root: root).read()
        } ?? CgroupLimits()
        let online = optional("online cpus") { () throws(SystemCallError) in
            try FileReader.readIfPresent(root("/sys/devices/system/cpu/online")).flatMap(CPUList.parse)
        }
        let allowed = optional("affinity") { () throws(SystemCallError) in
            try FileReader.readIfPresent(root("/proc/self/status")).flatMap { status in
                KeyValueText.blocks(status).first?["Cpus_allowed_list"].flatMap(CPUList.parse)
            }
        }
        let disk = optional("disk") { () throws(SystemCallError) in try DiskSpace.measure(workdir) }
        let osText = optional("os-release") { () throws(SystemCallError) in
            try FileReader.readFirstPresent([root("/etc/os-release"), root("/usr/lib/os-release")])
        }
        async let cvmfsReports = probeCVMFS()
        let (gpus, gpuStatus) = await gpuProbe.detect()

        let cpuReport = CPUReport.assemble(cpu, online: online, allowed: allowed, limits: limits)
        return NodeReport(
            arch: cpu.arch,
            hostname: environment["PANDA_HOSTNAME"] ?? line(optional("hostname") { () throws(SystemCallError) in
                try FileReader.readIfPresent(root("/proc/sys/kernel/hostname"))
            }),
            cpu: cpuReport,
            memory: .assemble(meminfo, limit: limits.memoryLimit),
            disk: disk,
            gpus: gpus,
            gpuProbe: gpuStatus,
            os: osText.map(OSRelease.parse) ?? OSRelease(idLike: []),
            kernel: KernelReport(
                release: line(optional("kernel") { () throws(SystemCallError) in
                    try FileReader.readIfPresent(root("/proc/sys/kernel/osrelease"))
                }),
                version: line(optional("kernel") { () throws(SystemCallError) in
                    try FileReader.readIfPresent(root("/proc/sys/kernel/version"))
                })
            ),
            cgroup: CgroupReport(version: limits.version, path: limits.path, v1Controllers: limits.v1Controllers),
            virtualization: virtualization(cpuReport: cpuReport, optional: optional),
            cvmfs: await cvmfsReports.map { CVMFSSummary(cvmfsRoot: cvmfs?.probe.cvmfsRoot ?? "", repos: $0) },
            warnings: warnings
        )
    }

    /// Runs beside the other probes: its children may wait up to the CVMFS timeout.
    private func probeCVMFS() async -> [CVMFSRepoReport]? {
        guard let cvmfs else { return nil }
        return await cvmfs.probe.probe(cvmfs.repositories)
    }

    /// Reads and parses a file detection cannot do without.
    private func required<T>(_ path: String, _ parse: (String) throws -> T) throws(DetectionError) -> T {
        let text: String
        do { text = try FileReader.readString(path) } catch { throw .unreadable(error) }
        do { return try parse(text) } catch { throw .malformed(path: path, reason: "\(error)") }
    }

    private func virtualization(
        cpuReport: CPUReport, optional: (String, () throws(SystemCallError) -> String?) -> String?
    ) -> VirtualizationReport {
        let xenType = line(optional("hypervisor") { () throws(SystemCallError) in
            try FileReader.readIfPresent(root("/sys/hypervisor/type"))
        })
        let vendor = line(optional("dmi") { () throws(SystemCallError) in
            try FileReader.readIfPresent(root("/sys/class/dmi/id/sys_vendor"))
        })
        let product = line(optional("dmi") { () throws(SystemCallError) in
            try FileReader.readIfPresent(root("/sys/class/dmi/id/product_name"))
        })
        let platform = [vendor, product].compactMap { $0 }.joined(separator: " ")
        return VirtualizationReport(
            hypervisor: cpuReport.hypervisor || xenType != nil
                || VirtualizationReport.isVirtualMachine(vendor: vendor, product: product),
            platform: platform.isEmpty ? nil : platform,
            container: VirtualizationReport.containerRuntime(
                environment: environment,
                hasContainerEnv: exists(root("/run/.containerenv")),
                hasDockerEnv: exists(root("/.dockerenv"))
            )
        )
    }

    private func line(_ text: String?) -> String? {
        guard let value = text?.trimmed, !value.isEmpty else { return nil }
        return value
    }

    private func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
