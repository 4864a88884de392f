import Foundation
import Testing

/// `pilot stage get` and `put` against LocalStack's S3, which checks SigV4 presigned URLs as S3
/// does, with URLs presigned by boto3 exactly as Rucio makes them (STAGING.md §1, §6).
@Suite("pilot stage against LocalStack S3", .serialized,
       .enabled(if: LocalStackS3.isUsable, "needs LocalStack: \(LocalStackS3.skipReason)"))
struct StageS3Tests {
    @Test("a presigned GET downloads the object byte for byte, checked by Adler-32; a wrong checksum is refused")
    func presignedGet() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let bytes = StagingServers.seededBytes(count: 3 << 20 | 123, seed: 11)
        let adler32 = TestChecksums.adler32Hex(bytes)
        try s3.putObject(key: "data/get.root", bytes: bytes)
        let url = try s3.presign(key: "data/get.root", method: "get")
        let destination = scratch.path("get.root")

        let result = try PilotBinary.run(["stage", "get", url, destination, "--checksum", "ad:" + adler32,
                                          "--size", String(bytes.count), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["checksum"] as? String == "ad:" + adler32)
        #expect(json["bytes"] as? Int == bytes.count)
        #expect(json["retries"] as? Int == 0)
        #expect(FileManager.default.contents(atPath: destination) == Data(bytes))
        expectNoSignature(in: result, of: url)

        let wrong = try PilotBinary.run(["stage", "get", url, scratch.path("wrong.root"), "--checksum", "ad:00000001"])
        #expect(wrong.status == 84, "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("wrong.root")))
        expectNoSignature(in: wrong, of: url)
    }

