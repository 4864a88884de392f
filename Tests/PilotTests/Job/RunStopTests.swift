import Foundation
import Testing
@testable import Pilot

/// Pod life (issue 9): a pilot stopped by SIGTERM or a preemption notice stops its job, stages
/// out, reports and accounts it within its stop budget; a pilot SIGKILLed at any transition of
/// its state file is finished by the next one, each job reported and accounted once.
@Suite("pilot run: stops, crashes and lifetime", .serialized,
       .enabled(if: BusyboxImage.unavailable == nil && PandaJobServer.isUsable, "\(BusyboxImage.unavailable ?? "needs nginx and python3")"))
struct RunStopTests {
    /// The budget the stop tests give the pilot (Kubernetes' default is 30 s).
    static let budget = 10.0

    /// SIGTERMs `pilot` and waits for it; the seconds it took to exit.
    private func stop(_ pilot: Process, signal: Int32 = SIGTERM) -> Double {
        let sent = Date()
        kill(pilot.processIdentifier, signal)
        pilot.waitUntilExit()
        return Date().timeIntervalSince(sent)
    }

    /// The checks every stopped job must pass: one final update, failed with `code`; the log
    /// archive in storage; one accounting record, `pilot_terminated`; nothing left in the work dir.
    private func expectStopped(_ run: RunHarness, ledger: String, code: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let finals = try run.finalUpdates()
        #expect(finals.count == 1, "\(finals)", sourceLocation: sourceLocation)
        #expect(finals.first?["job_status"] as? String == "failed", sourceLocation: sourceLocation)
        #expect(finals.first?["pilot_error_code"] as? Int == code, "\(finals)", sourceLocation: sourceLocation)
        #expect(run.storage.uploadedFile("log-\(run.pandaID).tgz") != nil, "the log archive is in storage", sourceLocation: sourceLocation)
        let entries = run.ledgerEntries(ledger)
        #expect(entries.count == 1 && entries[0].contains("pilot_terminated"), "\(entries)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: run.work + "/" + JobStateFile.fileName), sourceLocation: sourceLocation)
    }

    @Test("SIGTERM during stage-in: the transfer is abandoned, the job fails with 1201, log staged, accounted; exit 143 within the budget")
    func duringStageIn() throws {
        // 8 MiB at 256 KiB/s: the stage-in would take 32 s.
        let run = try RunHarness(script: "echo never > out.dat", inputSize: 8 << 20, limitRate: "256k")
        let ledger = run.work + "/ledger"
        let pilot = try run.start(["--accounting-dir", ledger], environment: ["PILOT_RUN_STOP_BUDGET": "\(Self.budget)"])
        #expect(try run.waitUntil { try $0.updates().contains { $0["job_status"] as? String == "starting" } })
        usleep(500_000)
        let took = stop(pilot)
        print("stop during stage-in: exit after \(String(format: "%.2f", took)) s (budget \(Self.budget) s)")
        #expect(pilot.terminationStatus == 143)
        #expect(took < Self.budget, "exit took \(took) s")
        #expect(try !run.updates().contains { $0["job_status"] as? String == "running" }, "the payload never started")
        try expectStopped(run, ledger: ledger, code: 1201)
    }

    @Test("SIGTERM during the payload: what it wrote is staged out, a payload ignoring SIGTERM is killed within the budget")
    func duringPayload() throws {
        let run = try RunHarness(script: "trap \"\" TERM; echo partial > out.dat; sleep 60")
        let ledger = run.work + "/ledger"
        // A long configured grace (60 s) is cut to the budget's share (3 s of 10).
        let pilot = try run.start(["--accounting-dir", ledger], environment: ["PILOT_RUN_STOP_BUDGET": "\(Self.budget)", "PILOT_RUN_GRACE": "60"])
        try run.waitUntilRunning()
        let took = stop(pilot)
        print("stop during the payload: exit after \(String(format: "%.2f", took)) s (budget \(Self.budget) s)")
        #expect(pilot.terminationStatus == 143)
        #expect(took < Self.budget, "exit took \(took) s")
        try expectStopped(run, ledger: ledger, code: 1201)
        #expect(run.storage.uploadedFile("out-\(run.pandaID).dat") == Data("partial\n".utf8), "the output it wrote is kept")
        let report = try #require(try run.finalUpdates().first?["job_output_report"] as? String)
        #expect(report.contains("out.dat") && report.contains("log.tgz"), "\(report)")
    }

