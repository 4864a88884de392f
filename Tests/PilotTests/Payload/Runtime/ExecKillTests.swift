import Foundation
import Testing

/// Stopping payloads: the grace period, the wall-time limit, signals to the pilot, a pilot killed
/// outright. Each payload carries a unique marker so that a survivor can be found on the host.
@Suite("pilot exec stops payloads and leaves nothing behind", .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"))
struct ExecKillTests {
    /// PIDs of host processes whose command line contains `marker`.
    private func survivors(_ marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(marker)
        }
    }

    /// PIDs of the payload's own `sleep MARKER` processes (not the pilot, whose arguments hold the
    /// marker too): one exists only once the payload's shell has run up to it, traps set.
    private func payloadSleeps(_ marker: String) -> [Int32] {
        survivors(marker).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return argv.count == 2 && argv[0].hasSuffix("sleep") && argv[1] == marker
        }
    }

    @Test("a payload ignoring SIGTERM is SIGKILLed after the grace period, children included")
    func graceThenKill() throws {
        let marker = "31\(Int.random(in: 100_000...999_999))"
        let work = BusyboxImage.scratch("grace")
        let started = Date()
        let result = try PilotBinary.run([
            "exec", "--image", BusyboxImage.path, "--timeout", "1", "--grace", "1", "--result", work + "/r.json", "--",
            "/bin/sh", "-c", "trap '' TERM; sleep \(marker) & sleep \(marker); wait",
        ])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 128 + SIGKILL, "\(result.stderr)")
        #expect(elapsed >= 1.9 && elapsed < 10, "took \(elapsed) s")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/r.json"))) as? [String: Any])
        #expect(json["killed_by_pilot"] as? Bool == true)
        #expect(json["timed_out"] as? Bool == true)
        #expect(json["signal"] as? Int == Int(SIGKILL))
        #expect(survivors(marker).isEmpty)
    }

    @Test("SIGTERM to the pilot reaches the payload, which may exit cleanly within the grace period")
    func forwardedTerm() throws {
        let marker = "32\(Int.random(in: 100_000...999_999))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PilotBinary.path)
        process.arguments = ["exec", "--image", BusyboxImage.path, "--grace", "5", "--",
                             "/bin/sh", "-c", "trap 'exit 42' TERM; sleep \(marker) & wait"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(Polling.waitUntil(20) { !payloadSleeps(marker).isEmpty })
        kill(process.processIdentifier, SIGTERM)
        #expect(Polling.waitForExit(process, 20), "pilot still running after 20 s")
        #expect(process.terminationStatus == 42)
        #expect(Polling.waitUntil(2) { survivors(marker).isEmpty })
    }

    @Test("when the pilot is SIGKILLed, its lifeline ends the container: nothing survives")
    func pilotKilled() throws {
        let marker = "33\(Int.random(in: 100_000...999_999))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PilotBinary.path)
        process.arguments = ["exec", "--image", BusyboxImage.path, "--", "/bin/sh", "-c", "trap '' TERM HUP; sleep \(marker)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(Polling.waitUntil(20) { !payloadSleeps(marker).isEmpty })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(Polling.waitUntil(3) { survivors(marker).isEmpty }, "still running: \(survivors(marker))")
    }
}
