import Foundation
import Payload
import Testing

/// container/systemd/: the unit as systemd itself reads it (`systemd-analyze verify`, and its
/// offline security review), the settings the pilot's stop and restart rules need, and the
/// cloud-init user-data that installs it.
@Suite("systemd unit")
struct SystemdUnitTests {
    static let unit = DeploymentKit.path("container/systemd/pilot.service")
    static let environmentFile = DeploymentKit.path("container/systemd/pilot.env.example")

    /// `Key=value` lines of the unit (a key set twice keeps every value, in order).
    private func settings() throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in try String(contentsOfFile: Self.unit, encoding: .utf8).split(separator: "\n") {
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return result
    }

    /// The unit in a scratch directory with ExecStart pointing at a binary that exists here
    /// (verify checks that the command is executable).
    private func verifiableCopy(_ scratch: ScratchDirectory, text: String? = nil) throws -> String {
        let original = try text ?? String(contentsOfFile: Self.unit, encoding: .utf8)
        return try scratch.write("pilot.service", original.replacingOccurrences(of: "/usr/local/bin/pilot", with: PilotBinary.path))
    }

    @Test("systemd-analyze verify accepts it without a single warning; a broken copy draws warnings",
          .enabled(if: DeploymentKit.systemdAnalyze != nil, "needs systemd-analyze (systemd)"))
    func verify() throws {
        let scratch = try ScratchDirectory("systemd")
        let good = try LocalCommand.run([DeploymentKit.systemdAnalyze!, "verify", try verifiableCopy(scratch)])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(!good.stderr.contains("pilot.service"), "warnings: \(good.stderr)")

        // verify exits 0 even for settings it ignores: the control shows the warnings are read.
        let broken = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "KillMode=mixed", with: "KillMode=gentle")
            .replacingOccurrences(of: "OOMPolicy=continue", with: "OOMPolicy=continue\nTimeoutStopSecs=40")
        let bad = try LocalCommand.run([DeploymentKit.systemdAnalyze!, "verify", try verifiableCopy(scratch, text: broken)])
        #expect(bad.stderr.contains("kill mode") && bad.stderr.contains("TimeoutStopSecs"), "\(bad.stderr)")
    }

    @Test("systemd's offline security review rates it at most MEDIUM (5.5) without forbidding namespaces",
          .enabled(if: DeploymentKit.systemdAnalyze != nil, "needs systemd-analyze (systemd)"))
    func exposure() throws {
        let scratch = try ScratchDirectory("systemd-security")
        let review = try LocalCommand.run([DeploymentKit.systemdAnalyze!, "security", "--offline=true", "--no-pager",
                                           try verifiableCopy(scratch)])
        let line = try #require(review.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }, "\(review.stdout)")
        let level = try #require(line.split(separator: " ").compactMap { Double($0) }.first)
        #expect(level <= 5.5, "\(line)")
        // The review counts namespaces as exposure: the runtime needs them, so they stay.
        #expect(review.stdout.contains("RestrictNamespaces=~user"), "\(review.stdout)")
    }

    @Test("stop and restart: SIGTERM to the pilot alone, a stop timeout above its budget, restarts for crashes only")
    func stopAndRestart() throws {
        let unit = try settings()
        #expect(unit["KillSignal"] == ["SIGTERM"])
        #expect(unit["KillMode"] == ["mixed"], "the pilot stops its own payload")
        #expect(unit["OOMPolicy"] == ["continue"], "a payload's OOM kill must not stop the pilot")
        #expect(unit["Restart"] == ["on-failure"])
        let prevented = Set(try #require(unit["RestartPreventExitStatus"]?.first).split(separator: " ").map(String.init))
        #expect(prevented == ["69", "78", "125", "129", "130", "143"], "the pilot's refusals and signal stops are not crashes")
        let timeout = try #require(unit["TimeoutStopSec"]?.first.flatMap(Double.init))
        let environment = try String(contentsOfFile: Self.environmentFile, encoding: .utf8)
        func value(_ key: String) -> Double? {
            environment.split(separator: "\n").first { $0.hasPrefix(key + "=") }.flatMap { Double($0.dropFirst(key.count + 1)) }
        }
        let budget = try #require(value("PILOT_RUN_STOP_BUDGET"))
        let grace = try #require(value("PILOT_RUN_GRACE"))
        #expect(grace < budget && budget < timeout)
    }

    @Test("the work dir is the StateDirectory, and no setting forbids the runtime's namespaces, /proc or devices")
    func sandbox() throws {
        let unit = try settings()
        #expect(unit["StateDirectory"] == ["pilot"])
        #expect(unit["WorkingDirectory"] == ["%S/pilot"])
        #expect(unit["Environment"]?.first?.contains("PILOT_WORKDIR=%S/pilot") == true)
        #expect(unit["User"] == ["pilot"] && unit["Delegate"] == ["yes"])
        for forbidden in ["RestrictNamespaces", "PrivateUsers", "ProtectKernelTunables", "ProtectKernelLogs", "ProtectProc",
                          "ProcSubset", "PrivateDevices", "DeviceAllow", "ProtectClock", "MemoryDenyWriteExecute",
                          "SystemCallArchitectures"] {
            #expect(unit[forbidden] == nil, "\(forbidden) would break the builtin runtime or its payloads")
        }
        // The deny-list's names, less "~" and ":ERRNO": those of the pod profile, none the runtime calls.
        let denied = Set((unit["SystemCallFilter"] ?? []).flatMap { $0.split(separator: " ") }
            .map { String($0.drop { $0 == "~" }.prefix { $0 != ":" }) })
        #expect(denied.isDisjoint(with: PodSeccompProfileTests.runtimeNeeds))
        let profile = try DockerSeccompProfile.load(path: DeploymentKit.seccompProfile)
        #expect(denied == Set((profile.syscalls ?? []).flatMap(\.syscallNames)), "the unit and the pod profile deny the same calls")
    }

    @Test("cloud-init installs this very unit, its env file, the user and the service",
          .enabled(if: DeploymentKit.kubeValidatePython != nil, "needs PyYAML from scripts/install-kube-validate.sh"))
    func cloudInit() throws {
        let file = DeploymentKit.path("container/systemd/cloud-init.yaml")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("#cloud-config\n"))
        let data = try KubernetesManifest.yaml(file)
        let files = data["write_files"] as? [[String: Any]] ?? []
        func content(_ path: String) -> String? { files.first { $0["path"] as? String == path }?["content"] as? String }
        #expect(content("/etc/systemd/system/pilot.service") == (try String(contentsOfFile: Self.unit, encoding: .utf8)))
        #expect(content("/etc/pilot/pilot.env") == (try String(contentsOfFile: Self.environmentFile, encoding: .utf8)))
        let users = data["users"] as? [Any] ?? []
        #expect(users.contains { ($0 as? [String: Any])?["name"] as? String == "pilot" })
        let commands = (data["runcmd"] as? [[Any]] ?? []).map { $0.map { "\($0)" }.joined(separator: " ") }
        #expect(commands.contains { $0.contains("enable --now") && $0.contains("pilot.service") })
        #expect(commands.contains { $0.contains("sha256sum -c") }, "the binary is checked before it is installed")
    }
}