    @Test("SIGTERM during stage-out: the upload is abandoned at its deadline, the log and the final update still go out in the budget")
    func duringStageOut() throws {
        // A PUT target reading 100 kB/s; its requests.log says when an upload starts.
        let sink = try ScriptServer("slow-sink.py", ["--dir", "{dir}", "--rate", "100000"])
        defer { sink.tearDown() }
        // 4 MiB at 100 kB/s: the upload would take 40 s.
        let run = try RunHarness(script: "head -c 4194304 /dev/zero > out.dat", outputURL: sink.url("out.dat"))
        let ledger = run.work + "/ledger"
        let pilot = try run.start(["--accounting-dir", ledger], environment: ["PILOT_RUN_STOP_BUDGET": "\(Self.budget)"])
        #expect(try run.waitUntil(seconds: 30) { _ in sink.text("requests.log").contains("PUT /out.dat started") }, "the upload began")
        usleep(300_000)
        let took = stop(pilot)
        print("stop during stage-out: exit after \(String(format: "%.2f", took)) s (budget \(Self.budget) s)")
        #expect(pilot.terminationStatus == 143)
        #expect(took < Self.budget, "exit took \(took) s")
        try expectStopped(run, ledger: ledger, code: 1201)
        let diag = try run.finalUpdates().first?["pilot_error_diag"] as? String ?? ""
        #expect(diag.contains("abandoned"), "\(diag)")
    }

    @Test("a preemption notice file: the job stops with 1379 PREEMPTION, staged out and accounted; exit 75")
    func noticeFile() throws {
        let run = try RunHarness(script: "echo partial > out.dat; sleep 60")
        let ledger = run.work + "/ledger"
        let notice = run.work + "/preempted"
        let pilot = try run.start(["--accounting-dir", ledger], environment: [
            "PILOT_RUN_STOP_BUDGET": "\(Self.budget)", "PILOT_RUN_NOTICE_FILE": notice, "PILOT_RUN_NOTICE_INTERVAL": "0.2"])
        try run.waitUntilRunning()
        let sent = Date()
        FileManager.default.createFile(atPath: notice, contents: Data("2026-11-28T12:00:00Z\n".utf8))
        pilot.waitUntilExit()
        let took = Date().timeIntervalSince(sent)
        #expect(pilot.terminationStatus == 75)
        #expect(took < Self.budget + 1, "exit took \(took) s")
        try expectStopped(run, ledger: ledger, code: 1379)
        #expect(run.storage.uploadedFile("out-\(run.pandaID).dat") == Data("partial\n".utf8))
    }

    @Test("a preemption notice from a metadata URL (404 until the node is reclaimed, then 200 with the action)")
    func noticeURL() throws {
        let run = try RunHarness(script: "sleep 60")
        let ledger = run.work + "/ledger"
        let pilot = try run.start(["--accounting-dir", ledger], environment: [
            "PILOT_RUN_NOTICE_URL": run.storage.plainURL("spot/instance-action"), "PILOT_RUN_NOTICE_INTERVAL": "0.2"])
        try run.waitUntilRunning()
        usleep(600_000)
        #expect(pilot.isRunning, "a 404 is no notice")
        _ = try run.storage.addFile("spot/instance-action", contents: Array(#"{"action": "terminate", "time": "2026-11-28T12:00:00Z"}"#.utf8))
        pilot.waitUntilExit()
        #expect(pilot.terminationStatus == 75)
        try expectStopped(run, ledger: ledger, code: 1379)
    }
}
