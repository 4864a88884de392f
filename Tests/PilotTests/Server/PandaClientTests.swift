import Foundation
import Logging
import Testing
@testable import Pilot

/// The client against `scripts/panda-job-server.py`, which checks types as the real server does
/// (a string for an int, an unknown parameter, a time not in `%Y-%m-%d %H:%M:%S` are refused).
@Suite("PanDA client against the local job server", .serialized,
       .enabled(if: PandaJobServer.isUsable, "needs python3, openssl and curl"))
struct PandaClientTests {
    static let production = "job-v1-production.json"
    static let signed = "job-signed-urls.json"

    static func jobs(_ names: String...) throws -> [String: String] {
        var jobs: [String: String] = [:]
        for (index, name) in names.enumerated() { jobs["\(index)-\(name)"] = try PandaJobServer.fixture(name) }
        return jobs
    }

    static func client(_ server: PandaJobServer, mode: PandaAPIMode = .auto, authentication: PandaAuthentication = .init(),
                       attempts: Int = 3, trustCA: Bool = true, proxy: Bool = false) -> PandaClient {
        var curl = CurlSettings.fromEnvironment([:])
        curl.acceptEncoding = ""
        curl.timeout = 15
        curl.connectTimeout = 5
        if let certificates = server.certificates {
            if trustCA { curl.caFile = certificates.caCertificate }
            if proxy { curl.clientCertificate = certificates.clientProxy }
        }
        return PandaClient(serverURL: server.base, mode: mode, authentication: authentication, http: CurlPandaHTTP(settings: curl),
                           policy: RetryPolicy(attempts: attempts, baseDelay: 0.05, maxDelay: 0.2), logger: Logger(label: "test.panda"))
    }

    static let context = UpdateContext(node: "worker-1", site: "TEST_QUEUE", schedulerID: "harvester-test", pilotID: "pilot|PR|0.1.0",
                                       batchID: "k8s-job-1", cpu: CPUIdentity(model: "Test CPU", architectureLevel: "x86-64-v2", hasAVX2: false))

    @Test("acquire a job over v1: a JSON body with native types, gzip reply; then no jobs")
    func acquire() async throws {
        let server = try PandaJobServer(jobs: try Self.jobs(Self.production))
        let client = Self.client(server)
        var request = JobRequest(queue: "TEST_QUEUE")
        request.memoryMB = 16000
        request.diskSpaceMB = 20000
        request.workerID = 17
        request.node = "worker-1"
        let result = try await client.acquireJobs(request)
        let job = try #require(try result.offers.first?.job())
        #expect(job.pandaID == 6_781_234_567 && job.inputs.count == 2 && client.apiVersion == .v1)
        #expect(try await client.acquireJobs(request) == .noJobs(message: "No jobs in PanDA"))

        let logged = try server.requests(to: "acquire_jobs")
        #expect(logged.count == 2 && logged.allSatisfy { ($0["errors"] as? [Any])?.isEmpty == true })
        let first = try #require(logged.first)
        let body = try #require(first["body"] as? [String: Any])
        #expect(body["site_name"] as? String == "TEST_QUEUE" && body["memory"] as? Int == 16000 && body["worker_id"] as? Int == 17)
        let headers = try #require(first["headers"] as? [String: String])
        #expect(headers["content-type"] == "application/json" && headers["accept"] == "application/json")
        #expect(headers["accept-encoding"]?.contains("gzip") == true && first["gzip"] as? Bool == true)
    }

    @Test("the server really refuses wrong types: a string for an int, an epoch time, an unknown parameter")
    func serverChecksTypes() throws {
        let server = try PandaJobServer(jobs: try Self.jobs(Self.production))
        let http = CurlPandaHTTP(settings: CurlSettings.fromEnvironment([:]))
        func post(_ path: String, _ body: String) -> String {
            http.post(PandaHTTPRequest(url: server.base + path, headers: ["Content-Type: application/json", "Accept: application/json"],
                                       body: Array(body.utf8))).body
        }
        #expect(post("/api/v1/pilot/acquire_jobs", #"{"site_name": "Q", "memory": "2000"}"#).contains("Type error: 'memory' must be of type int, got str."))
        #expect(post("/api/v1/pilot/acquire_jobs", #"{"site_name": "Q", "target_architecture": {}}"#).contains("Argument error"))
        #expect(post("/api/v1/pilot/update_job", #"{"job_id": "6781234567", "job_status": "running"}"#).contains("'job_id' must be of type int"))
        #expect(post("/api/v1/pilot/update_job", #"{"job_id": 1, "job_status": "running", "start_time": "1795881600.5"}"#).contains("Invalid start_time"))
        #expect(post("/api/v1/pilot/update_job", #"{"job_id": 1, "job_status": "done"}"#).contains("Invalid job status: done"))
    }

