import Foundation
import Logging
import Testing
@testable import Pilot

/// A temporary directory with a fake root (`proc/driver/nvidia`) and a `bin/nvidia-smi` copy of
/// Scripts/fake-nvidia-smi in a chosen mode.
final class FakeNode {
    let directory: URL
    var bin: URL { directory.appendingPathComponent("bin") }
    var root: String { directory.appendingPathComponent("root").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-gpu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Installs the fake nvidia-smi in `mode`; `files` are written beside it (rows.csv, message.txt, …).
    func installNvidiaSMI(mode: String, files: [String: String] = [:]) throws {
        let script = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts/fake-nvidia-smi")
        let target = bin.appendingPathComponent("nvidia-smi")
        try FileManager.default.copyItem(at: script, to: target)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
        try mode.write(to: bin.appendingPathComponent("mode"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(to: bin.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    /// Writes a file under the fake root, e.g. `proc/driver/nvidia/version`.
    func write(_ relativePath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// A file the fake nvidia-smi wrote, or nil.
    func output(_ name: String) -> String? {
        try? String(contentsOf: bin.appendingPathComponent(name), encoding: .utf8)
    }

    func probe(_ environment: [String: String] = [:], timeout: Duration = .seconds(10), command: String = "nvidia-smi") -> GPUProbe {
        GPUProbe(root: root, nvidiaSMI: command, timeout: timeout,
                 environment: environment.merging(["PATH": "\(bin.path):/usr/bin:/bin"]) { old, _ in old },
                 logger: Logger(label: "test.gpu"))
    }
}

@Suite("GPUProbe with a fake root and a fake nvidia-smi", .serialized)
struct GPUProbeTests {
    static let mib: UInt64 = 1 << 20
    static let zeroUUID = "GPU-00000000-0000-0000-0000-000000000000"

    static let h200L40S = [
        "nvidia-smi_query-gpu_csv_header_h200_drv590.48.01_gpuexporter.txt",
        "nvidia-smi_query-gpu_csv_header_l40s_drv595.80_gpuexporter.txt",
    ]

    /// Rows in the probe's query order, cut from query-gpu captures (H200 and L40S by default).
    static func fixtureRows(_ files: [String] = h200L40S) throws -> String {
        try files.enumerated().map { index, file in
            let csv = try NvidiaSMICSV.parse(Fixtures.text(file))
            let column = { (field: String) in csv.rows[0][try #require(csv.fields.firstIndex(of: field))] }
            return try NvidiaSMICSV.query.map { field in
                field == "index" ? "\(index)" : try column(field).replacingOccurrences(of: " MiB", with: "")
            }.joined(separator: ", ")
        }.joined(separator: "\n") + "\n"
    }

    /// A process that still runs (a zombie no longer counts).
    static func isRunning(_ pid: String?) -> Bool {
        guard let pid = pid?.trimmingCharacters(in: .whitespacesAndNewlines), !pid.isEmpty,
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    @Test func nothingThereIsQuiet() async throws {
        let node = try FakeNode()
        // Only the empty bin on PATH, so a real nvidia-smi on a GPU machine is not found either.
        let (devices, status) = await node.probe(["PATH": node.bin.path]).detect()
        #expect(devices.isEmpty)
        #expect(status == GPUProbeStatus(source: .none, nvidiaSMI: .notFound))
    }

    @Test func procOnlyGPUsAreReportedInBusOrder() async throws {
        let node = try FakeNode()
        try node.write("proc/driver/nvidia/version", Fixtures.text("proc_driver_nvidia_version_open_565.57.01_ubuntu2404_nixgl186.txt"))
        try node.write("proc/driver/nvidia/gpus/0000:70:00.0/information",
                       Fixtures.text("proc_driver_nvidia_gpus_0000-70-00.0_information_L4_snapd14893.txt"))
        try node.write("proc/driver/nvidia/gpus/0000:04:00.0/information",
                       Fixtures.text("proc_driver_nvidia_gpus_0000-04-00.0_information_gtx650_old_driver_no_minor_lxd3950.txt"))
        let (devices, status) = await node.probe(["PATH": node.bin.path]).detect()
        #expect(status == GPUProbeStatus(source: .proc, driver: "565.57.01", nvidiaSMI: .notFound))
        #expect(devices.map(\.name) == ["GeForce GTX 650", "NVIDIA L4"])
        #expect(devices.map(\.index) == [0, 1])
        #expect(devices.map(\.minor) == [nil, 0])
        #expect(devices.allSatisfy { $0.driver == "565.57.01" && $0.memoryBytes == nil })
    }

    @Test(arguments: [
        ("driver", "nvidia-smi_error_failed_to_communicate_with_driver.txt", "nvidia-smi exited 9: driver not loaded (NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.)"),
        ("no-devices", "nvidia-smi_error_no_devices_were_found.txt", "nvidia-smi exited 6: no devices (No devices were found)"),
    ])
    func failuresAreClassified(_ mode: String, _ fixture: String, _ error: String) async throws {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: mode, files: ["message.txt": Fixtures.text(fixture)])
        let (devices, status) = await node.probe().detect()
        #expect(devices.isEmpty)
        #expect(status == GPUProbeStatus(source: .none, nvidiaSMI: .failed, error: error))
    }

    /// `hang-hard` ignores SIGTERM, so the teardown must go on to SIGKILL.
    @Test(arguments: ["hang", "hang-hard"])
    func hangingNvidiaSMIIsKilledAtTheDeadline(_ mode: String) async throws {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: mode)
        let clock = ContinuousClock()
        let start = clock.now
        let (devices, status) = await node.probe(timeout: .seconds(1)).detect()
        let elapsed = clock.now - start
        #expect(elapsed >= .seconds(1))
        #expect(elapsed < .seconds(10), "detect() must return soon after the 1 s deadline, not after the 60 s sleep")
        #expect(devices.isEmpty)
        #expect(status.nvidiaSMI == .timedOut)
        #expect(status.source == .none)
        #expect(status.error?.hasPrefix("nvidia-smi gave no answer within") == true)
        // The teardown goes on after detect() returns when the machine is loaded: allow it a moment.
        let shell = try #require(node.output("shell.pid"))
        let sleeper = node.output("sleep.pid")
        for _ in 0..<50 where Self.isRunning(shell) || Self.isRunning(sleeper) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!Self.isRunning(shell), "the script was killed")
        #expect(!Self.isRunning(sleeper), "its child in the same process group was killed too")
    }

    @Test func goodOutputIsMergedWithProc() async throws {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: "ok", files: [
            "rows.csv": Self.fixtureRows(),
            "version.txt": Fixtures.text("nvidia-smi_version_h100_drv590.48.01_gpuexporter.txt"),
        ])
        // Same bus as the L40S row, another UUID: it must join by bus id and lend its minor number.
        try node.write("proc/driver/nvidia/gpus/0000:01:00.0/information",
                       "Model: \t\t NVIDIA L40S\nGPU UUID: \t GPU-11111111-2222-3333-4444-555555555555\nBus Location: \t 0000:01:00.0\nDevice Minor: \t 5\nGPU Excluded:\t No\n")
        try node.write("proc/driver/nvidia/gpus/0000:70:00.0/information",
                       Fixtures.text("proc_driver_nvidia_gpus_0000-70-00.0_information_L4_snapd14893.txt"))
        try node.write("proc/driver/nvidia/gpus/0000:a0:00.0/information",
                       "Model: \t\t NVIDIA L4\nBus Location: \t 0000:a0:00.0\nGPU Excluded:\t Yes\n")
        let (devices, status) = await node.probe().detect()
        #expect(status == GPUProbeStatus(source: .nvidiaSMI, driver: "590.48.01", cuda: "13.1", nvidiaSMI: .ok))
        #expect(devices == [
            GPUDevice(index: 0, name: "NVIDIA H200", uuid: Self.zeroUUID, memoryBytes: 143771 * Self.mib,
                      driver: "590.48.01", computeCapability: "9.0", migMode: "Disabled", busID: "0000:83:00.0", minor: nil),
            GPUDevice(index: 1, name: "NVIDIA L40S", uuid: Self.zeroUUID, memoryBytes: 46068 * Self.mib,
                      driver: "595.80", computeCapability: "8.9", migMode: nil, busID: "0000:01:00.0", minor: 5),
            GPUDevice(index: 2, name: "NVIDIA L4", uuid: "GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689", memoryBytes: nil,
                      driver: "590.48.01", computeCapability: nil, migMode: nil, busID: "0000:70:00.0", minor: 0),
        ])
    }

    @Test func oldDriverGetsTheLegacyQuery() async throws {
        let node = try FakeNode()
        let rows = "0, Tesla K80, GPU-e43207c1-e0e0-0208-c3c0-b005f2c417f6, 11441, 410.104, 00000000:00:04.0\n"
        try node.installNvidiaSMI(mode: "old-driver", files: ["rows.csv": rows])
        let (devices, status) = await node.probe().detect()
        #expect(status == GPUProbeStatus(source: .nvidiaSMI, driver: "410.104", nvidiaSMI: .ok))
        let calls = try #require(node.output("calls.log")).split(separator: "\n")
        #expect(calls.count == 3, "query, legacy query, --version")
        #expect(calls[0].contains("compute_cap"))
        #expect(calls[1].hasPrefix("--query-gpu=\(NvidiaSMICSV.legacyQuery.joined(separator: ","))"))
        #expect(devices == [GPUDevice(index: 0, name: "Tesla K80", uuid: "GPU-e43207c1-e0e0-0208-c3c0-b005f2c417f6",
                                      memoryBytes: 11441 * Self.mib, driver: "410.104", computeCapability: nil,
                                      migMode: nil, busID: "0000:00:04.0", minor: nil)])
    }

