/// The instruction-set family of a CPU, named as `uname -m` names it.
enum CPUArchitecture: String, Codable, Sendable {
    case x86_64
    case aarch64
}

/// What a CPU description file says about the processors of a node.
///
/// Produced by `CPUInfoParser` from `/proc/cpuinfo` or `lscpu` text; it holds facts only, no
/// derived levels (see `X86MicroarchLevel` and `ArmCore`).
struct CPUDescription: Equatable, Sendable {
    /// x86_64 or aarch64, decided from the file's format.
    var arch: CPUArchitecture
    /// `GenuineIntel`, `AuthenticAMD`, or on Arm the implementer's name (`Arm`, `Ampere`, ...).
    var vendor: String?
    /// The `model name`; on Arm, which usually has none, the core's name from its part number.
    var model: String?
    /// Flags (x86) or Features (Arm) present on every processor, sorted.
    var features: [String]
    /// Number of logical processors described.
    var logical: Int
    /// Distinct sockets (`physical id`), when the file says.
    var sockets: Int?
    /// Cores per socket (`cpu cores`), when the file says.
    var coresPerSocket: Int?
    /// x86 family, model and stepping numbers.
    var x86: X86Identity?
    /// Arm implementer, part, variant and revision.
    var arm: ArmIdentity?
}

/// The numbers that identify an x86 processor generation.
struct X86Identity: Equatable, Sendable {
    /// `cpu family`, e.g. 6 for most Intel cores, 25 for AMD Zen 3/4.
    var family: Int?
    /// `model`.
    var model: Int?
    /// `stepping`.
    var stepping: Int?
}

/// The registers that identify an Arm core (MIDR_EL1 fields as the kernel prints them).
struct ArmIdentity: Equatable, Sendable {
    /// `CPU implementer`, e.g. 0x41 for Arm Ltd.
    var implementer: Int?
    /// `CPU part`, e.g. 0xd4f for Neoverse V2.
    var part: Int?
    /// `CPU variant`.
    var variant: Int?
    /// `CPU revision`.
    var revision: Int?
}
