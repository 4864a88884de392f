/// One NVIDIA GPU this pod can use.
struct GPUDevice: Codable, Sendable, Equatable {
    /// The index nvidia-smi gives it (PCI order); for /proc-only GPUs, the position in bus order.
    var index: Int
    /// The product name, e.g. "NVIDIA H100 80GB HBM3"; /proc's `Model` when nvidia-smi is missing.
    var name: String
    /// `GPU-…` UUID.
    @EncodedAsNull var uuid: String?
    /// Total framebuffer memory in bytes; only nvidia-smi knows it.
    @EncodedAsNull var memoryBytes: UInt64?
    /// Driver version, e.g. "590.48.01".
    @EncodedAsNull var driver: String?
    /// CUDA compute capability, e.g. "9.0"; nil on drivers too old to report it.
    @EncodedAsNull var computeCapability: String?
    /// Current MIG mode: "Enabled", "Disabled", or nil when the GPU has no MIG.
    @EncodedAsNull var migMode: String?
    /// PCI address with a 4-digit domain, lowercase, e.g. "0000:04:00.0".
    @EncodedAsNull var busID: String?
    /// The N in /dev/nvidiaN.
    @EncodedAsNull var minor: Int?

    /// The JSON keys, snake_case as documented for `pilot detect --json`.
    enum CodingKeys: String, CodingKey {
        case index, name, uuid, driver, minor
        case memoryBytes = "memory_bytes"
        case computeCapability = "compute_capability"
        case migMode = "mig_mode"
        case busID = "bus_id"
    }
}

/// How the GPU probe went: where the devices came from and why a source failed.
struct GPUProbeStatus: Codable, Sendable, Equatable {
    /// Where the devices came from.
    enum Source: String, Codable, Sendable {
        case nvidiaSMI = "nvidia-smi"
        /// Only /proc/driver/nvidia: nvidia-smi is missing or failed.
        case proc
        case none
    }

    /// How the nvidia-smi run went.
    enum NvidiaSMIState: String, Codable, Sendable {
        case ok
        case notFound = "not_found"
        case timedOut = "timed_out"
        case failed
        /// Disabled (`--nvidia-smi ""`, or a captured `--root`).
        case notRun = "not_run"
    }

    /// Where the devices came from: `nvidia-smi`, `proc` or `none`.
    var source: Source
    /// Driver version, from nvidia-smi or /proc/driver/nvidia/version.
    @EncodedAsNull var driver: String?
    /// CUDA version, when `nvidia-smi --version` reports it.
    @EncodedAsNull var cuda: String?
    /// `ok`, `not_found`, `timed_out`, `failed` or `not_run`.
    var nvidiaSMI: NvidiaSMIState
    /// One line on why nvidia-smi failed, e.g. "nvidia-smi exited 9: driver not loaded (…)".
    @EncodedAsNull var error: String?
    /// The variables that limited the list, e.g. "NVIDIA_VISIBLE_DEVICES=0,2".
    @EncodedAsNull var visibleFilter: String?

    /// The JSON keys, snake_case as documented for `pilot detect --json`.
    enum CodingKeys: String, CodingKey {
        case source, driver, cuda, error
        case nvidiaSMI = "nvidia_smi"
        case visibleFilter = "visible_filter"
    }
}
