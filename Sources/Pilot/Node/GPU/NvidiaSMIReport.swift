/// What `nvidia-smi -q`, `nvidia-smi -q -x` and the default `nvidia-smi` table say about the node.
///
/// The three formats carry overlapping facts; one type lets the tests compare them and the
/// probe use whichever it has.
struct NvidiaSMIReport: Sendable, Equatable {
    /// One GPU block.
    struct GPU: Sendable, Equatable {
        /// The nvidia-smi index; only the table prints it.
        var index: Int?
        /// The product name.
        var name: String?
        /// True when the table cut the name short ("NVIDIA GeForce ...").
        var nameTruncated = false
        /// `GPU-…` UUID.
        var uuid: String?
        /// FB memory total, in bytes.
        var memoryBytes: UInt64?
        /// Current MIG mode ("Enabled", "Disabled"); nil for N/A.
        var migMode: String?
        /// The N in /dev/nvidiaN.
        var minor: Int?
        /// Normalised PCI address ("0000:19:00.0").
        var busID: String?
    }

    /// Driver version.
    var driverVersion: String?
    /// CUDA version the driver supports.
    var cudaVersion: String?
    /// The `Attached GPUs` count, which can exceed `gpus.count` in a trimmed capture.
    var attachedGPUs: Int?
    /// The GPU blocks in output order.
    var gpus: [GPU] = []

    /// The GPUs as devices, indexed by position where the format has no index.
    var devices: [GPUDevice] {
        gpus.enumerated().map { position, gpu in
            GPUDevice(
                index: gpu.index ?? position, name: gpu.name ?? "unknown", uuid: gpu.uuid,
                memoryBytes: gpu.memoryBytes, driver: driverVersion, computeCapability: nil,
                migMode: gpu.migMode, busID: gpu.busID, minor: gpu.minor
            )
        }
    }
}

/// The `-q` text and `--version` readers.
extension NvidiaSMIReport {
    /// Parses `nvidia-smi -q` text: `Key : value` lines nested by 4-space indentation.
    static func parseQueryText(_ text: String) throws(GPUParseError) -> NvidiaSMIReport {
        var report = NvidiaSMIReport()
        var sections: [(indent: Int, name: String)] = []
        for line in NvidiaSMIValue.lines(text) {
            let content = NvidiaSMIValue.trim(line)
            if content.isEmpty || content.hasPrefix("===") { continue }
            let indent = line.prefix(while: { $0 == " " }).count
            while let last = sections.last, last.indent >= indent { sections.removeLast() }
            if indent == 0, content.hasPrefix("GPU "), let bus = NvidiaSMIValue.busID(content.dropFirst(4)) {
                report.gpus.append(GPU(busID: bus))
                continue
            }
            guard let (key, rawValue) = splitQueryLine(content) else {
                sections.append((indent, content))
                continue
            }
            let path = (sections.map(\.name) + [key]).joined(separator: "/")
            let value = NvidiaSMIValue.clean(rawValue)
            if report.gpus.isEmpty || indent == 0 {
                switch path {
                case "Driver Version": report.driverVersion = value
                case "CUDA Version": report.cudaVersion = value
                case "Attached GPUs": report.attachedGPUs = value.flatMap { Int($0) }
                default: break
                }
                continue
            }
            let last = report.gpus.count - 1
            switch path {
            case "Product Name": report.gpus[last].name = value
            case "GPU UUID": report.gpus[last].uuid = value
            case "Minor Number": report.gpus[last].minor = value.flatMap { Int($0) }
            case "MIG Mode/Current": report.gpus[last].migMode = value
            case "FB Memory Usage/Total": report.gpus[last].memoryBytes = value.flatMap { NvidiaSMIValue.bytes(fromMiB: $0) }
            case "PCI/Bus Id": report.gpus[last].busID = value.flatMap { NvidiaSMIValue.busID($0) } ?? report.gpus[last].busID
            default: break
            }
        }
        guard report.driverVersion != nil || !report.gpus.isEmpty else { throw .empty(what: "nvidia-smi -q") }
        return report
    }

    /// Parses `nvidia-smi --version` (drivers from about 525 on): NVIDIA-SMI, NVML, DRIVER and CUDA versions.
    static func parseVersionOutput(_ text: String) throws(GPUParseError) -> NvidiaSMIReport {
        var report = NvidiaSMIReport()
        for line in NvidiaSMIValue.lines(text) {
            guard let (key, value) = NvidiaSMIValue.keyValue(line) else { continue }
            switch key.lowercased() {
            case "driver version": report.driverVersion = NvidiaSMIValue.clean(value)
            case "cuda version": report.cudaVersion = NvidiaSMIValue.clean(value)
            default: break
            }
        }
        guard report.driverVersion != nil || report.cudaVersion != nil else { throw .empty(what: "nvidia-smi --version") }
        return report
    }

    /// "Key      : value" → (key, value); a section title has no " : ".
    private static func splitQueryLine(_ line: String) -> (String, String)? {
        guard let separator = line.firstRange(of: " : ") else { return nil }
        return (NvidiaSMIValue.trim(line[..<separator.lowerBound]), NvidiaSMIValue.trim(line[separator.upperBound...]))
    }
}
