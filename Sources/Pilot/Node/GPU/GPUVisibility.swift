/// Which GPUs the pod may use, from `NVIDIA_VISIBLE_DEVICES` and `CUDA_VISIBLE_DEVICES`.
///
/// `NVIDIA_VISIBLE_DEVICES` tells the container runtime what to inject: `all`, a list of
/// indexes or UUIDs, or `none`/`void`/empty for nothing. Unset means no toolkit is involved
/// (bare metal or a batch slot), so it limits nothing. `CUDA_VISIBLE_DEVICES` limits what CUDA
/// enumerates, in list order; an empty value hides every GPU, and the first entry that matches
/// no GPU hides itself and everything after it.
struct GPUVisibility: Sendable, Equatable {
    /// What one variable allows.
    enum Selection: Sendable, Equatable {
        /// Unset or `all`: no limit.
        case unrestricted
        /// No GPU at all.
        case nothing
        /// These entries: indexes, `GPU-…` or `MIG-…` UUIDs (CUDA also takes UUID prefixes).
        case list([String])
    }

    /// From `NVIDIA_VISIBLE_DEVICES`.
    var nvidia: Selection
    /// From `CUDA_VISIBLE_DEVICES`.
    var cuda: Selection
    /// The variables that are set to something other than `all`, as `NAME=value`.
    var filterDescription: String?

    /// Reads both variables from an environment.
    init(environment: [String: String]) {
        let nvidiaValue = environment["NVIDIA_VISIBLE_DEVICES"]
        let cudaValue = environment["CUDA_VISIBLE_DEVICES"]
        nvidia = Self.nvidiaSelection(nvidiaValue)
        cuda = Self.cudaSelection(cudaValue)
        var applied: [String] = []
        if let nvidiaValue, nvidia != .unrestricted { applied.append("NVIDIA_VISIBLE_DEVICES=\(nvidiaValue)") }
        if let cudaValue, cuda != .unrestricted { applied.append("CUDA_VISIBLE_DEVICES=\(cudaValue)") }
        filterDescription = applied.isEmpty ? nil : applied.joined(separator: " ")
    }

    /// True when an entry names a MIG device, so the caller needs `nvidia-smi -L` to map it to its GPU.
    var mentionsMIG: Bool {
        [nvidia, cuda].contains { selection in
            if case .list(let entries) = selection {
                return entries.contains { $0.hasPrefix("MIG-") && !$0.hasPrefix("MIG-GPU-") }
            }
            return false
        }
    }

    /// The devices the pod can use, NVIDIA selection first, then CUDA's (in CUDA's list order).
    ///
    /// `migParents` maps `MIG-…` UUIDs to their GPU's UUID; a MIG entry makes its GPU usable.
    func apply(to devices: [GPUDevice], migParents: [String: String] = [:]) -> [GPUDevice] {
        let injected = Self.applyNVIDIA(nvidia, to: devices.sorted { $0.index < $1.index }, migParents: migParents)
        return Self.applyCUDA(cuda, to: injected, migParents: migParents)
    }

    /// `NVIDIA_VISIBLE_DEVICES`: unset or `all` limit nothing; `none`, `void` and empty hide everything.
    static func nvidiaSelection(_ value: String?) -> Selection {
        guard let value else { return .unrestricted }
        let trimmed = NvidiaSMIValue.trim(value)
        switch trimmed.lowercased() {
        case "all": return .unrestricted
        case "", "none", "void": return .nothing
        default: return .list(entries(trimmed).filter { !$0.isEmpty })
        }
    }

    /// `CUDA_VISIBLE_DEVICES`: unset limits nothing; empty hides everything; entries are kept as
    /// written, empty ones included, since an empty entry is invalid and hides the rest.
    static func cudaSelection(_ value: String?) -> Selection {
        guard let value else { return .unrestricted }
        let trimmed = NvidiaSMIValue.trim(value)
        return trimmed.isEmpty ? .nothing : .list(entries(trimmed))
    }

    /// Entries are indexes or UUIDs; a list of indexes no longer than the device list is taken
    /// as already applied, since inside the container the runtime renumbers the injected GPUs
    /// from 0 and `/proc/driver/nvidia/gpus` shows only them.
    private static func applyNVIDIA(_ selection: Selection, to devices: [GPUDevice], migParents: [String: String]) -> [GPUDevice] {
        switch selection {
        case .unrestricted: return devices
        case .nothing: return []
        case .list(let entries):
            let indexes = entries.compactMap(index)
            if indexes.count == entries.count && devices.count <= Set(indexes).count { return devices }
            return devices.filter { device in
                entries.contains { entry in
                    if let index = index(entry) { return index == device.index }
                    return uuid(entry, migParents: migParents) == device.uuid && device.uuid != nil
                }
            }
        }
    }

    /// CUDA renumbers the listed devices from 0 in list order; indexes count among the devices
    /// it can see, in PCI order (as with `CUDA_DEVICE_ORDER=PCI_BUS_ID`).
    private static func applyCUDA(_ selection: Selection, to devices: [GPUDevice], migParents: [String: String]) -> [GPUDevice] {
        switch selection {
        case .unrestricted: return devices
        case .nothing: return []
        case .list(let entries):
            var chosen: [GPUDevice] = []
            for entry in entries {
                let match: GPUDevice?
                if let position = Int(entry) {
                    match = devices.indices.contains(position) ? devices[position] : nil
                } else {
                    let wanted = uuid(entry, migParents: migParents)
                    let candidates = devices.filter { $0.uuid.map { $0.hasPrefix(wanted) } ?? false }
                    match = candidates.count == 1 && !wanted.isEmpty ? candidates[0] : nil
                }
                guard let match else { break }  // an invalid entry hides the rest
                if !chosen.contains(match) { chosen.append(match) }
            }
            return chosen
        }
    }

    /// A GPU index, or the GPU of a MIG device named `GPU:MIG` by index (the toolkit's `0:1`).
    private static func index(_ entry: String) -> Int? {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ Int($0) != nil }) else { return nil }
        return Int(parts[0])
    }

    /// A MIG UUID stands for its GPU (the old `MIG-GPU-<uuid>/gi/ci` form names it inline);
    /// a GPU UUID or prefix stands for itself.
    private static func uuid(_ entry: String, migParents: [String: String]) -> String {
        if entry.hasPrefix("MIG-GPU-") {
            return String(entry.dropFirst(4).prefix { $0 != "/" })
        }
        return entry.hasPrefix("MIG-") ? migParents[entry] ?? entry : entry
    }

    private static func entries(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: false).map { NvidiaSMIValue.trim($0) }
    }
}
