/// `nvidia-smi -L`: one line per GPU, with its MIG devices indented below it.
///
/// ```
/// GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)
///   MIG 3g.40gb     Device  0: (UUID: MIG-…)
/// ```
struct NvidiaSMIList: Sendable, Equatable {
    /// A GPU line.
    struct GPU: Sendable, Equatable {
        /// The nvidia-smi index.
        var index: Int
        /// The product name.
        var name: String
        /// `GPU-…` UUID, when the line has one.
        var uuid: String?
        /// The MIG devices listed under this GPU.
        var migDevices: [MIGDevice]
    }

    /// A MIG line under a GPU.
    struct MIGDevice: Sendable, Equatable {
        /// The profile, e.g. "3g.40gb".
        var profile: String
        /// The MIG device index within its GPU.
        var index: Int
        /// `MIG-…` UUID.
        var uuid: String
    }

    /// The GPUs in output order.
    var gpus: [GPU]

    /// Parses `nvidia-smi -L` output. Lines that are neither GPU nor MIG lines (blank lines, driver
    /// warnings such as `WARNING: infoROM is corrupted`) are skipped; a GPU or MIG line that does
    /// not parse is an error.
    static func parse(_ text: String) throws(GPUParseError) -> NvidiaSMIList {
        var gpus: [GPU] = []
        for (number, rawLine) in NvidiaSMIValue.lines(text).enumerated() {
            let line = NvidiaSMIValue.trim(rawLine)
            if line.isEmpty { continue }
            let malformed = GPUParseError.malformedLine(what: "nvidia-smi -L", line: number + 1, text: line)
            let (head, uuid) = splitUUID(line)
            if head.hasPrefix("GPU ") {
                // "GPU 0: NVIDIA H100 80GB HBM3"
                guard let (key, name) = NvidiaSMIValue.keyValue(head.dropFirst(4)), let index = Int(key) else {
                    throw malformed
                }
                gpus.append(GPU(index: index, name: name, uuid: uuid, migDevices: []))
            } else if head.hasPrefix("MIG ") {
                // "MIG 3g.40gb     Device  0:"
                let words = head.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == ":" })
                guard words.count == 3, words[1] == "Device", let index = Int(words[2]), let uuid,
                      !gpus.isEmpty
                else { throw malformed }
                gpus[gpus.count - 1].migDevices.append(MIGDevice(profile: String(words[0]), index: index, uuid: uuid))
            }
        }
        return NvidiaSMIList(gpus: gpus)
    }

    /// MIG UUID → the UUID of the GPU it belongs to, for the visibility filter.
    var migParents: [String: String] {
        var parents: [String: String] = [:]
        for gpu in gpus {
            guard let parent = gpu.uuid else { continue }
            for mig in gpu.migDevices { parents[mig.uuid] = parent }
        }
        return parents
    }

    /// "X (UUID: Y)" → ("X", "Y"); a line without the suffix comes back whole.
    private static func splitUUID(_ line: String) -> (String, String?) {
        guard line.hasSuffix(")"), let open = line.ranges(of: "(UUID:").last else { return (line, nil) }
        let uuid = NvidiaSMIValue.trim(line[open.upperBound...].dropLast())
        return (NvidiaSMIValue.trim(line[..<open.lowerBound]), uuid)
    }
}
