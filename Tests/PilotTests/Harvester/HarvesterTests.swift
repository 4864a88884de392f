import Foundation
import Testing
@testable import Pilot

/// Harvester: the pod environment its Kubernetes submitter sets, read into the configuration with
/// no flag; the PUSH-mode job file and the files the pilot leaves for Harvester.
@Suite("Harvester environment and worker files")
struct HarvesterTests {
    /// The environment of a pod made by `k8s_utils.create_job_from_yaml`, with real-looking values.
    static let podEnvironment = [
        "computingSite": "CERN-PROD_K8S", "pandaQueueName": "CERN-PROD_K8S_MCORE", "resourceType": "MCORE",
        "prodSourceLabel": "managed", "jobType": "managed", "pilotType": "PR", "pilotVersion": "3.11.5",
        "proxySecretPath": "/proxy/x509up", "PANDA_AUTH_ORIGIN": "atlas.pilot", "PANDA_AUTH_DIR": "/tokens",
        "PANDA_AUTH_TOKEN": "panda_token", "PANDA_AUTH_TOKEN_KEY": "panda_token_key", "workerID": "987654",
        "logs_frontend_w": "https://aipanda.cern.ch:25443/server/panda", "PANDA_JSID": "harvester-CERN_central_K8S",
        "HARVESTER_WORKER_ID": "987654", "HARVESTER_ID": "CERN_central_K8S", "submit_mode": "PUSH",
        "TMPDIR": "/scratch", "HOME": "/scratch", "PANDA_HOSTNAME": "node-a17.cern.ch", "K8S_JOB_ID": "grid-job-987654",
    ]

