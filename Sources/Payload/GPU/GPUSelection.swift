/// One GPU the pod can use, as the pilot's detection found it (Pilot fills these in from its
/// `GPUDevice`s, after applying NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES).
public struct VisibleGPU: Sendable, Equatable, CustomStringConvertible {
    /// The index nvidia-smi gives it in this pod; what a request's `0,2` means.
    public var index: Int
    /// The N in /dev/nvidiaN; nil when neither /proc nor nvidia-smi told it.
    public var minor: Int?
    /// `GPU-…` UUID; nil on drivers too old to report it.
    public var uuid: String?

    /// A GPU from its parts.
    public init(index: Int, minor: Int?, uuid: String?) {
        self.index = index
        self.minor = minor
        self.uuid = uuid
    }

    /// `GPU 1 (GPU-…)`.
    public var description: String { "GPU \(index)" + (uuid.map { " (\($0))" } ?? "") }
}

/// The GPUs a request picks among the visible ones, and the variables that name them inside.
///
/// Both backends use it: the builtin runtime binds only these GPUs' device nodes, apptainer's
/// `--nv` binds every GPU of the pod, so the variables must mean the same in both.
public struct GPUSelection: Sendable, Equatable {
    /// The chosen GPUs in the request's order (`.all`: the pod's order), without repeats.
    public var gpus: [VisibleGPU]

    /// A selection of exactly these GPUs.
    init(gpus: [VisibleGPU]) {
        self.gpus = gpus
    }

    /// Resolves `request` against `visible`. Indexes match `VisibleGPU.index`, other entries a
    /// whole UUID. `.none` and an empty list choose nothing.
    public init(request: GPURequest, visible: [VisibleGPU]) throws(GPURequestError) {
        switch request {
        case .none:
            gpus = []
        case .all:
            guard !visible.isEmpty else { throw .noneVisible }
            gpus = visible
        case .list(let entries):
            var chosen: [VisibleGPU] = []
            for raw in entries {
                let entry = Substring(raw).trimming(" \t")
                let match: VisibleGPU? = if let index = Int(entry) {
                    visible.first { $0.index == index }
                } else {
                    visible.first { $0.uuid != nil && $0.uuid?.lowercased() == entry.lowercased() }
                }
                guard let match else { throw .notVisible(entry: raw, visible: visible) }
                if !chosen.contains(match) { chosen.append(match) }
            }
            gpus = chosen
        }
    }

    /// NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES for the payload; nothing when no GPU is chosen.
    ///
    /// Both list the chosen GPUs by UUID in the request's order. CUDA numbers the devices in
    /// CUDA_VISIBLE_DEVICES from 0 in list order, so the payload's device 0 is the first GPU it
    /// asked for; UUIDs rather than indexes because indexes are renumbered inside (the driver
    /// shows the builtin container only the bound device nodes, numbered from 0, while
    /// apptainer's `--nv` shows every GPU of the pod). A GPU without a UUID is named by its
    /// position among `containerSees` in minor-number order, and CUDA_DEVICE_ORDER=PCI_BUS_ID
    /// is added so CUDA counts in that order too (minor numbers follow the bus order).
    public func environment(containerSees: [VisibleGPU]) -> [EnvironmentVariable] {
        guard !gpus.isEmpty else { return [] }
        let byMinor = containerSees.sorted { ($0.minor ?? Int.max, $0.index) < ($1.minor ?? Int.max, $1.index) }
        var positional = false
        let names = gpus.map { gpu -> String in
            if let uuid = gpu.uuid { return uuid }
            positional = true
            return String(byMinor.firstIndex(of: gpu) ?? gpu.index)
        }
        let list = names.joined(separator: ",")
        var variables = [
            EnvironmentVariable(name: "NVIDIA_VISIBLE_DEVICES", value: list),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: list),
        ]
        if positional { variables.append(EnvironmentVariable(name: "CUDA_DEVICE_ORDER", value: "PCI_BUS_ID")) }
        return variables
    }
}

/// Why a GPU request cannot be met.
public enum GPURequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request names a GPU this pod cannot use.
    case notVisible(entry: String, visible: [VisibleGPU])
    /// The request asks for all GPUs and the pod has none.
    case noneVisible

    public var description: String {
        switch self {
        case .notVisible(let entry, let visible):
            "gpu request: \"\(entry)\" is not a gpu this pod can use (visible: "
                + (visible.isEmpty ? "none" : visible.map(\.description).joined(separator: ", ")) + ")"
        case .noneVisible:
            "gpu request: all gpus were asked for, but this pod can use none"
        }
    }
}
