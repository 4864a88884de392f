import Foundation
import Testing
@testable import Pilot

/// `pilot detect` with a fake nvidia-smi (no GPU on the build machines): the binary must report
/// GPUs, and every nvidia-smi failure, without crashing or hanging.
@Suite("pilot detect with a fake nvidia-smi, end to end", .serialized)
struct DetectGPUCommandTests {
    private func node(mode: String, files: [String: String] = [:]) throws -> FakeNode {
        let node = try FakeNode()
        try node.installNvidiaSMI(mode: mode, files: files)
        try node.write("proc/cpuinfo", try Fixtures.text("cpuinfo_nvidia_grace_neoverse_v2_jureca_rocky95_eessi.txt"))
        try node.write("proc/meminfo", "MemTotal: 1048576 kB\n")
        return node
    }

    private func detect(_ node: FakeNode, _ extra: [String] = [], environment: [String: String?] = [:]) throws
        -> (PilotBinary.Result, [String: Any]) {
        var env = environment
        for key in ["NVIDIA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES"] where env[key] == nil { env[key] = .some(nil) }
        return try PilotBinary.json(
            ["detect", "--json", "--root", node.root, "--nvidia-smi", node.bin.appendingPathComponent("nvidia-smi").path] + extra,
            environment: env)
    }

    @Test("GPUs from nvidia-smi, limited by NVIDIA_VISIBLE_DEVICES")
    func gpusReported() throws {
        let node = try node(mode: "ok", files: ["rows.csv": try GPUProbeTests.fixtureRows()])
        let (all, json) = try detect(node)
        #expect(all.status == 0, "\(all.stderr)")
        let gpus = try #require(json["gpus"] as? [[String: Any]])
        #expect(gpus.map { $0["name"] as? String } == ["NVIDIA H200", "NVIDIA L40S"])
        #expect(gpus.first?["memory_bytes"] as? Int == 143_771 * 1_048_576)
        #expect(gpus.first?["compute_capability"] as? String == "9.0")
        for key in ["index", "name", "uuid", "memory_bytes", "driver", "compute_capability"] {
            #expect(gpus.first?.keys.contains(key) == true, "gpus[].\(key)")
        }
        let (_, limited) = try detect(node, environment: ["NVIDIA_VISIBLE_DEVICES": "1"])
        #expect((limited["gpus"] as? [[String: Any]])?.map { $0["name"] as? String } == ["NVIDIA L40S"])
    }

    @Test("a failing nvidia-smi is reported with its reason", arguments: [
        ("driver", "nvidia-smi_error_failed_to_communicate_with_driver.txt", "nvidia-smi exited 9"),
        ("no-devices", "nvidia-smi_error_no_devices_were_found.txt", "nvidia-smi exited 6"),
    ])
    func failures(mode: String, fixture: String, error: String) throws {
        let node = try node(mode: mode, files: ["message.txt": try Fixtures.text(fixture)])
        let (result, json) = try detect(node)
        #expect(result.status == 0)
        let probe = try #require(json["gpu_probe"] as? [String: Any])
        #expect(probe["nvidia_smi"] as? String == "failed")
        #expect((probe["error"] as? String)?.hasPrefix(error) == true)
        #expect((json["gpus"] as? [Any])?.isEmpty == true)
    }

    @Test("with --root, this host's nvidia-smi is not run unless named")
    func capturedRootSkipsLiveNvidiaSMI() throws {
        let node = try node(mode: "ok", files: ["rows.csv": try GPUProbeTests.fixtureRows()])
        let (result, json) = try PilotBinary.json(
            ["detect", "--json", "--root", node.root],
            environment: ["PATH": node.bin.path + ":/usr/bin:/bin", "PILOT_NVIDIA_SMI": nil,
                          "NVIDIA_VISIBLE_DEVICES": nil, "CUDA_VISIBLE_DEVICES": nil])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((json["gpu_probe"] as? [String: Any])?["nvidia_smi"] as? String == "not_run")
        #expect(node.output("calls.log") == nil)
    }

    @Test("a hung nvidia-smi is killed at --nvidia-smi-timeout and detect still answers")
    func hang() throws {
        let node = try node(mode: "hang")
        let start = Date()
        let (result, json) = try detect(node, ["--nvidia-smi-timeout", "1"])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status == 0)
        #expect((json["gpu_probe"] as? [String: Any])?["nvidia_smi"] as? String == "timed_out")
        // The killed group may not have been scheduled yet on a loaded machine: allow it a moment.
        let sleeper = node.output("sleep.pid")
        #expect(Polling.waitUntil(5) { !GPUProbeTests.isRunning(sleeper) })
    }
}
