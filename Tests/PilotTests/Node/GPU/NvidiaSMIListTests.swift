import Testing
@testable import Pilot

@Suite("nvidia-smi -L and failure texts")
struct NvidiaSMIListTests {
    static let zeroUUID = "GPU-00000000-0000-0000-0000-000000000000"

    static let listCases: [(file: String, name: String, uuid: String, migCount: Int)] = [
        ("nvidia-smi_L_h100-80gb-hbm3_drv590.48.01_gpuexporter.txt", "NVIDIA H100 80GB HBM3", zeroUUID, 0),
        ("nvidia-smi_L_h100-mig_drv590.48.01_gpuexporter.txt", "NVIDIA H100 80GB HBM3", zeroUUID, 4),
        ("nvidia-smi_L_h200_drv590.48.01_gpuexporter.txt", "NVIDIA H200", zeroUUID, 0),
        ("nvidia-smi_L_l40s_drv595.80_gpuexporter.txt", "NVIDIA L40S", zeroUUID, 0),
        ("nvidia-smi_L_tesla-t4_kata8282.txt", "Tesla T4", "GPU-e43207c1-e0e0-0208-c3c0-b005f2c417f6", 0),
    ]

    static let errorCases: [(file: String, exitCode: Int32, failure: NvidiaSMIFailure)] = [
        ("nvidia-smi_error_failed_to_communicate_with_driver.txt", 9, .driverNotLoaded),
        ("nvidia-smi_error_no_devices_were_found.txt", 6, .noDevices),
    ]

    static var files: [String] { listCases.map(\.file) + errorCases.map(\.file) }

    @Test("-L", arguments: listCases)
    func list(_ expected: (file: String, name: String, uuid: String, migCount: Int)) throws {
        let list = try NvidiaSMIList.parse(Fixtures.text(expected.file))
        let gpu = try #require(list.gpus.first)
        #expect(list.gpus.count == 1)
        #expect(gpu.index == 0)
        #expect(gpu.name == expected.name)
        #expect(gpu.uuid == expected.uuid)
        #expect(gpu.migDevices.count == expected.migCount)
    }

    @Test func migLinesBelongToTheirGPU() throws {
        let list = try NvidiaSMIList.parse(Fixtures.text(Self.listCases[1].file))
        let migs = try #require(list.gpus.first?.migDevices)
        #expect(migs.map(\.profile) == ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"])
        #expect(migs.map(\.index) == [0, 1, 2, 3])
        #expect(migs[1].uuid == "MIG-00000001-0000-0000-0000-000000000001")
        #expect(list.migParents["MIG-00000003-0000-0000-0000-000000000003"] == Self.zeroUUID)
    }

    @Test(arguments: ["  MIG 1g.10gb Device 0: (UUID: MIG-x)\n", "GPU x: A (UUID: GPU-y)\n"])
    func malformedListLinesAreErrors(_ text: String) {
        #expect(throws: GPUParseError.self) { try NvidiaSMIList.parse(text) }
    }

    @Test func driverWarningsAreSkipped() throws {
        let text = "WARNING: infoROM is corrupted at gpu 0000:04:00.0\nGPU 0: Tesla T4 (UUID: GPU-abc)\n"
        let list = try NvidiaSMIList.parse(text)
        #expect(list.gpus.map(\.name) == ["Tesla T4"])
    }

    @Test("error texts", arguments: errorCases)
    func errorText(_ expected: (file: String, exitCode: Int32, failure: NvidiaSMIFailure)) throws {
        let text = try Fixtures.text(expected.file)
        #expect(NvidiaSMIFailure.classify(exitCode: expected.exitCode, output: text) == expected.failure)
        // The text decides even when a wrapper changed the exit code.
        #expect(NvidiaSMIFailure.classify(exitCode: 1, output: text) == expected.failure)
        let summary = NvidiaSMIFailure.summary(exitCode: expected.exitCode, output: text)
        #expect(summary.hasPrefix("nvidia-smi exited \(expected.exitCode): \(expected.failure) ("))
        #expect(!summary.contains("\n"))
    }

    @Test(arguments: [
        (2, NvidiaSMIFailure.invalidArgument), (4, .noPermission), (12, .nvmlNotFound), (15, .gpuLost),
        (255, .other(code: 255)),
    ] as [(Int32, NvidiaSMIFailure)])
    func exitCodesWithoutText(_ code: Int32, _ failure: NvidiaSMIFailure) {
        #expect(NvidiaSMIFailure.classify(exitCode: code, output: "") == failure)
        #expect(NvidiaSMIFailure.summary(exitCode: code, output: "") == "nvidia-smi exited \(code): \(failure)")
    }
}