    @Test(arguments: [
        (["NVIDIA_VISIBLE_DEVICES": "none"], [String](), "NVIDIA_VISIBLE_DEVICES=none"),
        (["CUDA_VISIBLE_DEVICES": "1"], ["NVIDIA L40S"], "CUDA_VISIBLE_DEVICES=1"),
        (["NVIDIA_VISIBLE_DEVICES": "all", "CUDA_VISIBLE_DEVICES": "0,5,1"], ["NVIDIA H200"], "CUDA_VISIBLE_DEVICES=0,5,1"),
    ] as [([String: String], [String], String)])
    func visibilityIsAppliedLast(_ environment: [String: String], _ names: [String], _ filter: String) async throws {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: "ok", files: ["rows.csv": Self.fixtureRows()])
        let (devices, status) = await node.probe(environment).detect()
        #expect(devices.map(\.name) == names)
        #expect(status.visibleFilter == filter)
        #expect(status.nvidiaSMI == .ok)
    }

    @Test(arguments: [("MIG-00000001-0000-0000-0000-000000000001", 1), ("MIG-99999999-0000-0000-0000-000000000000", 0)])
    func migEntriesAreMappedThroughNvidiaSMIList(_ mig: String, _ count: Int) async throws {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: "ok", files: [
            "rows.csv": Self.fixtureRows(["nvidia-smi_query-gpu_csv_header_h100-mig_drv590.48.01_gpuexporter.txt"]),
            "list.txt": Fixtures.text("nvidia-smi_L_h100-mig_drv590.48.01_gpuexporter.txt"),
        ])
        let (devices, _) = await node.probe(["CUDA_VISIBLE_DEVICES": mig]).detect()
        #expect(devices.count == count)
        #expect(devices.allSatisfy { $0.migMode == "Enabled" })
        #expect(node.output("calls.log")?.contains("-L\n") == true, "-L runs only for MIG entries")
    }

    @Test func explicitPathAndDisabledCommand() async throws {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: "ok", files: ["rows.csv": Self.fixtureRows()])
        let path = node.bin.appendingPathComponent("nvidia-smi").path
        let byPath = await node.probe(["PATH": "/usr/bin:/bin"], command: path).detect()
        #expect(byPath.devices.count == 2)
        #expect(byPath.status.nvidiaSMI == .ok)
        #expect(byPath.status.cuda == nil, "no version.txt: --version exits 2")
        let disabled = await node.probe(command: "").detect()
        #expect(disabled.devices.isEmpty)
        #expect(disabled.status.nvidiaSMI == .notRun)
    }

    @Test func jsonKeysAreSnakeCase() throws {
        let device = GPUDevice(index: 0, name: "x", uuid: "GPU-1", memoryBytes: 1, driver: "1", computeCapability: "9.0",
                               migMode: "Enabled", busID: "0000:01:00.0", minor: 0)
        let status = GPUProbeStatus(source: .nvidiaSMI, driver: "1", cuda: "2", nvidiaSMI: .ok, error: "e", visibleFilter: "f")
        let keys = { (json: String) throws -> Set<String> in
            Set(try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]).keys)
        }
        #expect(try keys(JSONOutput.encode(device)) == [
            "index", "name", "uuid", "memory_bytes", "driver", "compute_capability", "mig_mode", "bus_id", "minor",
        ])
        #expect(try keys(JSONOutput.encode(status)) == ["source", "driver", "cuda", "nvidia_smi", "error", "visible_filter"])
    }
}
