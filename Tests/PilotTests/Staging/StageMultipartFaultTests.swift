import Foundation
import Testing
@testable import Pilot

/// Multipart uploads against the fault server, for what LocalStack will not do on demand: a part
/// answered 500 once, a completion answered 200 with an `<Error>` body.
@Suite("pilot stage put --parts against the fault server", .serialized,
       .enabled(if: StagingServers.isUsable, "needs nginx (secure_link, dav, ssl), python3, openssl: \(StagingServers.skipReason)"))
struct StageMultipartFaultTests {
    static let partSize = 5 << 20

    /// A two-part file (5 MiB + 1000 bytes) and a manifest of fault-server URLs.
    private func setUp(_ servers: StagingServers, parts: [String], complete: String) throws -> (local: String, manifest: String, bytes: [UInt8]) {
        let bytes = StagingServers.seededBytes(count: Self.partSize + 1000, seed: 51)
        let local = servers.directory + "/mp-\(UUID().uuidString).bin"
        try Data(bytes).write(to: URL(fileURLWithPath: local))
        let manifest = servers.directory + "/manifest-\(UUID().uuidString).json"
        let object: [String: Any] = ["part_size": Self.partSize, "parts": parts, "complete": complete]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: manifest))
        return (local, manifest, bytes)
    }

    @Test("a part answered 500 is retried alone and the upload completes, with 2 streams too", arguments: [1, 2])
    func failedPartRetried(streams: Int) throws {
        let servers = try StagingServers()
        let parts = [servers.faultURL("put", "mp/a.part1"), servers.faultURL("put", "mp/a.part2", query: "fail=1")]
        let (local, manifest, bytes) = try setUp(servers, parts: parts, complete: servers.faultURL("complete", "mp/a"))

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest, "--streams", String(streams), "--json"],
                                         environment: ["PILOT_LOG_FORMAT": "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["retries"] as? Int == 1)
        #expect(json["parts"] as? Int == 2)
        #expect(json["etag"] as? String == "fault-server-etag-1")
        #expect(json["checksum"] as? String == "ad:" + TestChecksums.adler32Hex(bytes))
        let puts = try servers.requests().filter { $0.method == "PUT" }.map { "\($0.path) \($0.status)" }
        #expect(puts.filter { $0 == "/put/mp/a.part1 201" }.count == 1, "\(puts)")
        #expect(puts.filter { $0.hasPrefix("/put/mp/a.part2") } == ["/put/mp/a.part2?fail=1 500", "/put/mp/a.part2?fail=1 201"], "\(puts)")
        #expect(servers.uploadedFile("mp/a.part1") == Data(bytes[..<Self.partSize]))
        #expect(servers.uploadedFile("mp/a.part2") == Data(bytes[Self.partSize...]))
        #expect(result.stderr.contains("upload interrupted, retrying"), "\(result.stderr)")
    }

    @Test("a completion answered 200 with <Error>InternalError</Error> is retried; with another code it fails clearly (80)")
    func completionWithErrorBody() throws {
        let servers = try StagingServers()
        let parts = [servers.faultURL("put", "mp/b.part1"), servers.faultURL("put", "mp/b.part2")]
        let retried = try setUp(servers, parts: parts, complete: servers.faultURL("complete", "mp/b", query: "error=InternalError"))
        let ok = try PilotBinary.run(["stage", "put", retried.local, "--parts", retried.manifest, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        #expect(json["retries"] as? Int == 1)
        #expect(try servers.requests().filter { $0.method == "POST" }.map(\.status) == [200, 200])

        let refused = try setUp(servers, parts: parts, complete: servers.faultURL("complete", "mp/c", query: "error=NoSuchUpload&times=9"))
        let failed = try PilotBinary.run(["stage", "put", refused.local, "--parts", refused.manifest])
        #expect(failed.status == 80, "\(failed.stderr)")
        #expect(failed.stderr.contains("completion answered 200 with error NoSuchUpload"), "\(failed.stderr)")
        // Not retried: one POST for it.
        #expect(try servers.requests().filter { $0.method == "POST" && $0.path.contains("mp/c") }.count == 1)
    }

    @Test("Content-MD5 is sent only to S3 SigV4 URLs, where it is not signed and S3 checks it")
    func contentMD5Policy() {
        let sigV4 = "https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Date=20260101T000000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=abc"
        #expect(SignedURLUploader.sendsContentMD5(SignedURL(sigV4)))
        // SigV2 (S3, and GCS as Rucio signs it) covers the Content-MD5 line, signed empty.
        #expect(!SignedURLUploader.sendsContentMD5(SignedURL("https://s3.example/b/k?AWSAccessKeyId=A&Expires=1&Signature=x")))
        #expect(!SignedURLUploader.sendsContentMD5(SignedURL("https://storage.googleapis.com/b/k?GoogleAccessId=sa&Expires=1&Signature=x")))
        #expect(!SignedURLUploader.sendsContentMD5(SignedURL("http://127.0.0.1/signed/k?md5=x&expires=1")))
        #expect(SignedURLUploader.base64(TestChecksums.md5([])) == "1B2M2Y8AsgTpgAmY7PhCfg==")
    }
}
