import Foundation
import Testing
@testable import Pilot

@Suite("DeadlineRunner", .serialized)
struct DeadlineRunnerTests {
    private static let freezer = "/sys/fs/cgroup/freezer"
    private static var canFreeze: Bool {
        getuid() == 0 && FileManager.default.fileExists(atPath: freezer + "/cgroup.procs")
    }

    private func script(_ body: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-deadline-\(UUID().uuidString).sh").path
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test("a program that answers in time gives its exit code and output")
    func answers() async throws {
        let path = try script("echo out; echo err >&2; exit 3")
        let outcome = await DeadlineRunner(executable: path, timeout: .seconds(10), environment: [:]).run([])
        #expect(outcome == .exited(code: 3, output: "out\n", error: "err\n"))
    }

    @Test("a quick answer is never taken for a timeout (the timer's cancellation must not answer)")
    func quickAnswersRace() async throws {
        let runner = DeadlineRunner(executable: "/bin/true", timeout: .seconds(30), environment: [:])
        for _ in 0..<100 {
            #expect(await runner.run([]) == .exited(code: 0, output: "", error: ""))
        }
    }

    @Test("a sleeping program is killed at the deadline, without the grace when there is none")
    func killsAtDeadline() async throws {
        let path = try script("trap '' TERM; sleep 30")
        let start = ContinuousClock.now
        let outcome = await DeadlineRunner(executable: path, timeout: .milliseconds(500), environment: [:], killGrace: nil).run([])
        #expect(outcome == .timedOut)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("a process that cannot be killed (frozen in the kernel) does not hold the caller",
          .enabled(if: canFreeze, "needs root and the v1 freezer cgroup to make a process ignore SIGKILL"))
    func unkillableChild() async throws {
        let group = Self.freezer + "/pilot-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: group, withIntermediateDirectories: false)
        defer {
            try? "THAWED".write(toFile: group + "/freezer.state", atomically: false, encoding: .utf8)
            for _ in 0..<50 {
                let procs = (try? String(contentsOfFile: group + "/cgroup.procs", encoding: .utf8)) ?? ""
                if procs.isEmpty || rmdir(group) == 0 { break }
                usleep(100_000)
            }
            rmdir(group)
        }
        // The script moves itself into the cgroup and freezes it: SIGKILL then stays pending.
        let path = try script("echo $$ > \(group)/cgroup.procs; echo FROZEN > \(group)/freezer.state; sleep 30")
        let start = ContinuousClock.now
        let outcome = await DeadlineRunner(executable: path, timeout: .seconds(1), environment: [:]).run([])
        let elapsed = ContinuousClock.now - start
        #expect(outcome == .timedOut)
        #expect(elapsed < .seconds(5), "returned after \(elapsed)")
    }
}
