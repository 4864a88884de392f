import Foundation
import Logging
import Testing
@testable import Pilot

/// Whether this machine has a loaded NVIDIA driver and nvidia-smi.
enum LiveNVIDIA {
    static let environment = ProcessInfo.processInfo.environment

    static var available: Bool {
        FileManager.default.fileExists(atPath: "/proc/driver/nvidia/version")
            && DeadlineRunner.locate("nvidia-smi", environment: environment) != nil
    }
}

/// Checks against a real NVIDIA driver; skipped on machines without one.
@Suite("GPU probe on a real NVIDIA node", .enabled(if: LiveNVIDIA.available, "needs /proc/driver/nvidia and nvidia-smi on PATH"))
struct GPULiveTests {
    static let environment = LiveNVIDIA.environment

    static func run(_ arguments: [String]) async throws -> String {
        let path = try #require(DeadlineRunner.locate("nvidia-smi", environment: environment))
        let outcome = await DeadlineRunner(executable: path, timeout: .seconds(60), environment: environment).run(arguments)
        guard case .exited(code: 0, let output, _) = outcome else {
            Issue.record("nvidia-smi \(arguments) ended with \(outcome)")
            return ""
        }
        return output
    }

    @Test func probeFindsTheGPUs() async throws {
        let probe = GPUProbe(root: "/", nvidiaSMI: "nvidia-smi", timeout: .seconds(60),
                             environment: Self.environment, logger: Logger(label: "test.gpu.live"))
        let (devices, status) = await probe.detect()
        #expect(status.source == .nvidiaSMI)
        #expect(status.nvidiaSMI == .ok)
        #expect(status.error == nil)
        #expect(status.driver != nil)
        #expect(status.visibleFilter != nil || !devices.isEmpty)
        for device in devices {
            #expect(device.uuid?.hasPrefix("GPU-") == true)
            #expect((device.memoryBytes ?? 0) > 0)
            #expect(device.busID.flatMap { NvidiaSMIValue.busID($0) } == device.busID)
            #expect(device.computeCapability != nil)
        }
    }

    @Test func allFormatsAgreeOnTheRealOutput() async throws {
        let csv = try NvidiaSMICSV.parse(await Self.run(["--query-gpu=" + NvidiaSMICSV.query.joined(separator: ","), "--format=csv"]))
        let xml = try NvidiaSMIReport.parseQueryXML(await Self.run(["-q", "-x"]))
        let text = try NvidiaSMIReport.parseQueryText(await Self.run(["-q"]))
        let table = try NvidiaSMIReport.parseTable(await Self.run([]))
        let list = try NvidiaSMIList.parse(await Self.run(["-L"]))
        let uuids = csv.devices.map(\.uuid)
        #expect(xml.gpus.map(\.uuid) == uuids)
        #expect(text.gpus.map(\.uuid) == uuids)
        #expect(list.gpus.map(\.uuid) == uuids)
        #expect(table.gpus.map(\.busID) == csv.devices.map(\.busID))
        #expect(xml.gpus.map(\.memoryBytes) == csv.devices.map(\.memoryBytes))
        #expect(Set([xml.driverVersion, text.driverVersion, table.driverVersion]) == [csv.devices.first?.driver])
        #expect(xml.cudaVersion == table.cudaVersion)
        let proc = try NvidiaProcDriver.parseVersion(String(contentsOfFile: "/proc/driver/nvidia/version", encoding: .utf8))
        #expect(proc.version == xml.driverVersion)
    }
}
