/// Everything `pilot detect` finds, in the shape its `--json` prints (keys in README.md).
struct NodeReport: Codable, Sendable, Equatable {
    /// `x86_64` or `aarch64`, from the CPU description's format.
    var arch: CPUArchitecture
    /// `$PANDA_HOSTNAME`, else the kernel's host name.
    @EncodedAsNull var hostname: String?
    /// Processors and the share of them this process may use.
    var cpu: CPUReport
    /// Node memory and the cgroup's limit.
    var memory: MemoryReport
    /// Space in the work directory.
    @EncodedAsNull var disk: DiskReport?
    /// GPUs this pod can use.
    var gpus: [GPUDevice]
    /// How the GPU probe went.
    var gpuProbe: GPUProbeStatus
    /// The operating system of the root.
    var os: OSRelease
    /// The running kernel as the root's /proc reports it.
    var kernel: KernelReport
    /// The cgroup the limits came from.
    var cgroup: CgroupReport
    /// Hints of a hypervisor or container runtime.
    var virtualization: VirtualizationReport
    /// The CVMFS repositories' verdicts; null when no repository is configured.
    @EncodedAsNull var cvmfs: CVMFSSummary?
    /// Things that could not be read, one line each; detection went on without them.
    var warnings: [String]
    /// Which payload container backends work here; null under `--root` (a captured tree is another node).
    @EncodedAsNull var containers: ContainerRuntimesReport? = nil

    enum CodingKeys: String, CodingKey {
        case arch, hostname, cpu, memory, disk, gpus, os, kernel, cgroup, virtualization, cvmfs, warnings, containers
        case gpuProbe = "gpu_probe"
    }
}

/// The CPU part of a `NodeReport`.
struct CPUReport: Codable, Sendable, Equatable {
    /// The CPU vendor (`GenuineIntel`, `AuthenticAMD`; on Arm the implementer's name).
    @EncodedAsNull var vendor: String?
    /// The model name; on Arm the core's name.
    @EncodedAsNull var model: String?
    /// `x86-64-v1`..`v4` on x86; nil on Arm.
    @EncodedAsNull var microarchLevel: String?
    /// Flags the next x86 level needs that this CPU lacks; nil on Arm.
    @EncodedAsNull var nextLevelMissing: [String]?
    /// The Arm core's name (`Neoverse-V2`); nil on x86.
    @EncodedAsNull var part: String?
    /// The Arm identity registers and derived features; nil on x86.
    @EncodedAsNull var arm: ArmReport?
    /// x86 family/model/stepping; nil on Arm.
    @EncodedAsNull var x86: X86Report?
    /// Flags (x86) or Features (Arm) every processor has, sorted.
    var features: [String]
    /// Logical processors described in cpuinfo.
    var logical: Int
    /// CPUs the kernel has online (`/sys/devices/system/cpu/online`).
    @EncodedAsNull var online: Int?
    /// CPUs this process may run on (`Cpus_allowed_list`, and the cgroup's cpuset).
    @EncodedAsNull var affinity: Int?
    /// The cgroup CPU quota in CPUs (e.g. 0.42); nil when unlimited.
    @EncodedAsNull var quota: Double?
    /// min(affinity, quota): the CPU this process can really use, fractional.
    var effective: Double
    /// `effective` rounded down, at least 1: the core count to promise a payload.
    var effectiveCores: Int
    /// Distinct sockets, where cpuinfo says.
    @EncodedAsNull var sockets: Int?
    /// Cores per socket, where cpuinfo says.
    @EncodedAsNull var coresPerSocket: Int?
    /// The x86 `hypervisor` flag: this is a virtual machine.
    var hypervisor: Bool

    enum CodingKeys: String, CodingKey {
        case vendor, model, part, arm, x86, features, logical, online, affinity, quota, effective
        case sockets, hypervisor
        case microarchLevel = "microarch_level"
        case nextLevelMissing = "next_level_missing"
        case effectiveCores = "effective_cores"
        case coresPerSocket = "cores_per_socket"
    }
}

/// Arm identity as hex strings, as cpuinfo prints them, with derived features.
struct ArmReport: Codable, Sendable, Equatable {
    /// `CPU implementer` in hex, e.g. `0x41`.
    @EncodedAsNull var implementer: String?
    /// `CPU part` in hex, e.g. `0xd4f`.
    @EncodedAsNull var part: String?
    /// `CPU variant`.
    @EncodedAsNull var variant: Int?
    /// `CPU revision`.
    @EncodedAsNull var revision: Int?
    /// Booleans a payload's build may select on.
    var derived: ArmCore.DerivedFeatures
}

/// x86 family, model and stepping numbers.
struct X86Report: Codable, Sendable, Equatable {
    /// `cpu family`.
    @EncodedAsNull var family: Int?
    /// `model`.
    @EncodedAsNull var model: Int?
    /// `stepping`.
    @EncodedAsNull var stepping: Int?
}

/// The memory part of a `NodeReport`, in bytes.
struct MemoryReport: Codable, Sendable, Equatable {
    /// `MemTotal`.
    var totalBytes: UInt64
    /// `MemAvailable`, when the kernel reports it.
    @EncodedAsNull var availableBytes: UInt64?
    /// The cgroup memory limit; nil when unlimited.
    @EncodedAsNull var limitBytes: UInt64?
    /// min(total, limit): what a payload may use.
    var effectiveBytes: UInt64

    enum CodingKeys: String, CodingKey {
        case totalBytes = "total_bytes"
        case availableBytes = "available_bytes"
        case limitBytes = "limit_bytes"
        case effectiveBytes = "effective_bytes"
    }
}

/// Space on the file system of the work directory.
struct DiskReport: Codable, Sendable, Equatable {
    /// The work directory measured.
    var path: String
    /// Bytes an unprivileged writer may still use.
    var freeBytes: UInt64
    /// The file system's size.
    var totalBytes: UInt64

    enum CodingKeys: String, CodingKey {
        case path
        case freeBytes = "free_bytes"
        case totalBytes = "total_bytes"
    }
}

/// The kernel's release and build strings.
struct KernelReport: Codable, Sendable, Equatable {
    /// `/proc/sys/kernel/osrelease`, e.g. `6.1.0-18-amd64`.
    @EncodedAsNull var release: String?
    /// `/proc/sys/kernel/version`, the build string.
    @EncodedAsNull var version: String?
}

/// Where the cgroup limits came from.
struct CgroupReport: Codable, Sendable, Equatable {
    /// 1 or 2; nil when no cgroup file system is visible.
    @EncodedAsNull var version: Int?
    /// The process's cgroup path in its hierarchy.
    @EncodedAsNull var path: String?
    /// Controllers on v1 hierarchies; on a hybrid node these sit beside the unified one.
    var v1Controllers: [String]

    enum CodingKeys: String, CodingKey {
        case version, path
        case v1Controllers = "v1_controllers"
    }
}

/// What the node runs on and in.
struct VirtualizationReport: Codable, Sendable, Equatable {
    /// A hypervisor is present (x86 `hypervisor` flag, or /sys/hypervisor).
    var hypervisor: Bool
    /// The machine's vendor or product from DMI (`Amazon EC2`, `Google Compute Engine`, `QEMU`, ...).
    @EncodedAsNull var platform: String?
    /// The container runtime this process seems to run under (`kubernetes`, `podman`, `docker`, ...).
    @EncodedAsNull var container: String?
}