    @Test("a Harvester pod needs no flag: queue, labels, ids, node, PUSH mode and credentials come from its environment")
    func podEnvironment() throws {
        let config = try ConfigurationLoader.load(flags: .init(), configFile: nil, environment: Self.podEnvironment, currentDirectory: "/scratch")
        let panda = config.panda
        #expect(panda.queue == "CERN-PROD_K8S_MCORE" && panda.resourceType == "MCORE" && panda.prodSourceLabel == "managed")
        #expect(panda.jobType == "managed" && panda.harvesterID == "CERN_central_K8S" && panda.workerID == 987_654)
        #expect(panda.schedulerID == "harvester-CERN_central_K8S" && panda.batchID == "grid-job-987654")
        #expect(panda.node == "node-a17.cern.ch" && panda.nodeName == "node-a17.cern.ch" && panda.submitMode == .push)
        #expect(panda.serverURL == "https://pandaserver.cern.ch:25443" && panda.api == .auto)
        #expect(HarvesterEnvironment(Self.podEnvironment).isHarvesterWorker)

        let request = try #require(JobRequest(settings: panda, node: panda.nodeName))
        let body = request.v1Body
        #expect(body["site_name"] == .string("CERN-PROD_K8S_MCORE") && body["worker_id"] == .int(987_654))
        #expect(body["harvester_id"] == .string("CERN_central_K8S") && body["resource_type"] == .string("MCORE"))
        #expect(body["scheduler_id"] == .string("harvester-CERN_central_K8S") && body["n_jobs"] == .int(1))

        let auth = PandaAuthentication.fromEnvironment(Self.podEnvironment)
        #expect(auth.tokenName == "panda_token" && auth.tokenDirectories == ["/tokens"] && auth.origin == "atlas.pilot")
        #expect(HarvesterEnvironment(Self.podEnvironment).proxyPath == "/proxy/x509up")
        let status = try #require(panda.workerStatus(.started))
        #expect(status.v1Body == ["worker_id": .int(987_654), "harvester_id": .string("CERN_central_K8S"),
                                  "status": .string("started"), "node_id": .string("node-a17.cern.ch")])
    }

    @Test("computingSite stands in for pandaQueueName; PILOT_PANDA_* beats Harvester; flags beat both")
    func precedence() throws {
        var environment = ["computingSite": "SITE_A", "HARVESTER_WORKER_ID": "5", "PILOT_PANDA_SERVER_URL": "http://127.0.0.1:1"]
        var config = try ConfigurationLoader.load(flags: .init(), configFile: nil, environment: environment, currentDirectory: "/")
        #expect(config.panda.queue == "SITE_A" && config.panda.workerID == 5 && config.panda.serverURL == "http://127.0.0.1:1")
        environment["PILOT_PANDA_QUEUE"] = "OVERRIDE"
        var flags = ConfigurationLayer()
        flags.panda = PandaSettingsLayer()
        flags.panda?.retries = 2
        config = try ConfigurationLoader.load(flags: flags, configFile: nil, environment: environment, currentDirectory: "/")
        #expect(config.panda.queue == "OVERRIDE" && config.panda.retries == 2)
    }

    @Test("bad values name the variable or key", arguments: [
        (["HARVESTER_WORKER_ID": "w17"], "HARVESTER_WORKER_ID"), (["submit_mode": "SIDEWAYS"], "submit_mode"),
        (["PILOT_PANDA_API": "v3"], "PILOT_PANDA_API"), (["PILOT_PANDA_TIMEOUT": "0"], "panda.timeout"),
        (["PILOT_PANDA_SERVER_URL": "pandaserver:25443"], "panda.server_url"),
    ])
    func badValues(environment: [String: String], named: String) {
        do {
            _ = try ConfigurationLoader.load(flags: .init(), configFile: nil, environment: environment, currentDirectory: "/")
            Issue.record("\(environment) was accepted")
        } catch {
            #expect(error.description.contains(named), "\(error)")
        }
    }

    @Test("the configuration file takes a panda object; an unknown key inside it is an error")
    func configurationFile() throws {
        let scratch = try ScratchDirectory("panda-config")
        let good = try scratch.write("good.json", #"{"panda": {"server_url": "https://panda.example:25443", "queue": "Q1", "api": "legacy", "retries": 3}}"#)
        let config = try ConfigurationLoader.load(flags: .init(), configFile: good, environment: [:], currentDirectory: "/")
        #expect(config.panda.serverURL == "https://panda.example:25443" && config.panda.queue == "Q1")
        #expect(config.panda.api == .legacy && config.panda.retries == 3)
        let bad = try scratch.write("bad.json", #"{"panda": {"sever_url": "x"}}"#)
        #expect(throws: ConfigurationError.invalidFile(path: bad, reason: #"bad value for "panda.sever_url""#)) {
            try ConfigurationLoader.fileLayer(bad)
        }
    }

    @Test("PUSH mode: Harvester's JSON job file is taken once, kept as job_definition.json, the request file removed")
    func pushedJob() throws {
        let scratch = try ScratchDirectory("harvester-push")
        let job = try PandaJobServer.fixture("job-signed-urls.json")
        var fields = try #require(JSONValue.parse(job)?.objectValue)
        fields["PandaID"] = nil  // Harvester's file keys the job by its PandaID
        try scratch.write("pandaJobData.out", JSONValue.object(["7000000001": .object(fields)]).jsonText)
        try scratch.write("worker_requestjob.json", #"{"nJobs": 1}"#)
        let directory = HarvesterWorkerDirectory(scratch.path, jobFileDirectories: [])
        let offer = try #require(try directory.takePushedJob())
        #expect(try offer.job().pandaID == 7_000_000_001 && (try offer.job().inputs.count) == 2)
        #expect(!FileManager.default.fileExists(atPath: scratch("pandaJobData.out")))
        #expect(!FileManager.default.fileExists(atPath: scratch("worker_requestjob.json")))
        #expect(FileManager.default.fileExists(atPath: scratch("job_definition.json")))
        #expect(try directory.takePushedJob() == nil)
    }

    @Test("PUSH mode: the old urlencoded job file, a job file in the ConfigMap directory, and a bad file")
    func pushedJobFormats() async throws {
        let scratch = try ScratchDirectory("harvester-push-cgi")
        try scratch.write("config/pandaJobData.out", try PandaJobServer.fixture("job-legacy.txt"))
        let directory = HarvesterWorkerDirectory(scratch("work"), jobFileDirectories: [scratch("config")])
        try scratch.makeDirectory("work")
        let offer = try #require(try await directory.waitForPushedJob(attempts: 2, interval: .milliseconds(10)))
        #expect(offer.pandaID == 6_781_234_567)
        #expect(try await directory.waitForPushedJob(attempts: 2, interval: .milliseconds(10)) == nil)
        try scratch.write("work/pandaJobData.out", "[1, 2]")
        #expect(throws: HarvesterFileError.invalidJobFile(path: scratch("work/pandaJobData.out"), reason: "neither JSON nor form fields with a PandaID")) {
            try directory.takePushedJob()
        }
    }

    @Test("the files Harvester reads: job request, attributes, stage-out declaration, job report, kill_worker")
    func workerFiles() throws {
        let scratch = try ScratchDirectory("harvester-files")
        let directory = HarvesterWorkerDirectory(scratch.path, jobFileDirectories: [])
        try directory.requestJobs()
        #expect(try String(contentsOfFile: scratch("worker_requestjob.json"), encoding: .utf8) == #"{"nJobs":1}"#)

        let update = JobUpdate.running(JobUpdateTests.job, context: JobUpdateTests.context, progress: JobUpdateTests.progress)
        try directory.publishAttributes(update, now: JobUpdateTests.start)
        let attributes = try #require(JSONValue.parse(try String(contentsOfFile: scratch("worker_attributes.json"), encoding: .utf8)))
        #expect(attributes["jobStatus"] == .string("running") && attributes["jobId"] == .int(6_781_234_567))
        #expect(attributes["startTime"] == .string("2026-11-28 16:00:00"))

        try directory.publishStageOut(pandaID: 42, files: [
            StagedOutFile(kind: .output, path: scratch("out.root"), guid: "G1", size: 10, adler32: "0000000a"),
            StagedOutFile(kind: .log, path: scratch("log.tgz"), guid: "G2", size: 20, adler32: "00000014"),
        ])
        let stageOut = try #require(JSONValue.parse(try String(contentsOfFile: scratch("event_status.dump.json"), encoding: .utf8)))
        let entries = try #require(stageOut["42"]?.arrayValue)
        #expect(entries.map { $0["type"] } == [.string("log"), .string("output")])
        #expect(entries[1] == .object(["type": .string("output"), "path": .string(scratch("out.root")), "guid": .string("G1"),
                                       "fsize": .int(10), "chksum": .string("0000000a")]))

        #expect(try directory.publishJobReport(#"{"exitCode": 0, "executor": [{"name": "sim", "logfileReport": {"big": [1, 2, 3]}}]}"#))
        let report = try #require(JSONValue.parse(try String(contentsOfFile: scratch("jobReport.json"), encoding: .utf8)))
        #expect(report["executor"]?.arrayValue?.first?["logfileReport"] == .object([:]) && report["exitCode"] == .int(0))
        #expect(try !directory.publishJobReport("not json"))

        try directory.requestKill()
        #expect(FileManager.default.fileExists(atPath: scratch("kill_worker")))
        try scratch.write("worker_pandaids.json", "[6781234567, \"42\"]")
        #expect(try directory.pandaIDs() == [6_781_234_567, 42])
    }
}
