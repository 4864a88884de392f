import Foundation
import Testing
@testable import Pilot

/// The pure side of the protocol: JSON values that keep their types, form encoding, every reply
/// shape of both API generations, back-channel commands and the API fallback rule.
@Suite("PanDA protocol: encodings and replies")
struct PandaReplyTests {
    private let url = "https://panda.example:25443/api/v1/pilot/acquire_jobs"

    @Test("JSON values keep integers as integers, and encode with sorted keys")
    func jsonTypes() throws {
        let value = try #require(JSONValue.parse(#"{"b": 1, "a": 2.5, "c": "3", "d": true, "e": null, "f": [1, "x"]}"#))
        #expect(value["b"] == .int(1))
        #expect(value["a"] == .double(2.5))
        #expect(value["c"] == .string("3"))
        #expect(value["d"] == .bool(true))
        #expect(value["e"] == .null)
        #expect(value["f"] == .array([.int(1), .string("x")]))
        #expect(value["c"]?.integer == 3 && value["b"]?.text == "1" && value["d"]?.text == "True")
        #expect(JSONValue.object(["z": .int(1), "a": .string("x/y")]).jsonText == #"{"a":"x/y","z":1}"#)
        #expect(JSONValue.object(["n": .double(.nan)]).jsonText == #"{"n":null}"#)
        #expect(JSONValue.parse("not json") == nil)
    }

    @Test("form encoding round-trips what Python's urlencode and parse_qsl produce")
    func formEncoding() {
        let fields = [("siteName", "CERN PROD"), ("dn", "/DC=ch/CN=a&b"), ("empty", ""), ("utf", "é")]
        let text = FormEncoding.encode(fields)
        #expect(text == "siteName=CERN+PROD&dn=%2FDC%3Dch%2FCN%3Da%26b&empty=&utf=%C3%A9")
        #expect(FormEncoding.decode(text).map { "\($0.name)=\($0.value)" } == fields.map { "\($0.0)=\($0.1)" })
        #expect(FormEncoding.decode("a&&b=%zz&c=1+2").map { "\($0.name)=\($0.value)" } == ["a=", "b=%zz", "c=1 2"])
    }

    @Test("a v1 reply with jobs gives one offer per job, parsed")
    func v1Jobs() throws {
        let job = try PandaJobServer.fixture("job-v1-production.json")
        let body = #"{"success": true, "message": "", "data": {"StatusCode": 0, "jobs": [\#(job)]}}"#
        let result = try PandaReply.acquire(body, api: .v1, url: url)
        let offer = try #require(result.offers.first)
        #expect(result.offers.count == 1)
        #expect(try offer.job().pandaID == 6_781_234_567)
    }