    @Test("--streams 4 on a 17 MiB object: parallel single-range GETs, each answered 206")
    func parallelRanges() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let bytes = StagingServers.seededBytes(count: 17 << 20 | 5, seed: 12)
        try s3.putObject(key: "data/streams.root", bytes: bytes)
        let url = try s3.presign(key: "data/streams.root", method: "get")
        let destination = scratch.path("streams.root")
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "get", url, destination, "--streams", "4",
                                          "--checksum", "ad:" + TestChecksums.adler32Hex(bytes), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["streams"] as? Int == 4)
        #expect(FileManager.default.contents(atPath: destination) == Data(bytes))
        // The size probe (bytes=0-0) and four ranges, all partial: S3 honours single ranges.
        let gets = s3.requests(since: logStart).filter { $0.hasPrefix("GetObject") }
        #expect(gets.count >= 5 && gets.allSatisfy { $0.hasPrefix("GetObject => 206") }, "\(gets)")
        expectNoSignature(in: result, of: url)
    }

    @Test("a presigned GET that expired before the transfer exits 81 without a request")
    func expiredBeforeStart() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        try s3.putObject(key: "data/expired.root", bytes: StagingServers.seededBytes(count: 4096, seed: 13))
        let now = Int(Date().timeIntervalSince1970)
        let url = try s3.presign(key: "data/expired.root", method: "get", expires: 60, signedAt: now - 3600)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "get", url, scratch.path("expired.root")])
        #expect(result.status == 81, "\(result.stderr)")
        #expect(s3.requests(since: logStart).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("expired.root")))
        expectNoSignature(in: result, of: url)
    }

    @Test("S3's own 403 'Request has expired' exits 81 after one request, without retries")
    func expiredAtServer() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        try s3.putObject(key: "data/expired2.root", bytes: StagingServers.seededBytes(count: 4096, seed: 14))
        let now = Int(Date().timeIntervalSince1970)
        let signed = try s3.presign(key: "data/expired2.root", method: "get", expires: 60, signedAt: now - 3600)
        // S3 decodes parameter names, so the signature still holds; pilot does not, so it cannot
        // see the expiry and must learn it from the server, as with a skewed clock.
        let url = signed.replacingOccurrences(of: "X-Amz-Date=", with: "X-Amz-%44ate=")
        #expect(url != signed)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "get", url, scratch.path("expired2.root")])
        #expect(result.status == 81, "\(result.stderr)")
        #expect(s3.requests(since: logStart) == ["GetObject => 403 (AccessDenied)"])
        expectNoSignature(in: result, of: url)
    }

    @Test("a tampered signature exits 82 after one request, without retries")
    func tamperedSignature() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        try s3.putObject(key: "data/tampered.root", bytes: StagingServers.seededBytes(count: 4096, seed: 15))
        let signed = try s3.presign(key: "data/tampered.root", method: "get")
        let url = String(signed.dropLast()) + (signed.hasSuffix("0") ? "1" : "0")
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "get", url, scratch.path("tampered.root")])
        #expect(result.status == 82, "\(result.stderr)")
        #expect(s3.requests(since: logStart) == ["GetObject => 403 (SignatureDoesNotMatch)"])
        #expect(!FileManager.default.fileExists(atPath: scratch.path("tampered.root")))
        expectNoSignature(in: result, of: url)
    }

    @Test("a presigned PUT stores the file; the reported ETag is the MD5 of the body")
    func presignedPut() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let bytes = StagingServers.seededBytes(count: 5 << 20 | 77, seed: 16)
        let local = scratch.path("out.root")
        try Data(bytes).write(to: URL(fileURLWithPath: local))
        let url = try s3.presign(key: "out/put.root", method: "put")

        let result = try PilotBinary.run(["stage", "put", local, url, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["etag"] as? String == TestChecksums.md5Hex(bytes))
        #expect(json["checksum"] as? String == "ad:" + TestChecksums.adler32Hex(bytes))
        #expect(json["bytes"] as? Int == bytes.count)
        #expect(try s3.object(key: "out/put.root") == Data(bytes))
        expectNoSignature(in: result, of: url)
    }

    @Test("a URL signed for GET is refused for PUT (82) and nothing is stored")
    func getURLForPut() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let local = scratch.path("out.root")
        try Data(StagingServers.seededBytes(count: 65536, seed: 17)).write(to: URL(fileURLWithPath: local))
        let url = try s3.presign(key: "out/wrong-method.root", method: "get")
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "put", local, url])
        #expect(result.status == 82, "\(result.stderr)")
        #expect(s3.requests(since: logStart) == ["PutObject => 403 (SignatureDoesNotMatch)"])
        #expect(try s3.object(key: "out/wrong-method.root") == nil)
        expectNoSignature(in: result, of: url)
    }

    // MARK: - Multipart uploads with presigned part URLs (STAGING.md §4)

    @Test("--parts: a 12 MiB file in 3 parts (5, 5, 2 MiB) reads back identical; the ETag is md5(part md5s)-3")
    func multipartPut() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let partSize = 5 << 20
        let bytes = StagingServers.seededBytes(count: 12 << 20, seed: 18)
        let local = scratch.path("big.root")
        try Data(bytes).write(to: URL(fileURLWithPath: local))
        let upload = try s3.multipartUpload(key: "out/multipart.root", parts: 3)
        let manifest = try writeManifest(scratch, partSize: partSize, parts: upload.parts, complete: upload.complete)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let partMD5s = stride(from: 0, to: bytes.count, by: partSize).flatMap { start in
            TestChecksums.md5(Array(bytes[start..<min(bytes.count, start + partSize)]))
        }
        #expect(json["etag"] as? String == TestChecksums.md5Hex(partMD5s) + "-3")
        #expect(json["checksum"] as? String == "ad:" + TestChecksums.adler32Hex(bytes))
        #expect(json["bytes"] as? Int == bytes.count)
        #expect(json["parts"] as? Int == 3)
        #expect(json["retries"] as? Int == 0)
        #expect(try s3.object(key: "out/multipart.root") == Data(bytes))
        let requests = s3.requests(since: logStart)
        #expect(requests.filter { $0.hasPrefix("UploadPart => 200") }.count == 3, "\(requests)")
        #expect(requests.contains { $0.hasPrefix("CompleteMultipartUpload => 200") }, "\(requests)")
        for url in upload.parts + [upload.complete] { expectNoSignature(in: result, of: url) }
    }

    @Test("--parts: a manifest whose part count does not fit the file exits 64 before any request")
    func multipartWrongPartCount() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let local = scratch.path("big.root")
        try Data(StagingServers.seededBytes(count: 12 << 20, seed: 19)).write(to: URL(fileURLWithPath: local))
        let upload = try s3.multipartUpload(key: "out/multipart-count.root", parts: 2)
        let manifest = try writeManifest(scratch, partSize: 5 << 20, parts: upload.parts, complete: upload.complete)
        let logStart = s3.log.utf8.count

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("2 part URLs") && result.stderr.contains("needs 3"), "\(result.stderr)")
        #expect(s3.requests(since: logStart).isEmpty)

        let small = try writeManifest(scratch, partSize: 1 << 20, parts: Array(repeating: upload.parts[0], count: 12),
                                      complete: upload.complete)
        let tooSmall = try PilotBinary.run(["stage", "put", local, "--parts", small])
        #expect(tooSmall.status == 64, "\(tooSmall.stderr)")
        #expect(tooSmall.stderr.contains("5 MiB"), "\(tooSmall.stderr)")
    }

    @Test("--parts: an expired part URL exits 81 and nothing is stored")
    func multipartExpiredPart() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try Scratch()
        let local = scratch.path("big.root")
        try Data(StagingServers.seededBytes(count: 7 << 20, seed: 20)).write(to: URL(fileURLWithPath: local))
        let now = Int(Date().timeIntervalSince1970)
        let upload = try s3.multipartUpload(key: "out/multipart-expired.root", parts: 2, expires: 60, signedAt: now - 3600)
        let manifest = try writeManifest(scratch, partSize: 5 << 20, parts: upload.parts, complete: upload.complete)

        let result = try PilotBinary.run(["stage", "put", local, "--parts", manifest])
        #expect(result.status == 81, "\(result.stderr)")
        #expect(try s3.object(key: "out/multipart-expired.root") == nil)
        for url in upload.parts { expectNoSignature(in: result, of: url) }

        // S3's own 403 for an expiry pilot cannot read from the URL (as with a skewed clock).
        let hidden = upload.parts.map { $0.replacingOccurrences(of: "X-Amz-Date=", with: "X-Amz-%44ate=") }
        let serverSide = try writeManifest(scratch, partSize: 5 << 20, parts: hidden, complete: upload.complete)
        let logStart = s3.log.utf8.count
        let atServer = try PilotBinary.run(["stage", "put", local, "--parts", serverSide])
        #expect(atServer.status == 81, "\(atServer.stderr)")
        #expect(s3.requests(since: logStart) == ["UploadPart => 403 (AccessDenied)"])
    }

    /// Writes the manifest a signing service would hand out; returns its path.
    private func writeManifest(_ scratch: Scratch, partSize: Int, parts: [String], complete: String) throws -> String {
        let path = scratch.path("manifest-\(UUID().uuidString).json")
        let json: [String: Any] = ["part_size": partSize, "parts": parts, "complete": complete]
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Neither output holds the signature: every `X-Amz-Signature=` is followed by `REDACTED`.
    private func expectNoSignature(in result: PilotBinary.Result, of url: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        let signature = url.components(separatedBy: "X-Amz-Signature=").last.map { String($0.prefix(64)) } ?? ""
        #expect(signature.count == 64, "no signature in \(url)", sourceLocation: sourceLocation)
        for (name, text) in [("stdout", result.stdout), ("stderr", result.stderr)] {
            #expect(!text.contains(signature), "\(name) shows the signature: \(text)", sourceLocation: sourceLocation)
            let shown = text.components(separatedBy: "X-Amz-Signature=").dropFirst()
            #expect(shown.allSatisfy { $0.hasPrefix("REDACTED") }, "\(name): \(text)", sourceLocation: sourceLocation)
        }
    }
}

/// A temporary directory for one test's files, removed when the test's value goes away.
private final class Scratch {
    let directory: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-s3-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }
}
