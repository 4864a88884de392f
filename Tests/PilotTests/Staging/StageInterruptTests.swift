import Foundation
import Testing
@testable import Pilot

/// `pilot stage put` held back by `--max-rate` and stopped by a signal: a multipart upload is
/// aborted on the store (nothing left there, nothing billed), a single PUT stores nothing; the
/// exit code is the signal's. LocalStack checks the signatures and lists open uploads as S3 does.
@Suite("pilot stage put: --max-rate, and SIGINT/SIGTERM mid-upload", .serialized,
       .enabled(if: LocalStackS3.isUsable, "needs LocalStack: \(LocalStackS3.skipReason)"))
struct StageInterruptTests {
    /// Starts `pilot` with `arguments`, its output in files (read once it has ended).
    private func start(_ arguments: [String], _ scratch: ScratchDirectory) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PilotBinary.path)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: try scratch.write("stdout")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: try scratch.write("stderr")))
        try process.run()
        return process
    }

    @Test("--max-rate caps each connection, up and down: 3 MB at 2 MB/s take about 1.5 s, and arrive whole")
    func maxRate() throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-max-rate")
        let bytes = StagingServers.seededBytes(count: 3_000_000, seed: 36)
        let local = try scratch.write("capped.root")
        try Data(bytes).write(to: URL(fileURLWithPath: local))
        let url = try s3.presign(key: "capped/put.root", method: "put")

        let result = try PilotBinary.run(["stage", "put", local, url, "--max-rate", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let seconds = try #require(summary["seconds"] as? Double)
        // The first chunk goes at once, the average is then held to the cap (uncapped: 0.1 s).
        #expect(seconds >= 1.3 && seconds < 6, "3 MB in \(seconds) s at a 2 MB/s cap")
        #expect(try s3.object(key: "capped/put.root") == Data(bytes))

        let get = try s3.presign(key: "capped/put.root", method: "get")
        let down = try PilotBinary.run(["stage", "get", get, scratch("back.root"), "--max-rate", "2", "--json",
                                        "--checksum", "ad:" + TestChecksums.adler32Hex(bytes)])
        #expect(down.status == 0, "\(down.stderr)")
        let back = try #require(try JSONSerialization.jsonObject(with: Data(down.stdout.utf8)) as? [String: Any])
        #expect((back["seconds"] as? Double ?? 0) >= 1.3 && (back["seconds"] as? Double ?? 99) < 6, "\(back)")
        for rate in ["0", "1e13"] {
            let refused = try PilotBinary.run(["stage", "put", local, url, "--max-rate", rate])
            #expect(refused.status == 64 && refused.stderr.contains("--max-rate must be between"), "\(refused.stderr)")
        }
    }

    @Test("a signal during a multipart upload: parts stop, the abort URL is sent, the store lists no upload; exit 128+N",
          arguments: [SIGINT, SIGTERM])
    func multipartInterrupted(signal: Int32) throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-parts-interrupted")
        let local = scratch("big.root")
        try Data(StagingServers.seededBytes(count: 3 * (5 << 20), seed: 37)).write(to: URL(fileURLWithPath: local))
        let upload = try s3.multipartUpload(key: "parts/interrupted-\(signal).root", parts: 3)
        let manifest = try StageS3UploadTests.writeManifest(scratch, partSize: 5 << 20, parts: upload.parts,
                                                             complete: upload.complete, abort: upload.abort)
        let logStart = s3.log.utf8.count

        // 15 MiB at 1 MB/s: about 16 s, the first part stored after about 5 s; the signal comes
        // then, with the second part 5 s from its end.
        let pilot = try start(["stage", "put", local, "--parts", manifest, "--max-rate", "1"], scratch)
        #expect(Polling.waitUntil(60) { s3.requests(since: logStart).contains { $0.hasPrefix("UploadPart => 200") } })
        kill(pilot.processIdentifier, signal)
        let killed = Date()
        #expect(Polling.waitForExit(pilot, 20), "the pilot ended by itself")
        #expect(Date().timeIntervalSince(killed) < 3, "stopped mid-part, between reads, not at the part's end")
        let stderr = (try? String(contentsOfFile: scratch("stderr"), encoding: .utf8)) ?? ""
        #expect(pilot.terminationStatus == 128 + signal, "\(stderr)")
        #expect(stderr.contains("multipart upload interrupted: the pilot received signal \(signal)"), "\(stderr)")
        let requests = s3.requests(since: logStart)
        #expect(requests.filter { $0.hasPrefix("UploadPart") } == ["UploadPart => 200"], "\(requests)")
        #expect(!requests.contains { $0.hasPrefix("CompleteMultipartUpload") }, "\(requests)")
        #expect(requests.contains { $0.hasPrefix("AbortMultipartUpload => 204") }, "\(requests)")
        #expect(try !s3.openUploads().contains(upload.uploadID))
        #expect(try s3.object(key: "parts/interrupted-\(signal).root") == nil)
        let result = PilotBinary.Result(status: pilot.terminationStatus, signaled: false, stdout: "", stderr: stderr)
        StageS3UploadTests.expectNoSecrets(result, upload.abort)
    }

    @Test("SIGTERM or SIGHUP during a single PUT: the transfer stops at once, the store holds no object; exit 128+N",
          arguments: [SIGTERM, SIGHUP])
    func putInterrupted(signal: Int32) throws {
        let s3 = try LocalStackS3.shared()
        let scratch = try ScratchDirectory("s3-put-interrupted")
        let local = scratch("single.root")
        try Data(StagingServers.seededBytes(count: 8_000_000, seed: 38)).write(to: URL(fileURLWithPath: local))
        let key = "single/interrupted-\(signal).root"
        let url = try s3.presign(key: key, method: "put")

        // 8 MB at 1 MB/s: 8 s; stopped once the PUT is on its way (the trace shows its request line).
        let pilot = try start(["stage", "put", local, url, "--max-rate", "1", "--debug"], scratch)
        let stderr = { (try? String(contentsOfFile: scratch("stderr"), encoding: .utf8)) ?? "" }
        #expect(Polling.waitUntil(30) { stderr().contains("curl > PUT /") })
        usleep(500_000)
        kill(pilot.processIdentifier, signal)
        let killed = Date()
        #expect(Polling.waitForExit(pilot, 20), "the pilot ended by itself")
        #expect(Date().timeIntervalSince(killed) < 3)
        #expect(pilot.terminationStatus == 128 + signal, "\(stderr())")
        #expect(stderr().contains("interrupted: the pilot received signal \(signal)"), "\(stderr())")
        #expect(try s3.object(key: key) == nil)
    }

    @Test("SIGINT while waiting to retry (the store refuses connections): exit 130 at once, not after the backoff")
    func retryWaitInterrupted() throws {
        let scratch = try ScratchDirectory("s3-retry-interrupted")
        let local = try scratch.write("small.root", "bytes")
        let port = try StagingServers.freePort()  // nothing listens there
        let pilot = try start(["stage", "put", local, "http://127.0.0.1:\(port)/b/k?X-Amz-Signature=0123456789abcdef"], scratch)
        let stderr = { (try? String(contentsOfFile: scratch("stderr"), encoding: .utf8)) ?? "" }
        #expect(Polling.waitUntil(30) { stderr().contains("retrying") })
        kill(pilot.processIdentifier, SIGINT)
        let killed = Date()
        #expect(Polling.waitForExit(pilot, 20), "the pilot ended by itself")
        #expect(Date().timeIntervalSince(killed) < 2, "the backoff (up to 30 s) is cut short")
        #expect(pilot.terminationStatus == 130, "\(stderr())")
        #expect(!stderr().contains("0123456789abcdef"), "\(stderr())")
    }
}
