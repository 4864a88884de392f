/// The text files under /proc/driver/nvidia: `version` and `gpus/<bus>/information`.
enum NvidiaProcDriver {
    /// `/proc/driver/nvidia/version`, first line.
    struct Version: Sendable, Equatable {
        /// "384.98", "565.57.01"; for Jetson the L4T release, e.g. "35.3.1".
        var version: String
        /// True for the open kernel module ("Open Kernel Module for x86_64").
        var openModule: Bool
        /// True for Jetson (L4T), whose module reports an L4T release instead of a driver version.
        var jetson: Bool
        /// The architecture the module names, e.g. "x86_64" or "aarch64".
        var architecture: String?
    }

    /// `/proc/driver/nvidia/gpus/<bus>/information`.
    struct Information: Sendable, Equatable {
        /// `Model`, e.g. "NVIDIA L4".
        var model: String?
        /// `GPU UUID`; old drivers may omit it.
        var uuid: String?
        /// `Bus Location`, normalised ("0000:70:00.0").
        var busID: String?
        /// `Device Minor`; missing on old drivers.
        var minor: Int?
        /// `GPU Excluded: Yes` (or the old `Blacklisted: Yes`): the driver will not use it.
        var excluded: Bool
    }

    /// Parses the version file. The version is the first dotted number after "Module".
    static func parseVersion(_ text: String) throws(GPUParseError) -> Version {
        guard let line = NvidiaSMIValue.lines(text).first(where: { $0.hasPrefix("NVRM version:") }) else {
            throw .empty(what: "/proc/driver/nvidia/version")
        }
        guard let module = line.firstRange(of: "Module"),
              let version = line[module.upperBound...].split(separator: " ").first(where: isDottedNumber)
        else {
            throw .malformedLine(what: "/proc/driver/nvidia/version", line: 1, text: String(line))
        }
        let header = line[..<module.lowerBound]
        let openModule = header.contains("Open Kernel")
        // "…Module for aarch64" (open) or "NVIDIA UNIX x86_64 Kernel Module" (proprietary).
        let words = line.split(separator: " ")
        let architecture = ["x86_64", "aarch64", "ppc64le", "arm64"].first { arch in words.contains { $0 == arch } }
        // Jetson's L4T releases are numbered 3x.y.z; desktop and datacenter drivers are ≥ 100.
        let major = version.split(separator: ".").first.flatMap { Int($0) } ?? 0
        let jetson = architecture == "aarch64" && major < 100
        return Version(version: String(version), openModule: openModule, jetson: jetson, architecture: architecture)
    }

    /// Parses one GPU's information file: `Key:<tabs/spaces>value` lines.
    static func parseInformation(_ text: String) throws(GPUParseError) -> Information {
        var info = Information(excluded: false)
        var sawKey = false
        for line in NvidiaSMIValue.lines(text) {
            guard let (key, value) = NvidiaSMIValue.keyValue(line) else { continue }
            sawKey = true
            switch key {
            case "Model": info.model = NvidiaSMIValue.clean(value)
            case "GPU UUID": info.uuid = NvidiaSMIValue.clean(value)
            case "Bus Location": info.busID = NvidiaSMIValue.busID(value)
            case "Device Minor": info.minor = Int(value)
            case "GPU Excluded", "Blacklisted": info.excluded = value.lowercased() == "yes"
            default: break
            }
        }
        guard sawKey else { throw .empty(what: "/proc/driver/nvidia/gpus information") }
        return info
    }

    /// "525.60.11", "35.3.1": digits with at least one dot.
    private static func isDottedNumber(_ word: Substring) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.count <= 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
