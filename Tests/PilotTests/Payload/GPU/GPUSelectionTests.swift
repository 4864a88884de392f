import Testing
@testable import Payload
@testable import Pilot

@Suite("Choosing GPUs for a payload")
struct GPUSelectionTests {
    static let visible = [
        VisibleGPU(index: 0, minor: 0, uuid: "GPU-0aaa"), VisibleGPU(index: 1, minor: 2, uuid: "GPU-1bbb"),
        VisibleGPU(index: 2, minor: 3, uuid: "GPU-2ccc"),
    ]

    static func chosen(_ request: GPURequest) throws -> [Int] {
        try GPUSelection(request: request, visible: visible).gpus.map(\.index)
    }

    @Test(arguments: [
        (GPURequest.none, [Int]()),
        (.all, [0, 1, 2]),
        (.list([]), []),
        (.list(["1"]), [1]),
        (.list(["2", "0"]), [2, 0]),
        (.list(["GPU-1bbb"]), [1]),
        (.list([" gpu-2CCC ", "0"]), [2, 0]),
        (.list(["1", "GPU-1bbb", "1"]), [1]),
    ] as [(GPURequest, [Int])])
    func resolves(_ request: GPURequest, _ expected: [Int]) throws {
        #expect(try Self.chosen(request) == expected)
    }

    @Test func unknownGPUsAreNamed() {
        #expect(throws: GPURequestError.notVisible(entry: "3", visible: Self.visible)) { try Self.chosen(.list(["0", "3"])) }
        #expect(throws: GPURequestError.notVisible(entry: "GPU-0aa", visible: Self.visible)) { try Self.chosen(.list(["GPU-0aa"])) }
        #expect(throws: GPURequestError.notVisible(entry: "MIG-1111", visible: [])) {
            try GPUSelection(request: .list(["MIG-1111"]), visible: [])
        }
        #expect(throws: GPURequestError.noneVisible) { try GPUSelection(request: .all, visible: []) }
        #expect(GPURequestError.notVisible(entry: "3", visible: Self.visible).description
            == "gpu request: \"3\" is not a gpu this pod can use (visible: GPU 0 (GPU-0aaa), GPU 1 (GPU-1bbb), GPU 2 (GPU-2ccc))")
    }

    @Test func variablesNameGPUsByUUIDInRequestOrder() throws {
        let selection = try GPUSelection(request: .list(["2", "0"]), visible: Self.visible)
        #expect(selection.environment(containerSees: Self.visible) == [
            EnvironmentVariable(name: "NVIDIA_VISIBLE_DEVICES", value: "GPU-2ccc,GPU-0aaa"),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "GPU-2ccc,GPU-0aaa"),
        ])
        #expect(try GPUSelection(request: .none, visible: Self.visible).environment(containerSees: Self.visible) == [])
    }

    @Test func gpusWithoutUUIDAreNamedByPositionInBusOrder() throws {
        // An old driver: no UUIDs. GPU 0 has minor 1, GPU 1 minor 0.
        let old = [VisibleGPU(index: 0, minor: 1, uuid: nil), VisibleGPU(index: 1, minor: 0, uuid: nil)]
        let selection = try GPUSelection(request: .list(["0"]), visible: old)
        // apptainer --nv shows both GPUs: GPU 0 is CUDA's second in bus (minor) order.
        #expect(selection.environment(containerSees: old) == [
            EnvironmentVariable(name: "NVIDIA_VISIBLE_DEVICES", value: "1"),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "1"),
            EnvironmentVariable(name: "CUDA_DEVICE_ORDER", value: "PCI_BUS_ID"),
        ])
        // The builtin runtime shows only the chosen one: it is device 0.
        #expect(selection.environment(containerSees: selection.gpus).first?.value == "0")
    }

    @Test func pilotDevicesBecomeVisibleGPUs() {
        let device = GPUDevice(index: 3, name: "NVIDIA H100 80GB HBM3", uuid: "GPU-3ddd", memoryBytes: nil, driver: "535.129.03",
                               computeCapability: "9.0", migMode: nil, busID: "0000:c1:00.0", minor: 5)
        #expect(device.visibleGPU == VisibleGPU(index: 3, minor: 5, uuid: "GPU-3ddd"))
    }
}