    @Test("every update state is accepted with its fields and types; a late update gets alreadydone")
    func updates() async throws {
        let server = try PandaJobServer(jobs: try Self.jobs(Self.production, Self.signed))
        let client = Self.client(server)
        let offers = try await client.acquireJobs({ var r = JobRequest(queue: "TEST_QUEUE"); r.jobCount = 2; return r }())
        #expect(offers.offers.count == 2)
        let production = try #require(try offers.offers.first?.job())
        let user = try #require(try offers.offers.last?.job())

        var progress = JobUpdateTests.progress
        #expect(try await client.updateJob(.starting(production, context: Self.context)).commands.isEmpty)
        #expect(try await client.updateJob(.running(production, context: Self.context, progress: progress)).commands.isEmpty)
        var end = JobEnd(endTime: Date())
        end.timing = PilotTiming(getJob: 1, stageIn: 2, payload: 3, stageOut: 4, initialSetup: 0, setup: 1)
        end.transExitCode = 0
        end.metadata = #"{"exitCode": 0}"#
        end.outputs = OutputFileReport([
            .init(lfn: "HITS.41234567._000042.pool.root.1", guid: OutputFileReport.newGUID(), size: 12345, adler32: "0a0b0c0d"),
            .init(lfn: "log.41234567._000042.job.log.tgz.2", guid: production.log?.guid ?? "", size: 99, adler32: "000000ff"),
        ])
        #expect(try await client.updateJob(.holding(production, context: Self.context, progress: progress, end: end)).commands.isEmpty)
        #expect(try await client.updateJob(.finished(production, context: Self.context, progress: progress, end: end)).commands.isEmpty)
        let late = try await client.updateJob(.running(production, context: Self.context, progress: progress))
        #expect(late.commands == [.alreadyDone] && late.stopUpdating)

        progress.metrics = []
        var failure = JobEnd(endTime: Date())
        failure.pilotError = .stageInFailed
        failure.recoverable = true
        failure.pilotErrorDiag = "no replica\nanywhere"
        failure.outputs = OutputFileReport([.init(lfn: user.log?.lfn ?? "", guid: user.log?.guid ?? "", size: 10, adler32: "00000001")])
        #expect(try await client.updateJob(.starting(user, context: Self.context)).commands.isEmpty)
        #expect(try await client.updateJob(.failed(user, context: Self.context, progress: progress, end: failure)).commands.isEmpty)

        let logged = try server.requests(to: "update_job")
        #expect(logged.count == 7)
        for record in logged {
            #expect((record["errors"] as? [Any])?.isEmpty == true, "\(record["errors"] ?? "")")
            #expect(((record["reply"] as? [String: Any])?["success"] as? Bool) == true)
        }
        let states = logged.compactMap { ($0["body"] as? [String: Any])?["job_status"] as? String }
        #expect(states == ["starting", "running", "holding", "finished", "running", "starting", "failed"])
        let finished = try #require(logged[3]["body"] as? [String: Any])
        #expect(finished["job_id"] as? Int == 6_781_234_567 && finished["attempt_nr"] as? Int == 2)
        #expect((finished["end_time"] as? String).map(PandaTime.isServerFormat) == true)
        #expect((finished["start_time"] as? String).map(PandaTime.isServerFormat) == true)
        #expect(finished["pilot_timing"] as? String == "1|2|3|4|0|1" && finished["max_rss"] as? Int == 12_000_000)
        #expect(finished["cpu_consumption_unit"] as? String == "s+Test CPU" && finished["core_count"] as? Int == 8)
        let failed = try #require(logged[6]["body"] as? [String: Any])
        #expect(failed["pilot_error_code"] as? Int == -1099 && failed["pilot_error_diag"] as? String == "no replica anywhere")
    }

    @Test("tobekilled for a job arrives in the reply to its next update")
    func tobekilled() async throws {
        let server = try PandaJobServer(jobs: try Self.jobs(Self.signed))
        let client = Self.client(server)
        let job = try #require(try await client.acquireJobs(JobRequest(queue: "Q")).offers.first?.job())
        #expect(try await client.updateJob(.starting(job, context: Self.context)).mustKill == false)
        try server.send(command: "tobekilled", to: job.pandaID)
        let reply = try await client.updateJob(.running(job, context: Self.context, progress: JobProgress()))
        #expect(reply.mustKill && reply.commands == [.tobekilled] && reply.api == .v1)
        try server.send(command: "softkill", to: job.pandaID)
        #expect(try await client.updateJob(.running(job, context: Self.context, progress: JobProgress())).softKill)
    }

    @Test("worker status started and finished, with native types")
    func workerStatus() async throws {
        let server = try PandaJobServer()
        let client = Self.client(server)
        for status in [WorkerStatusUpdate.Status.started, .finished] {
            try await client.updateWorkerStatus(WorkerStatusUpdate(workerID: 987_654, harvesterID: "CERN_central_K8S", status: status, node: "n1"))
        }
        let logged = try server.requests(to: "update_worker_status")
        #expect(logged.compactMap { ($0["body"] as? [String: Any])?["status"] as? String } == ["started", "finished"])
        #expect((logged.first?["body"] as? [String: Any])?["worker_id"] as? Int == 987_654)
    }
}
