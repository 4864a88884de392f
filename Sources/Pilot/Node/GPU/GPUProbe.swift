import Logging

// Placeholder while the GPU probe is written on its own branch; replaced at merge.
struct GPUDevice: Codable, Sendable, Equatable {
    var index: Int
    var name: String
    var uuid: String?
    var memoryBytes: UInt64?
    var driver: String?
    var computeCapability: String?
    var migMode: String?
    var busID: String?
    var minor: Int?
}

struct GPUProbeStatus: Codable, Sendable, Equatable {
    var source: String
    var driver: String?
    var cuda: String?
    var nvidiaSMI: String
    var error: String?
    var visibleFilter: String?
}

struct GPUProbe: Sendable {
    init(root: String, nvidiaSMI: String, timeout: Duration, environment: [String: String], logger: Logger) {}
    func detect() async -> (devices: [GPUDevice], status: GPUProbeStatus) {
        ([], GPUProbeStatus(source: "none", nvidiaSMI: "not_run"))
    }
}
