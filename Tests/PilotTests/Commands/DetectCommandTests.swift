import Foundation
import Testing
@testable import Pilot

/// `pilot detect` run as a user runs it: the built binary, its output and exit code.
@Suite("pilot detect, end to end")
struct DetectCommandTests {
    private func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("on this machine it agrees with uname -m and nproc")
    func liveNode() throws {
        let (result, json) = try PilotBinary.json(["detect", "--json"], environment: ["NVIDIA_VISIBLE_DEVICES": nil])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["arch"] as? String == (try shell("uname -m")))
        let cpu = try #require(json["cpu"] as? [String: Any])
        let nproc = try #require(Int(try shell("nproc")))
        #expect(cpu["affinity"] as? Int == nproc)
        let effective = try #require(cpu["effective"] as? Double)
        #expect(effective > 0 && effective <= Double(nproc))
        #expect((cpu["effective_cores"] as? Int ?? 0) >= 1)
        let memory = try #require(json["memory"] as? [String: Any])
        let total = try #require(memory["total_bytes"] as? Int)
        let meminfoKiB = try #require(Int(try shell("awk '/^MemTotal:/ {print $2}' /proc/meminfo")))
        #expect(total == meminfoKiB * 1024)
        #expect(memory.keys.contains("limit_bytes"))
        let disk = try #require(json["disk"] as? [String: Any])
        #expect((disk["free_bytes"] as? Int ?? 0) > 0)
    }

    @Test("on x86 its level matches what glibc's loader says the CPU supports",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/lib64/ld-linux-x86-64.so.2"),
                   "needs glibc's x86-64 loader, which lists the levels it supports"))
    func levelMatchesLoader() throws {
        let loader = try shell("/lib64/ld-linux-x86-64.so.2 --help | grep -E '^ *x86-64-v[0-9] .*supported' | head -1")
        let expected = try #require(loader.split(separator: " ").first.map(String.init))
        let (_, json) = try PilotBinary.json(["detect", "--json"])
        #expect((json["cpu"] as? [String: Any])?["microarch_level"] as? String == expected)
    }

    @Test("the documented keys are present, and --root decides the architecture", arguments: [
        ("cpuinfo_nvidia_grace_neoverse_v2_jureca_rocky95_eessi.txt", "aarch64"),
        ("cpuinfo_intel_xeon_platinum_8480_sapphirerapids_archspec.txt", "x86_64"),
    ])
    func capturedRoot(cpuinfo: String, arch: String) throws {
        let root = try FakeRoot()
        try root.layOutNode(cpuinfo: cpuinfo, memTotalKiB: 1_048_576, osRelease: "os-release_rocky9_el9_pythondistro.txt")
        try root.write("/proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        try root.write("/proc/self/cgroup", "0::/\n")
        try root.copy(fixture: "cgroupv2_cpu.max_0.42cpu_podman_systemd_runc2243.txt", to: "/sys/fs/cgroup/cpu.max")
        try root.copy(fixture: "cgroupv2_memory.max_128MiB_podman_sclorg201.txt", to: "/sys/fs/cgroup/memory.max")
        try root.write("/proc/self/status", "Name:\tpilot\nCpus_allowed_list:\t0-7\n")
        try root.write("/sys/devices/system/cpu/online", "0-7\n")
        try root.write("/proc/sys/kernel/hostname", "wn042\n")

        let (result, json) = try PilotBinary.json(
            ["detect", "--json", "--root", root.path, "--nvidia-smi", "/nonexistent/nvidia-smi"],
            environment: ["PANDA_HOSTNAME": nil, "NVIDIA_VISIBLE_DEVICES": nil])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["arch"] as? String == arch)
        #expect(json["hostname"] as? String == "wn042")
        let cpu = try #require(json["cpu"] as? [String: Any])
        for key in ["vendor", "model", "microarch_level", "part", "features", "logical", "effective"] {
            #expect(cpu.keys.contains(key), "cpu.\(key)")
        }
        #expect(cpu["affinity"] as? Int == 8)
        #expect(cpu["quota"] as? Double == 0.42)
        #expect(cpu["effective"] as? Double == 0.42)
        #expect(cpu["effective_cores"] as? Int == 1)
        if arch == "aarch64" {
            #expect(cpu["microarch_level"] is NSNull)
            #expect(cpu["part"] as? String == "Neoverse-V2")
        } else {
            #expect(cpu["microarch_level"] as? String == "x86-64-v4")
            #expect(cpu["part"] is NSNull)
        }
        let memory = try #require(json["memory"] as? [String: Any])
        #expect(memory["total_bytes"] as? Int == 1_073_741_824)
        #expect(memory["limit_bytes"] as? Int == 134_217_728)
        #expect(memory["effective_bytes"] as? Int == 134_217_728)
        let os = try #require(json["os"] as? [String: Any])
        #expect(os["id"] as? String == "rocky")
        #expect(os["version_id"] as? String == "9.3")
        #expect((json["gpus"] as? [Any])?.isEmpty == true)
        let cgroup = try #require(json["cgroup"] as? [String: Any])
        #expect(cgroup["version"] as? Int == 2)
    }

    @Test("the summary names the level and the effective cores")
    func summary() throws {
        let root = try FakeRoot()
        try root.layOutNode(cpuinfo: "cpuinfo_intel_xeon_x7550_nehalem_full64_utillinux.txt")
        let result = try PilotBinary.run(["detect", "--root", root.path, "--nvidia-smi", "/nonexistent/nvidia-smi"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("x86-64-v2; next level needs abm avx avx2"))
        #expect(result.stdout.contains("64 effective"))
        #expect(result.stdout.contains("Intel(R) Xeon(R) CPU X7550 @ 2.00GHz"))
    }

    @Test("a root without cpuinfo exits 66 with one line naming the file")
    func missingRoot() throws {
        let root = try FakeRoot()
        let result = try PilotBinary.run(["detect", "--json", "--root", root.path])
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "pilot: cannot read node files: open \(root.path)/proc/cpuinfo: No such file or directory\n")
    }

    @Test("a garbled cpuinfo exits 66 and says why")
    func garbledCPUInfo() throws {
        let root = try FakeRoot()
        try root.write("/proc/cpuinfo", "not a cpu\n")
        try root.write("/proc/meminfo", "MemTotal: 1 kB\n")
        let result = try PilotBinary.run(["detect", "--root", root.path])
        #expect(result.status == 66)
        #expect(result.stderr.contains("cannot parse \(root.path)/proc/cpuinfo: no processor entries found"))
    }

    @Test("a bad configuration exits 78", arguments: [
        (["detect", "--config", "/nonexistent/pilot.json"], [String: String?]()),
        (["detect"], ["PILOT_LOG_LEVEL": "loud"]),
        (["detect", "--root", "relative/dir"], [:]),
    ])
    func badConfiguration(arguments: [String], environment: [String: String?]) throws {
        let result = try PilotBinary.run(arguments, environment: environment)
        #expect(result.status == 78)
        #expect(result.stderr.hasPrefix("pilot: "))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("pilot version reports the linked libraries")
    func version() throws {
        let (result, json) = try PilotBinary.json(["version", "--json"])
        #expect(result.status == 0)
        #expect(json["version"] as? String == BuildInfo.pilotVersion)
        let libraries = try #require(json["libraries"] as? [String: String])
        #expect(libraries["curl"]?.hasPrefix("libcurl/") == true)
        #expect(libraries["archive"]?.hasPrefix("libarchive ") == true)
        #expect(libraries["seccomp"]?.split(separator: ".").count == 3)
        let isStatic = try #require(json["statically_linked"] as? Bool)
        if ProcessInfo.processInfo.environment["PILOT_EXPECT_STATIC"] == "1" {
            #expect(isStatic, "scripts/test.sh runs this pass against dist/pilot, which must be static")
            #expect(libraries["curl"]?.contains("OpenLDAP") == false, "the minimal libcurl, not Debian's")
        }
    }
}
