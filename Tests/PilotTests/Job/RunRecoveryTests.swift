import Foundation
import Testing
@testable import Pilot

/// A pilot SIGKILLed at each transition of its state file, then a new pilot in the same work
/// dir: each job reported once, accounted once, no output sent twice. Also the lifetime checks
/// and the identity on every log line.
@Suite("pilot run: crash recovery, lifetime, log identity", .serialized,
       .enabled(if: BusyboxImage.unavailable == nil && PandaJobServer.isUsable, "\(BusyboxImage.unavailable ?? "needs nginx and python3")"))
struct RunRecoveryTests {
    /// PUTs nginx answered for `name` (its access log: `ADDR "REQUEST" STATUS BYTES ...`).
    private func puts(_ run: RunHarness, _ name: String) -> Int {
        let log = (try? String(contentsOfFile: run.storage.directory + "/nginx/logs/access.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("\"PUT /signed/\(name)") && ($0.contains("\" 201 ") || $0.contains("\" 204 ")) }.count
    }

    @Test("SIGKILL just after each transition, then a restart: one final update, one record, no output twice",
          arguments: JobStateFile.Phase.allCases)
    func crashAt(_ phase: JobStateFile.Phase) throws {
        let run = try RunHarness(script: "cat in.dat > out.dat; sleep 1.5")
        let ledger = run.work + "/ledger"
        let first = try run.run(["--accounting-dir", ledger], environment: [AccountingFaultHook.variable: "state:\(phase.rawValue)"])
        #expect(first.signaled && first.status == SIGKILL, "the pilot died at \(phase.rawValue): \(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: run.work + "/" + JobStateFile.fileName))
        let second = try run.run(["--accounting-dir", ledger])
        #expect(second.status == 0, "\(second.stderr)")

        let finals = try run.finalUpdates()
        #expect(finals.count == 1, "reported once: \(finals.map { $0["job_status"] ?? "" })")
        let lost = phase < .payloadEnded
        let final = try #require(finals.first)
        if lost {
            #expect(final["job_status"] as? String == "failed")
            #expect(final["pilot_error_code"] as? Int == 1200, "\(final)")
            #expect(puts(run, "out-\(run.pandaID).dat") == 0)
        } else {
            #expect(final["job_status"] as? String == "finished", "\(final)")
            #expect(puts(run, "out-\(run.pandaID).dat") == 1, "out.dat sent once")
            #expect(run.storage.uploadedFile("out-\(run.pandaID).dat")?.count == run.input.size)
        }
        // Killed at `taken`, the pilot had not yet made the job's directory: there is no log to send.
        #expect(puts(run, "log-\(run.pandaID).tgz") == (phase == .taken ? 0 : 1), "the log archive sent once")
        let entries = run.ledgerEntries(ledger)
        #expect(entries.count == 1, "accounted once: \(entries)")
        #expect(entries.first?.contains(lost ? "\"lost\"" : "\"finished\"") == true, "\(entries)")
        #expect(!FileManager.default.fileExists(atPath: run.work + "/" + JobStateFile.fileName))
        #expect(!FileManager.default.fileExists(atPath: run.work + "/PandaJob_\(run.pandaID)"))
    }

    @Test("a job longer than the lifetime left is not started: failed at once with 1213, saying why")
    func jobLongerThanLifetime() throws {
        let run = try RunHarness(script: "echo ran > out.dat")  // maxWalltime 600 s
        let result = try run.run(["--lifetime", "100"], environment: ["PILOT_RUN_STOP_BUDGET": "5"])
        #expect(result.status == 0, "\(result.stderr)")
        let updates = try run.updates()
        #expect(updates.count == 1, "no starting, no running: \(updates)")
        #expect(updates.first?["job_status"] as? String == "failed")
        #expect(updates.first?["pilot_error_code"] as? Int == 1213)
        #expect((updates.first?["pilot_error_diag"] as? String)?.contains("maxWalltime") == true)
        #expect(result.stderr.contains("job refused for lack of lifetime"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run.work + "/PandaJob_\(run.pandaID)"), "nothing ran")
    }

    @Test("less lifetime left than run.min_job_time: no job is asked for, and the log says why")
    func tooLittleLifetime() throws {
        let run = try RunHarness(script: "echo ran > out.dat")
        let result = try run.run(["--lifetime", "100"], environment: ["PILOT_RUN_MIN_JOB_TIME": "200"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try run.server.requests(to: "acquire_jobs").isEmpty)
        #expect(result.stderr.contains("run.min_job_time"), "\(result.stderr)")
    }

    @Test("every log line carries the pod and node; every line of a job its job.id")
    func logIdentity() throws {
        let run = try RunHarness(script: "echo ran > out.dat; sleep 1.2")
        let log = run.work + ".stderr"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pilot = try run.start(["--log-format", "json"], environment: [
            "PILOT_POD_NAME": "pilot-7f9c", "PILOT_NODE_NAME": "node-12", "PILOT_POD_NAMESPACE": "atlas"], stderr: log)
        pilot.waitUntilExit()
        #expect(pilot.terminationStatus == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count && lines.count > 5, "every line is JSON: \(lines)")
        #expect(objects.allSatisfy { $0["pod"] as? String == "pilot-7f9c" && $0["node"] as? String == "node-12" && $0["namespace"] as? String == "atlas" })
        let start = try #require(objects.firstIndex { $0["msg"] as? String == "job started" })
        let end = try #require(objects.firstIndex { $0["msg"] as? String == "job ended" })
        let inJob = objects[start...end]
        #expect(inJob.allSatisfy { $0["job.id"] as? String == "\(run.pandaID)" }, "\(inJob.filter { $0["job.id"] == nil })")
    }
}
