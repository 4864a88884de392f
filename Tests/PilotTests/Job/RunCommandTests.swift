import Foundation
import Testing
@testable import Pilot

/// `pilot run` end to end: the job server, nginx for the data, the busybox image, the built pilot.
@Suite("pilot run, end to end", .serialized,
       .enabled(if: BusyboxImage.unavailable == nil && PandaJobServer.isUsable, "\(BusyboxImage.unavailable ?? "needs nginx and python3")"))
struct RunCommandTests {
    private func adler32(_ data: Data) -> String {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return String(format: "%08x", (b << 16) | a)
    }

    @Test("a successful job: starting, running, finished with every field; the outputs exist with the reported adler32")
    func success() throws {
        let run = try RunHarness(script: "cat in.dat in.dat > out.dat; sleep 2.5; echo payload-done")
        let result = try run.run()
        #expect(result.status == 0, "\(result.stderr)")
        let updates = try run.updates()
        let states = updates.compactMap { $0["job_status"] as? String }
        #expect(states.first == "starting")
        #expect(states.contains("running"), "\(states)")
        #expect(states.last == "finished")
        let errors = try run.protocolErrors()
        #expect(errors.isEmpty, "\(errors)")
        let final = try #require(updates.last)
        #expect(final["job_id"] as? Int == run.pandaID)
        #expect(final["trans_exit_code"] as? Int == 0)
        #expect(final["site_name"] as? String == "TEST_QUEUE")
        #expect((final["start_time"] as? String)?.count == 19)
        #expect((final["end_time"] as? String)?.count == 19)
        #expect((final["pilot_timing"] as? String)?.split(separator: "|").count == 6)
        #expect(final["cpu_consumption_time"] is Int)
        #expect(final["max_rss"] is Int)
        let report = try #require(final["job_output_report"] as? String)
        let files = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        let out = try #require(run.storage.uploadedFile("out-\(run.pandaID).dat"))
        #expect(out.count == 2 * run.input.size)
        let outEntry = try #require(files.first { ($0.key as String) == "out.dat" }?.value as? [String: Any], "\(files)")
        #expect(outEntry["adler32"] as? String == adler32(out))
        #expect(outEntry["fsize"] as? Int == out.count || "\(outEntry["fsize"] ?? "")" == "\(out.count)")
        let log = try #require(run.storage.uploadedFile("log-\(run.pandaID).tgz"))
        let tar = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(run.pandaID).tgz")
        try log.write(to: tar)
        let listing = try LocalCommand.run(["tar", "-xzOf", tar.path, "tarball_PandaJob_\(run.pandaID)_TEST_QUEUE/payload.stdout"])
        #expect(listing.stdout == "payload-done\n")
        #expect(!FileManager.default.fileExists(atPath: run.work + "/PandaJob_\(run.pandaID)"), "the job directory is removed")
    }

    @Test("a failing payload: failed with its exit code, and the log archive still staged out")
    func failingPayload() throws {
        let run = try RunHarness(script: "echo broken >&2; exit 3")
        let result = try run.run()
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(try run.updates().last)
        #expect(final["job_status"] as? String == "failed")
        #expect(final["trans_exit_code"] as? Int == 3)
        #expect(run.storage.uploadedFile("out-\(run.pandaID).dat") == nil)
        #expect(run.storage.uploadedFile("log-\(run.pandaID).tgz") != nil)
    }

    @Test("tobekilled in a heartbeat's reply stops the payload within a heartbeat; the job fails with 1144")
    func killedByServer() throws {
        let run = try RunHarness(script: "trap \"\" TERM; sleep 60")
        let pilot = try run.start()
        // Once the payload runs (a heartbeat arrived), the server answers the next one with tobekilled.
        try run.waitUntilRunning()
        try run.server.send(command: "tobekilled", to: run.pandaID)
        let asked = Date()
        pilot.waitUntilExit()
        #expect(pilot.terminationStatus == 0)
        // One heartbeat (1 s) to hear it, the grace (2 s) for a payload ignoring SIGTERM, stage-out.
        #expect(Date().timeIntervalSince(asked) < 10, "took \(Date().timeIntervalSince(asked)) s")
        let final = try #require(try run.updates().last)
        #expect(final["job_status"] as? String == "failed")
        #expect(final["pilot_error_code"] as? Int == 1144)
    }

