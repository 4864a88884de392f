import Foundation
import Testing
@testable import Pilot

/// The state file, the stop budget and the preemption notice's reading, without a pilot.
@Suite("state file and stop budget")
struct JobStateFileTests {
    private func sample(_ phase: JobStateFile.Phase = .taken) -> JobStateFile {
        let job = #"{"PandaID": 42, "attemptNr": 2, "transformation": "sh", "jobPars": "-c true", "signedURLsIn": "https://x/?X-Amz-Signature=s3cr3t"}"#
        let checkpoint = JobCheckpoint(pandaID: 42, queue: "Q", site: nil, node: "n", cores: 1, startTime: 100, lastSeen: 160,
                                       cpuSeconds: 12.5, maxRSSKiB: 2048, cpuModel: nil)
        return JobStateFile(phase: phase, job: job, directory: "/w/PandaJob_42", checkpoint: checkpoint)
    }

    @Test("phases are ordered as a job goes through them")
    func order() {
        let phases = JobStateFile.Phase.allCases
        #expect(phases.map(\.rawValue) == ["taken", "payload_started", "payload_ended", "outputs_staged", "final_sent", "recorded"])
        #expect(zip(phases, phases.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("the file round-trips, is private (0600), and rebuilds the job's description")
    func roundTrip() throws {
        let directory = BusyboxImage.scratch("state")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = JobStateStore(workdir: directory)
        var state = sample(.outputsStaged)
        state.staged = [OutputFileReport.Entry(lfn: "out.dat", guid: "g", size: 3, adler32: "0000abcd", surl: nil, endpoint: nil)]
        #expect(store.save(state) == nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try #require(try store.load().get())
        #expect(loaded == state)
        let job = try loaded.description()
        #expect(job.pandaID == 42 && job.attemptNr == 2)
        store.remove()
        #expect(try store.load().get() == nil)
    }

    @Test("an unreadable file is moved aside and reported, so it cannot block every later pilot")
    func corrupt() throws {
        let directory = BusyboxImage.scratch("state")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = JobStateStore(workdir: directory)
        try "{ not json".write(toFile: store.path, atomically: true, encoding: .utf8)
        guard case .failure = store.load() else { Issue.record("a corrupt file must be an error"); return }
        #expect(FileManager.default.fileExists(atPath: store.path + ".corrupt"))
        #expect(try store.load().get() == nil)
    }

    @Test("the recorder never moves a job back to an earlier phase")
    func neverBack() throws {
        let directory = BusyboxImage.scratch("state")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = JobStateRecorder(store: JobStateStore(workdir: directory), initial: sample(.finalSent), logger: .init(label: "test"))
        recorder.advance(to: .payloadEnded)
        #expect(recorder.state.phase == .finalSent)
        #expect(try JobStateStore(workdir: directory).load().get()?.phase == .finalSent)
    }

    @Test("each step's deadline is its share of the budget after the stop; the payload's grace is 30 %")
    func budget() {
        let budget = StopBudget(seconds: 30)
        let start = ContinuousClock.now
        #expect(budget.payloadGrace == 9)
        #expect(budget.deadline(.stageIn, from: start) == start)
        #expect(budget.deadline(.outputs, from: start) == start + .milliseconds(16_500))
        #expect(budget.deadline(.finalUpdate, from: start) < start + .seconds(30))
        #expect(budget.deadline(.log, from: start) > budget.deadline(.outputs, from: start))
    }

    @Test("a stopped pilot abandons bounded work at the step's deadline, and unbounded work returns its value")
    func bounded() async {
        let termination = TerminationSignal(budget: StopBudget(seconds: 2))
        #expect(await termination.bounded(.outputs) { 7 } == 7)
        #expect(termination.waiting == 0, "a finished step leaves nothing waiting for the stop")
        termination.stop(.signal(SIGTERM))
        let started = ContinuousClock.now
        let abandoned = await termination.bounded(.outputs) { () -> Int in sleep(30); return 1 }
        #expect(abandoned == nil)
        // The outputs deadline is 55 % of 2 s after the stop; far from the 30 s the work would take.
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(1000) && elapsed < .seconds(6), "\(elapsed)")
        #expect(termination.reason == .signal(SIGTERM) && termination.reason?.errorCode == .sigterm)
        #expect(StopReason.notice("file /x").errorCode == .preemption)
    }

    @Test("what a metadata server's answer says", arguments: [
        (200, #"{"action": "terminate", "time": "2026-11-28T12:00:00Z"}"#, true),  // AWS spot instance-action
        (404, "Not Found", false),
        (200, "TRUE", true), (200, "FALSE\n", false),  // GCE instance/preempted
        (200, "", false),
        (200, #"{"DocumentIncarnation": 3, "Events": []}"#, false),  // Azure scheduled events, none
        (200, #"{"DocumentIncarnation": 4, "Events": [{"EventType": "Preempt"}]}"#, true),
    ])
    func announces(status: Int, body: String, expected: Bool) {
        #expect(PreemptionNotice.announces(status: status, body: body) == expected)
    }

    @Test("pod, node, namespace and worker come from the downward API's variables, or Harvester's")
    func identity() {
        let direct = PilotLogging.identity(["PILOT_POD_NAME": "p", "PILOT_NODE_NAME": "n", "PILOT_POD_NAMESPACE": "ns", "HARVESTER_WORKER_ID": "7"])
        #expect(direct == ["pod": "p", "node": "n", "namespace": "ns", "worker": "7"])
        let harvester = PilotLogging.identity(["KUBERNETES_SERVICE_HOST": "10.0.0.1", "HOSTNAME": "grid-job-1", "PANDA_HOSTNAME": "node-3", "workerID": "9"])
        #expect(harvester == ["pod": "grid-job-1", "node": "node-3", "worker": "9"])
        #expect(PilotLogging.identity(["HOSTNAME": "laptop"]).isEmpty, "outside Kubernetes, HOSTNAME is no pod name")
    }
}
