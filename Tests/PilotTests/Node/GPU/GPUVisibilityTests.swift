import Testing
@testable import Pilot

@Suite("NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES")
struct GPUVisibilityTests {
    /// Four GPUs as the host sees them.
    static let host: [GPUDevice] = (0..<4).map {
        GPUDevice(index: $0, name: "NVIDIA A100-SXM4-80GB", uuid: "GPU-\($0)aaa-bbbb", memoryBytes: nil, driver: nil,
                  computeCapability: nil, migMode: $0 == 3 ? "Enabled" : "Disabled", busID: nil, minor: $0)
    }
    static let migParents = ["MIG-1111": "GPU-3aaa-bbbb"]

    static func visible(_ environment: [String: String]) -> [Int] {
        GPUVisibility(environment: environment).apply(to: host, migParents: migParents).map(\.index)
    }

    @Test(arguments: [
        ([:], [0, 1, 2, 3]),
        (["NVIDIA_VISIBLE_DEVICES": "all"], [0, 1, 2, 3]),
        (["NVIDIA_VISIBLE_DEVICES": "none"], []),
        (["NVIDIA_VISIBLE_DEVICES": "void"], []),
        (["NVIDIA_VISIBLE_DEVICES": ""], []),
        (["NVIDIA_VISIBLE_DEVICES": "0,2"], [0, 2]),
        (["NVIDIA_VISIBLE_DEVICES": "GPU-1aaa-bbbb"], [1]),
        (["NVIDIA_VISIBLE_DEVICES": "MIG-1111"], [3]),
        (["NVIDIA_VISIBLE_DEVICES": "1, GPU-3aaa-bbbb"], [1, 3]),
        (["NVIDIA_VISIBLE_DEVICES": "3:0"], [3]),
        (["NVIDIA_VISIBLE_DEVICES": "1,3:1"], [1, 3]),
        (["NVIDIA_VISIBLE_DEVICES": "MIG-GPU-3aaa-bbbb/1/0"], [3]),
    ] as [([String: String], [Int])])
    func nvidiaVisibleDevices(_ environment: [String: String], _ expected: [Int]) {
        #expect(Self.visible(environment) == expected)
    }

    @Test(arguments: [
        (["CUDA_VISIBLE_DEVICES": ""], []),
        (["CUDA_VISIBLE_DEVICES": "2,0"], [2, 0]),
        (["CUDA_VISIBLE_DEVICES": "1,7,2"], [1]),
        (["CUDA_VISIBLE_DEVICES": "-1"], []),
        (["CUDA_VISIBLE_DEVICES": "0,,1"], [0]),
        (["CUDA_VISIBLE_DEVICES": "GPU-2aaa"], [2]),
        (["CUDA_VISIBLE_DEVICES": "GPU-"], []),
        (["CUDA_VISIBLE_DEVICES": "MIG-1111,0"], [3, 0]),
        (["CUDA_VISIBLE_DEVICES": "MIG-9999,0"], []),
        (["CUDA_VISIBLE_DEVICES": "1,1"], [1]),
    ] as [([String: String], [Int])])
    func cudaVisibleDevices(_ environment: [String: String], _ expected: [Int]) {
        #expect(Self.visible(environment) == expected)
    }

    @Test func cudaIndexesCountAmongTheInjectedDevices() {
        // The runtime injected GPUs 1 and 3; CUDA's 1 is then the host's 3.
        #expect(Self.visible(["NVIDIA_VISIBLE_DEVICES": "GPU-1aaa-bbbb,GPU-3aaa-bbbb", "CUDA_VISIBLE_DEVICES": "1"]) == [3])
    }

    @Test func indexListAlreadyAppliedInsideTheContainer() {
        // Inside the container the runtime shows only the injected GPU, renumbered to 0.
        let injected = [GPUDevice(index: 0, name: "x", uuid: "GPU-2aaa-bbbb", memoryBytes: nil, driver: nil,
                                  computeCapability: nil, migMode: nil, busID: nil, minor: 2)]
        let visibility = GPUVisibility(environment: ["NVIDIA_VISIBLE_DEVICES": "2"])
        #expect(visibility.apply(to: injected) == injected)
    }

    @Test func filterDescriptionNamesTheLimitingVariables() {
        #expect(GPUVisibility(environment: [:]).filterDescription == nil)
        #expect(GPUVisibility(environment: ["NVIDIA_VISIBLE_DEVICES": "all"]).filterDescription == nil)
        #expect(GPUVisibility(environment: ["NVIDIA_VISIBLE_DEVICES": "0,2"]).filterDescription == "NVIDIA_VISIBLE_DEVICES=0,2")
        #expect(GPUVisibility(environment: ["NVIDIA_VISIBLE_DEVICES": "all", "CUDA_VISIBLE_DEVICES": "1"]).filterDescription
            == "CUDA_VISIBLE_DEVICES=1")
        #expect(GPUVisibility(environment: ["CUDA_VISIBLE_DEVICES": "MIG-1"]).mentionsMIG)
        #expect(!GPUVisibility(environment: ["CUDA_VISIBLE_DEVICES": "0"]).mentionsMIG)
    }
}

@Suite("nvidia-smi's environment")
struct NvidiaSMIEnvironmentTests {
    @Test("nvidia-smi gets PATH and the GPU variables, never the pilot's credentials")
    func childEnvironment() {
        let child = GPUProbe.childEnvironment([
            "PATH": "/usr/bin", "CUDA_VISIBLE_DEVICES": "0", "NVIDIA_VISIBLE_DEVICES": "all",
            "PANDA_AUTH_TOKEN": "secret", "X509_USER_PROXY": "/tmp/x509up", "HOME": "/root",
        ])
        #expect(child == ["PATH": "/usr/bin", "CUDA_VISIBLE_DEVICES": "0", "NVIDIA_VISIBLE_DEVICES": "all"])
    }
}