    @Test("SIGTERM to the pilot (pod eviction): the payload is stopped, the job fails with 1201, is accounted as pilot_terminated; exit 143")
    func pilotTerminated() throws {
        let run = try RunHarness(script: "sleep 60")
        let pilot = try run.start(["--accounting-dir", run.work + "/ledger"])
        try run.waitUntilRunning()
        kill(pilot.processIdentifier, SIGTERM)
        pilot.waitUntilExit()
        #expect(pilot.terminationStatus == 143)
        let final = try #require(try run.updates().last)
        #expect(final["job_status"] as? String == "failed")
        #expect(final["pilot_error_code"] as? Int == 1201, "\(final)")
        #expect(run.storage.uploadedFile("log-\(run.pandaID).tgz") != nil, "the log is staged out even then")
        let ledger = (FileManager.default.enumerator(atPath: run.work + "/ledger")?.allObjects as? [String] ?? [])
            .compactMap { try? String(contentsOfFile: run.work + "/ledger/" + $0, encoding: .utf8) }
        #expect(ledger.contains { $0.contains("pilot_terminated") && $0.contains("\(run.pandaID)") }, "\(ledger)")
    }

    @Test("a pilot SIGKILLed mid-job: its container dies with it, and the next pilot reports it failed (1200) and accounts it as lost, once")
    func lostJob() throws {
        let run = try RunHarness(script: "sleep 60")
        let ledger = run.work + "/ledger"
        let pilot = try run.start(["--accounting-dir", ledger, "--heartbeat", "1"])
        try run.waitUntilRunning()
        usleep(1_200_000)  // one more heartbeat: the checkpoint holds some run time
        kill(pilot.processIdentifier, SIGKILL)
        pilot.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: run.work + "/" + JobStateFile.fileName))
        // The next pilot finds no job, but first reports and accounts for the one its predecessor lost.
        for _ in 0..<2 {
            let next = try run.run(["--accounting-dir", ledger])
            #expect(next.status == 0, "\(next.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: run.work + "/PandaJob_\(run.pandaID)"))
        // The ledger keeps one entry per job (jobs/ID.json), whatever the number of pilots that saw it.
        let names = (FileManager.default.enumerator(atPath: ledger)?.allObjects as? [String] ?? []).filter { $0.hasPrefix("jobs/") }
        #expect(names == ["jobs/\(run.pandaID).json"], "\(names)")
        let entries = names.compactMap { try? String(contentsOfFile: ledger + "/" + $0, encoding: .utf8) }
        #expect(entries.first?.contains("\"lost\"") == true, "\(entries)")
        let finals = try run.finalUpdates()
        #expect(finals.count == 1 && finals.first?["pilot_error_code"] as? Int == 1200, "\(finals)")
        #expect((finals.first?["cpu_consumption_time"] as? Int).map { $0 >= 0 } == true)
    }

    @Test("a looping job (no file modified) is killed with 1150")
    func looping() throws {
        let run = try RunHarness(script: "sleep 60", fields: ["loopingCheck": true])
        let result = try run.run(environment: ["PILOT_RUN_LOOPING_TIMEOUT": "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(try run.updates().last)
        #expect(final["pilot_error_code"] as? Int == 1150, "\(final)")
    }

    @Test("a payload over the job's memory is killed with 1235")
    func memoryKill() throws {
        // minRamCount 8 MB: the monitor's limit is twice that; awk doubles a string until stopped.
        let run = try RunHarness(script: "awk \"BEGIN { s = \\\"x\\\"; while (1) s = s s }\"", fields: ["minRamCount": 8])
        let result = try run.run()
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(try run.updates().last)
        let code = final["pilot_error_code"] as? Int
        #expect(code == 1235 || code == 1212, "\(final)")
    }

    @Test("the server away for a while mid-job: the job completes and the final update arrives")
    func serverAway() throws {
        let run = try RunHarness(script: "sleep 4; cat in.dat > out.dat")
        let pilot = try run.start()
        // Away once the job is taken: its heartbeats and its final update meet the outage.
        #expect(try run.waitUntil { try $0.updates().contains { $0["job_status"] as? String == "starting" } })
        try run.server.down(seconds: 6, mode: "503")
        pilot.waitUntilExit()
        #expect(pilot.terminationStatus == 0)
        let final = try #require(try run.updates().last)
        #expect(final["job_status"] as? String == "finished")
        let statuses = try run.server.requests(to: "update_job").compactMap { $0["status"] as? Int }
        #expect(statuses.contains(503), "the server was really away: \(statuses)")
    }

    @Test("the legacy API: a server without v1 gets the same job done through getJob and updateJob")
    func legacyAPI() throws {
        var options = PandaJobServer.Options()
        options.v1 = "missing"
        let run = try RunHarness(script: "cat in.dat > out.dat", serverOptions: options)
        let result = try run.run()
        #expect(result.status == 0, "\(result.stderr)")
        let updates = try run.server.requests(to: "updateJob").compactMap { $0["body"] as? [String: Any] }
        #expect((updates.last?["state"] as? String) == "finished", "\(updates.last ?? [:])")
        #expect(try run.protocolErrors().isEmpty)
    }

    @Test("an invalid job description is reported failed with the field named; the pilot goes on")
    func invalidDescription() throws {
        let run = try RunHarness(script: "true", fields: ["checksum": "sha1:xyz"])
        let result = try run.run()
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(try run.updates().last)
        #expect(final["job_status"] as? String == "failed")
        #expect((final["pilot_error_diag"] as? String)?.contains("checksum") == true, "\(final)")
    }

    @Test("with no job the pilot exits 0 at once; with neither server nor job file it says what is missing (78)")
    func noJobs() throws {
        let server = try PandaJobServer()
        defer { server.tearDown() }
        let work = BusyboxImage.scratch("empty")
        let empty = try PilotBinary.run(["run", "--server", server.base, "--queue", "Q", "--workdir", work],
                                        environment: ["PILOT_CVMFS_REPOS": "", "PILOT_ACCOUNTING_APEL_QUEUE": ""])
        #expect(empty.status == 0, "\(empty.stderr)")
        let nothing = try PilotBinary.run(["run", "--workdir", work], environment: ["PILOT_CVMFS_REPOS": ""])
        #expect(nothing.status == 78)
        #expect(nothing.stderr.contains("--job-file"))
    }

    @Test("Harvester PUSH: the job in the work dir, the worker's attributes written back; one APEL record in the queue")
    func harvesterPush() throws {
        let run = try RunHarness(script: "cat in.dat > out.dat")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: run.server.jobsDirectory).first)
        let job = try String(contentsOfFile: run.server.jobsDirectory + "/" + name, encoding: .utf8)
        try "{\"\(run.pandaID)\": \(job)}".write(toFile: run.work + "/pandaJobData.out", atomically: true, encoding: .utf8)
        let queue = run.work + "/apel-outgoing"
        let result = try PilotBinary.run(["run", "--workdir", run.work, "--queue", "TEST_QUEUE", "--server", run.server.base], environment: run.environment([
            "PILOT_PANDA_SUBMIT_MODE": "push", "PILOT_ACCOUNTING_APEL_QUEUE": queue, "PILOT_RUN_MAX_JOBS": "1",
        ]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(run.storage.uploadedFile("out-\(run.pandaID).dat") != nil)
        #expect(try run.server.requests(to: "acquire_jobs").isEmpty)
        let attributes = try String(contentsOfFile: run.work + "/worker_attributes.json", encoding: .utf8)
        #expect(attributes.contains("finished"), "\(attributes)")
        // What was staged out, as Harvester reads it: the output with the adler32 of the stored object.
        let stageOut = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.work + "/event_status.dump.json"))) as? [String: Any])
        let files = try #require(stageOut["\(run.pandaID)"] as? [[String: Any]])
        let out = try #require(files.first { ($0["path"] as? String)?.hasSuffix("/out.dat") == true }, "\(files)")
        #expect(out["chksum"] as? String == adler32(try #require(run.storage.uploadedFile("out-\(run.pandaID).dat"))))
        #expect(files.contains { $0["type"] as? String == "log" })
        // The dirq queue holds exactly one job record, for this PandaID.
        let elements = (FileManager.default.enumerator(atPath: queue)?.allObjects as? [String] ?? []).filter { $0.count > 14 && !$0.hasSuffix(".tmp") && $0.contains("/") }
        #expect(elements.count == 1, "\(elements)")
        let record = try String(contentsOfFile: queue + "/" + (elements.first ?? ""), encoding: .utf8)
        #expect(record.contains("LocalJobId: \(run.pandaID)"), "\(record)")
    }

    @Test("a job file (Harvester PUSH or by hand) runs without a server")
    func jobFile() throws {
        let run = try RunHarness(script: "cat in.dat > out.dat")
        let jobFile = run.work + "/job.json"
        let text = try #require(try FileManager.default.contentsOfDirectory(atPath: run.server.jobsDirectory).first)
        try FileManager.default.copyItem(atPath: run.server.jobsDirectory + "/" + text, toPath: jobFile)
        let result = try PilotBinary.run(["run", "--job-file", jobFile, "--workdir", run.work], environment: run.environment())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(run.storage.uploadedFile("out-\(run.pandaID).dat") != nil)
        #expect(try run.server.requests(to: "acquire_jobs").isEmpty)
    }
}
