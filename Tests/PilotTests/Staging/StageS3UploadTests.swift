import Foundation
import Testing
@testable import Pilot

/// Uploads against LocalStack's S3, which checks SigV4 signatures and `Content-MD5` as S3 does:
/// the digest sent with every PUT, a corrupted one answered `400 BadDigest`, parts in parallel,
/// and the redacted trace of a SigV4 URL.
@Suite("pilot stage put against LocalStack S3: Content-MD5, parallel parts, the trace", .serialized,
       .enabled(if: LocalStackS3.isUsable, "needs LocalStack: \(LocalStackS3.skipReason)"))
struct StageS3UploadTests {
    /// A wrong but well-formed digest: the MD5 of nothing, in base64.
    static let wrongDigest = "1B2M2Y8AsgTpgAmY7PhCfg=="

    private func json(_ result: PilotBinary.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func writeManifest(_ scratch: ScratchDirectory, partSize: Int, parts: [String], complete: String,
                              abort: String? = nil) throws -> String {
        let path = scratch("manifest-\(UUID().uuidString).json")
        var object: [String: Any] = ["part_size": partSize, "parts": parts, "complete": complete]
        if let abort { object["abort"] = abort }
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// No `X-Amz-Signature` or `X-Amz-Credential` value of `url` in what the pilot printed.
    static func expectNoSecrets(_ result: PilotBinary.Result, _ url: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for name in ["X-Amz-Signature=", "X-Amz-Credential="] {
            let value = url.components(separatedBy: name).last.map { String($0.prefix { $0 != "&" }) } ?? ""
            #expect(value.count >= 16, "no \(name) in \(url)", sourceLocation: sourceLocation)
            #expect(!result.stderr.contains(value) && !result.stdout.contains(value), "\(name) leaked: \(result.stderr)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("a PUT carries Content-MD5 (S3 checks it): right digest stored; corrupted digest → 400 BadDigest, one retry, exit 84")
    func contentMD5() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-md5")
        let bytes = StagingServers.seededBytes(count: 1 << 20 | 3, seed: 31)
        let local = scratch("out.root")
        try Data(bytes).write(to: URL(fileURLWithPath: local))

        let url = try s3.presign(key: "md5/good.root", method: "put")
        let good = try PilotBinary.run(["stage", "put", local, url, "--json", "--debug"], environment: ["PILOT_LOG_FORMAT": "json"])
        #expect(good.status == 0, "\(good.stderr)")
        let digest = Data(TestChecksums.md5(bytes)).base64EncodedString()
        // The trace shows the header that went out, and S3 accepted the body against it.
        #expect(StageTraceAndTrustTests.traceLines(good.stderr).contains("curl > Content-MD5: \(digest)"), "\(good.stderr)")
        #expect(try json(good)["etag"] as? String == TestChecksums.md5Hex(bytes))
        #expect(try s3.object(key: "md5/good.root") == Data(bytes))

        let badURL = try s3.presign(key: "md5/bad.root", method: "put")
        let logStart = s3.log.utf8.count
        let bad = try PilotBinary.run(["stage", "put", local, badURL], environment: ["PILOT_TEST_CONTENT_MD5": Self.wrongDigest])
        #expect(bad.status == 84, "\(bad.stderr)")
        #expect(bad.stderr.contains("integrity failure") && bad.stderr.contains("BadDigest"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").last?.hasPrefix("pilot: integrity failure uploading") == true, "\(bad.stderr)")
        #expect(s3.requests(since: logStart) == ["PutObject => 400 (BadDigest)", "PutObject => 400 (BadDigest)"])
        #expect(try s3.object(key: "md5/bad.root") == nil)
        Self.expectNoSecrets(bad, badURL)
    }

    @Test("--parts with --streams 3: 4 parts at once on their own connections; ETag as S3 computes it, bytes identical, Adler-32 in order")
    func parallelParts() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-parts")
        let partSize = 5 << 20
        let bytes = StagingServers.seededBytes(count: 3 * partSize + 12345, seed: 32)
        let local = scratch("big.root")
        try Data(bytes).write(to: URL(fileURLWithPath: local))
        let upload = try s3.multipartUpload(key: "parts/parallel.root", parts: 4)
        let manifest = try Self.writeManifest(scratch, partSize: partSize, parts: upload.parts, complete: upload.complete,
                                              abort: upload.abort)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest, "--streams", "3", "--json", "--debug"],
                                         environment: ["PILOT_LOG_FORMAT": "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try json(result)
        let partMD5s = stride(from: 0, to: bytes.count, by: partSize).flatMap { start in
            TestChecksums.md5(Array(bytes[start..<min(bytes.count, start + partSize)]))
        }
        #expect(summary["etag"] as? String == TestChecksums.md5Hex(partMD5s) + "-4")
        #expect(summary["checksum"] as? String == "ad:" + TestChecksums.adler32Hex(bytes))
        #expect(summary["parts"] as? Int == 4)
        #expect(try s3.object(key: "parts/parallel.root") == Data(bytes))
        let requests = s3.requests(since: logStart)
        #expect(requests.filter { $0.hasPrefix("UploadPart => 200") }.count == 4, "\(requests)")
        #expect(!requests.contains { $0.hasPrefix("AbortMultipartUpload") }, "a completed upload is not aborted: \(requests)")
        // Three connections: libcurl announces each new one in the trace.
        let trace = StageTraceAndTrustTests.traceLines(result.stderr)
        #expect(trace.filter { $0.hasPrefix("curl * Connected to 127.0.0.1") }.count >= 3, "\(trace)")
        #expect(trace.filter { $0.hasPrefix("curl > Content-MD5: ") }.count == 4, "\(trace)")
        for url in upload.parts + [upload.complete] { Self.expectNoSecrets(result, url) }
    }

    @Test("a corrupted part digest fails the whole upload with 84 and stops the other parts; nothing is assembled")
    func parallelPartBadDigest() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-parts-bad")
        let local = scratch("big.root")
        try Data(StagingServers.seededBytes(count: 2 * (5 << 20) + 1, seed: 33)).write(to: URL(fileURLWithPath: local))
        let upload = try s3.multipartUpload(key: "parts/bad.root", parts: 3)
        let manifest = try Self.writeManifest(scratch, partSize: 5 << 20, parts: upload.parts, complete: upload.complete)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest, "--streams", "2"],
                                         environment: ["PILOT_TEST_CONTENT_MD5": Self.wrongDigest])
        #expect(result.status == 84, "\(result.stderr)")
        let requests = s3.requests(since: logStart)
        #expect(requests.contains("UploadPart => 400 (BadDigest)"), "\(requests)")
        #expect(!requests.contains { $0.hasPrefix("CompleteMultipartUpload") }, "\(requests)")
        #expect(try s3.object(key: "parts/bad.root") == nil)
        // No abort URL in the manifest: the store keeps the parts it took.
        #expect(try s3.openUploads().contains(upload.uploadID))
    }

    @Test("a failed upload whose manifest has an abort URL is aborted: the store holds none of its parts")
    func failedUploadAborted() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-parts-abort")
        let local = scratch("big.root")
        try Data(StagingServers.seededBytes(count: 2 * (5 << 20) + 1, seed: 35)).write(to: URL(fileURLWithPath: local))
        let upload = try s3.multipartUpload(key: "parts/aborted.root", parts: 3)
        let manifest = try Self.writeManifest(scratch, partSize: 5 << 20, parts: upload.parts, complete: upload.complete,
                                              abort: upload.abort)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest],
                                         environment: ["PILOT_TEST_CONTENT_MD5": Self.wrongDigest, "PILOT_LOG_FORMAT": "json"])
        #expect(result.status == 84, "\(result.stderr)")
        let requests = s3.requests(since: logStart)
        #expect(requests.contains { $0.hasPrefix("AbortMultipartUpload => 204") }, "\(requests)")
        #expect(!requests.contains { $0.hasPrefix("CompleteMultipartUpload") }, "\(requests)")
        #expect(result.stderr.contains("multipart upload aborted"), "\(result.stderr)")
        #expect(try !s3.openUploads().contains(upload.uploadID))
        Self.expectNoSecrets(result, upload.abort)
    }

    @Test("--debug on a presigned SigV4 GET: the trace holds neither the signature nor the credential")
    func traceOfASigV4URL() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-trace")
        try s3.putObject(key: "trace/get.root", bytes: StagingServers.seededBytes(count: 70_000, seed: 34))
        let url = try s3.presign(key: "trace/get.root", method: "get")

        let result = try PilotBinary.run(["stage", "get", url, scratch("get.root"), "--debug"], environment: ["PILOT_LOG_FORMAT": "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let trace = StageTraceAndTrustTests.traceLines(result.stderr)
        let request = try #require(trace.first { $0.hasPrefix("curl > GET /\(s3.bucket)/trace/get.root?") }, "\(trace)")
        #expect(request.contains("X-Amz-Credential=REDACTED") && request.contains("X-Amz-Signature=REDACTED"), "\(request)")
        #expect(request.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"), "\(request)")
        #expect(trace.contains { $0.hasPrefix("curl < HTTP/1.1 200") }, "\(trace)")
        Self.expectNoSecrets(result, url)
    }
}
