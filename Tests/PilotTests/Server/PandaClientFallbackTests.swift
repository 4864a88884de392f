import Foundation
import Logging
import Testing
@testable import Pilot

/// The client's choices against servers of every generation and mood: the legacy fallback and
/// its limits, tokens re-read and refused, a server briefly away, TLS with a client certificate.
@Suite("PanDA client: fallback, credentials, outages, TLS", .serialized,
       .enabled(if: PandaJobServer.isUsable, "needs python3, openssl and curl"))
struct PandaClientFallbackTests {
    private typealias Base = PandaClientTests

    @Test("a server without v1 (404, or 403 'method is forbidden') is spoken to in the legacy API, from then on only", arguments: ["missing", "forbidden"])
    func legacyFallback(v1: String) async throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production), options: .init(v1: v1))
        let client = Base.client(server)
        let job = try #require(try await client.acquireJobs(JobRequest(queue: "TEST_QUEUE")).offers.first?.job())
        #expect(job.pandaID == 6_781_234_567 && client.apiVersion == .legacy)
        var end = JobEnd(endTime: Date())
        end.pilotError = .payloadExecutionFailure
        end.outputs = OutputFileReport([.init(lfn: job.log?.lfn ?? "", guid: job.log?.guid ?? "", size: 1, adler32: "00000001")])
        try server.send(command: "tobekilled", to: job.pandaID)
        let reply = try await client.updateJob(.failed(job, context: Base.context, progress: JobUpdateTests.progress, end: end))
        #expect(reply.mustKill && reply.api == .legacy)

        let requests = try server.requests().filter { ($0["api"] as? String) != "control" }
        #expect(requests.map { "\($0["api"] ?? "")/\($0["endpoint"] ?? "")/\($0["status"] ?? "")" }
            == ["v1/acquire_jobs/\(v1 == "missing" ? 404 : 403)", "legacy/getJob/200", "legacy/updateJob/200"])
        let update = try #require(requests.last)
        #expect((update["errors"] as? [Any])?.isEmpty == true)
        let form = try #require(update["body"] as? [String: String])
        #expect(form["jobId"] == "6781234567" && form["state"] == "failed" && form["pilotErrorCode"] == "1305")
        #expect(form["startTime"].map(PandaTime.isServerFormat) == true && form["xml"]?.hasPrefix("{") == true)
        let answer = try #require(update["reply"] as? [String: Any])
        #expect(answer["StatusCode"] as? Int == 0 && answer["command"] as? String == "tobekilled")
    }

    @Test("a current server answers the legacy API with 403: legacy mode fails clearly, auto never tries it")
    func legacyForbidden() async throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production), options: .init(legacy: "forbidden"))
        let legacyURL = server.base + "/server/panda/getJob"
        await #expect(throws: ServerError.methodUnavailable(url: legacyURL, status: 403)) {
            try await Base.client(server, mode: .legacy).acquireJobs(JobRequest(queue: "Q"))
        }
        #expect(try await Base.client(server).acquireJobs(JobRequest(queue: "Q")).offers.count == 1)
        #expect(try server.requests(to: "getJob").count == 1)

        let neither = try PandaJobServer(options: .init(legacy: "forbidden", v1: "missing"))
        await #expect(throws: ServerError.methodUnavailable(url: neither.base + "/server/panda/getJob", status: 403)) {
            try await Base.client(neither).acquireJobs(JobRequest(queue: "Q"))
        }
    }

    @Test("the token is sent with its Origin, re-read when the file changes, and a refused one is not retried")
    func token() async throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production, Base.signed), options: .init(token: "alpha", origin: "atlas.pilot"))
        let scratch = try ScratchDirectory("panda-token")
        try scratch.write("tokens/panda_token", "alpha\n")
        let authentication = PandaAuthentication.fromEnvironment([
            "PANDA_AUTH_TOKEN": "panda_token", "PANDA_AUTH_DIR": scratch("tokens"), "PANDA_AUTH_ORIGIN": "atlas.pilot",
        ])
        let client = Base.client(server, authentication: authentication)
        #expect(try await client.acquireJobs(JobRequest(queue: "Q")).offers.count == 1)

        // Harvester replaces the token in place; the server now wants only the new one.
        try server.setServerToken("beta")
        try scratch.write("tokens/panda_token", "beta")
        #expect(try await client.acquireJobs(JobRequest(queue: "Q")).offers.count == 1)

        try scratch.write("tokens/panda_token", "gamma")
        do {
            _ = try await client.acquireJobs(JobRequest(queue: "Q"))
            Issue.record("a wrong token was accepted")
        } catch {
            guard case .authRefused(_, 403, let detail) = error else { Issue.record("\(error)"); return }
            #expect(detail.contains("Token authentication failed") && !error.isTransient)
            #expect(error.description.contains("PANDA_AUTH_TOKEN") && !error.description.contains("gamma"))
        }
        let logged = try server.requests(to: "acquire_jobs")
        #expect(logged.compactMap { $0["auth"] as? String } == ["accepted", "accepted", "refused"])
        #expect(logged.allSatisfy { ($0["headers"] as? [String: String])?["origin"] == "atlas.pilot" })
        #expect(logged.allSatisfy { ($0["headers"] as? [String: String])?["authorization"] == "REDACTED" })

        try FileManager.default.removeItem(atPath: scratch("tokens/panda_token"))
        await #expect(throws: ServerError.credentials("token file not found: panda_token in \(scratch("tokens"))")) {
            try await client.acquireJobs(JobRequest(queue: "Q"))
        }
    }

    @Test("a server away for a moment (connections refused, or 503) is waited for with backoff", arguments: ["refuse", "503"])
    func briefOutage(mode: String) async throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production))
        let started = Date()
        try server.down(seconds: 1.0, mode: mode)
        let result = try await Base.client(server, attempts: 30).acquireJobs(JobRequest(queue: "Q"))
        #expect(result.offers.count == 1)
        #expect(Date().timeIntervalSince(started) >= 0.8)
        let statuses = try server.requests(to: "acquire_jobs").compactMap { $0["status"] as? Int }
        #expect(statuses.last == 200)
        if mode == "503" { #expect(statuses.dropLast().allSatisfy { $0 == 503 } && statuses.count > 1) }
    }

    @Test("a server that stays away ends in a transient error after the bounded attempts")
    func longOutage() async throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production))
        try server.down(seconds: 30, mode: "503")
        do {
            _ = try await Base.client(server, attempts: 3).acquireJobs(JobRequest(queue: "Q"))
            Issue.record("a server answering 503 gave a job")
        } catch {
            #expect(error == .serverFailure(url: server.base + "/api/v1/pilot/acquire_jobs", status: 503, attempts: 3,
                                            detail: "server is down for maintenance"))
            #expect(error.isTransient)
        }
        #expect(try server.requests(to: "acquire_jobs").count == 3)

        let nothing = "http://127.0.0.1:\(try StagingServers.freePort())"
        let client = PandaClient(serverURL: nothing, authentication: .init(), http: CurlPandaHTTP(settings: .fromEnvironment([:])),
                                 policy: RetryPolicy(attempts: 2, baseDelay: 0.01, maxDelay: 0.02), logger: Logger(label: "test"))
        do {
            _ = try await client.acquireJobs(JobRequest(queue: "Q"))
            Issue.record("nothing listening gave an answer")
        } catch {
            guard case .unreachable(_, 2, _) = error else { Issue.record("\(error)"); return }
            #expect(error.isTransient)
        }
    }

    @Test("HTTPS: the server's CA is trusted as configured, the proxy goes as client certificate")
    func tls() async throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production), options: .init(tls: true))
        let certificates = try #require(server.certificates)
        do {
            _ = try await Base.client(server, trustCA: false).acquireJobs(JobRequest(queue: "Q"))
            Issue.record("an untrusted server certificate was accepted")
        } catch {
            guard case .tls = error else { Issue.record("\(error)"); return }
        }
        var settings = PandaSettings()
        settings.serverURL = server.base
        settings.caFile = certificates.caCertificate
        let client = PandaClient.make(settings: settings, environment: ["X509_USER_PROXY": certificates.clientProxy],
                                      logger: Logger(label: "test"))
        #expect(try await client.acquireJobs(JobRequest(queue: "Q")).offers.count == 1)
        let logged = try server.requests(to: "acquire_jobs")
        #expect(logged.last?["client_dn"] as? String == TestCertificates.clientSubject)
        #expect((logged.last?["headers"] as? [String: String])?["user-agent"]?.hasPrefix("pilot/") == true)
    }

    @Test("pilot server acquire through the binary: JSON answer, exit 82 for a refused token")
    func binary() throws {
        let server = try PandaJobServer(jobs: try Base.jobs(Base.production), options: .init(token: "alpha"))
        let scratch = try ScratchDirectory("panda-binary")
        try scratch.write("token", "alpha")
        let environment: [String: String?] = [
            "PILOT_PANDA_SERVER_URL": server.base, "PILOT_PANDA_QUEUE": "TEST_QUEUE", "PILOT_PANDA_RETRIES": "1",
            "PANDA_AUTH_TOKEN": scratch("token"), "PILOT_LOG_FORMAT": "json",
        ]
        let (result, json) = try PilotBinary.json(["server", "acquire", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["result"] as? String == "jobs" && json["api"] as? String == "v1")
        #expect((json["jobs"] as? [[String: Any]])?.first?["panda_id"] as? Int == 6_781_234_567)
        #expect(!result.stderr.contains("alpha"))

        try scratch.write("token", "wrong")
        let refused = try PilotBinary.run(["server", "acquire", "--json"], environment: environment)
        #expect(refused.status == 82 && refused.stderr.contains("refused the credentials"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wrong"))
    }
}