    @Test("no jobs is an answer in both generations, not an error")
    func noJobs() throws {
        #expect(try PandaReply.acquire(#"{"success": false, "message": "No jobs in PanDA", "data": null}"#, api: .v1, url: url)
            == .noJobs(message: "No jobs in PanDA"))
        #expect(try PandaReply.acquire(#"{"StatusCode": 20, "errorDialog": "no jobs in PanDA"}"#, api: .legacy, url: url)
            == .noJobs(message: "no jobs in PanDA"))
        #expect(try PandaReply.acquire("StatusCode=20", api: .legacy, url: url) == .noJobs(message: "no jobs"))
    }

    @Test("legacy replies: a flat job, a jobs list as JSON, a jobs list as JSON text inside urlencoded fields")
    func legacyShapes() throws {
        let form = try PandaJobServer.fixture("job-legacy.txt")
        let flat = try PandaReply.acquire(form, api: .legacy, url: url)
        #expect(try flat.offers.first?.job().pandaID == 6_781_234_567)
        let job = try PandaJobServer.fixture("job-signed-urls.json")
        let list = try PandaReply.acquire(#"{"StatusCode": 0, "jobs": [\#(job)]}"#, api: .legacy, url: url)
        #expect(list.offers.count == 1)
        let encoded = FormEncoding.encode([("StatusCode", "0"), ("jobs", "[\(job)]")])
        #expect(try PandaReply.acquire(encoded, api: .legacy, url: url).offers.first?.pandaID == 7_000_000_001)
    }

    @Test("refusals are typed: role and SSL are auth, TimeOut is transient, the rest the server's word")
    func refusals() {
        #expect(throws: ServerError.authRefused(url: url, status: 200, detail: "production or pilot role required")) {
            try PandaReply.update(#"{"success": false, "message": "production or pilot role required", "data": null}"#, api: .v1, url: url)
        }
        #expect(throws: ServerError.authRefused(url: url, status: 200, detail: "StatusCode 60 (role)")) {
            try PandaReply.acquire(#"{"StatusCode": 60}"#, api: .legacy, url: url)
        }
        do {
            _ = try PandaReply.acquire(#"{"success": false, "message": "Timed out", "data": null}"#, api: .v1, url: url)
            Issue.record("a server timeout must throw")
        } catch {
            #expect(error.isTransient)
        }
        #expect(throws: ServerError.refused(method: "update_job", statusCode: 50, message: "Invalid job status: done")) {
            try PandaReply.update(#"{"success": false, "message": "Invalid job status: done", "data": {"StatusCode": 50}}"#, api: .v1, url: url)
        }
        #expect(throws: ServerError.refused(method: "update_job", statusCode: 30, message: "Database error")) {
            try PandaReply.update(#"{"success": true, "message": "Database error", "data": {"StatusCode": 30}}"#, api: .v1, url: url)
        }
    }

    @Test("malformed replies name what is wrong", arguments: [
        ("<html>502 Bad Gateway</html>", "not a JSON object"), (#"{"message": "x"}"#, "no boolean \"success\""),
        (#"{"success": true, "data": "jobs"}"#, "\"data\" is not an object"),
        (#"{"success": true, "data": {"StatusCode": 0, "jobs": 3}}"#, "\"jobs\" is not a list"),
    ])
    func malformed(body: String, reason: String) {
        do {
            _ = try PandaReply.acquire(body, api: .v1, url: url)
            Issue.record("\(body) was accepted")
        } catch {
            guard case .malformedReply(_, let got) = error else { Issue.record("\(error)"); return }
            #expect(got.contains(reason), "\(got)")
            #expect(!error.isTransient)
        }
    }

    @Test("update replies carry commands, comma-separated; NULL and null are none; tobekilled wins")
    func commands() throws {
        let reply = try PandaReply.update(
            #"{"success": true, "message": "", "data": {"StatusCode": 0, "command": "debug,tobekilled", "pilotSecrets": {"k": "v"}}}"#,
            api: .v1, url: url)
        #expect(reply.commands == [.debug, .tobekilled])
        #expect(reply.mustKill && !reply.softKill && reply.pilotSecrets != nil)
        #expect(try PandaReply.update(#"{"StatusCode": 0, "command": "NULL"}"#, api: .legacy, url: url).commands.isEmpty)
        #expect(try PandaReply.update(#"{"success": true, "message": "", "data": {"StatusCode": 0, "command": null}}"#, api: .v1, url: url).commands.isEmpty)
        #expect(try PandaReply.update("StatusCode=0&command=softkill", api: .legacy, url: url).softKill)
        #expect(BackchannelCommand.parse("alreadydone") == [.alreadyDone])
        #expect(BackchannelCommand.parse(" tail -n 10 payload.stdout , nocleanup") == [.other("tail -n 10 payload.stdout"), .nocleanup])
        #expect(UpdateReply(commands: [.badAttemptNumber], api: .v1).stopUpdating)
    }

    @Test("the legacy API is tried only after v1 lacks the method, never after a refused token")
    func fallbackRule() {
        #expect(PandaMethod.isMethodMissing(status: 404, body: "not found"))
        #expect(PandaMethod.isMethodMissing(status: 403, body: "ERROR : method acquire_jobs is forbidden"))
        #expect(!PandaMethod.isMethodMissing(status: 403, body: "ERROR : Token authentication failed. invalid token"))
        #expect(!PandaMethod.isMethodMissing(status: 500, body: "ERROR : received invalid JSON"))
        #expect(PandaMethod.candidates(mode: .auto, settled: nil) == [.v1, .legacy])
        #expect(PandaMethod.candidates(mode: .auto, settled: .legacy) == [.legacy])
        #expect(PandaMethod.candidates(mode: .v1, settled: .legacy) == [.v1])
        #expect(PandaMethod.updateJob.url(base: "https://h:25443/", .legacy) == "https://h:25443/server/panda/updateJob")
        #expect(PandaMethod.acquireJobs.url(base: "https://h:25443", .v1) == "https://h:25443/api/v1/pilot/acquire_jobs")
    }
}
