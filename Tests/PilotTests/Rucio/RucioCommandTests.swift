import Foundation
import Testing

/// `pilot rucio download|upload` through the binary against a real Rucio server (PyPI, SQLite)
/// whose S3 RSEs live on LocalStack, which checks every signature (RUCIO.md).
@Suite("pilot rucio against a real Rucio server", .serialized,
       .enabled(if: RucioServer.isUsable, "needs Rucio and LocalStack: \(RucioServer.skipReason)"))
struct RucioCommandTests {
    @Test("download: the file through a signed URL, checked by Adler-32; a missing replica falls back to the next; a trace with the URL redacted")
    func download() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: (3 << 20) + 77, seed: 31)
        let added = try rucio.addFile(scope: "user.pilot", name: "download.root", bytes: bytes,
                                      rses: ["MISSING_SCRATCHDISK", "FAR_SCRATCHDISK", "S3_SCRATCHDISK"])
        let tracesBefore = rucio.traces().count

        // MISSING_SCRATCHDISK is the only RSE in ap-south-1: tried first, it answers 404.
        let result = try PilotBinary.run(["rucio", "download", "user.pilot:download.root", scratch.path, "--json",
                                          "--region", "ap-south-1"], environment: rucio.environment())
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["checksum"] as? String == "ad:" + added.adler32)
        #expect(json["bytes"] as? Int == bytes.count)
        let rse = try #require(json["rse"] as? String)
        #expect(["FAR_SCRATCHDISK", "S3_SCRATCHDISK"].contains(rse))
        let failed = try #require(json["failed_replicas"] as? [String])
        #expect(failed.count == 1 && failed[0].hasPrefix("MISSING_SCRATCHDISK: no such object"))
        #expect(FileManager.default.contents(atPath: scratch("download.root")) == Data(bytes))
        let endpoints = try #require(json["endpoints"] as? [String: [String: Int]])
        #expect(endpoints[rse]?["bytes_in"] == bytes.count && endpoints[rse]?["cross_region"] == bytes.count)
        expectRedacted(result)

        let traces = rucio.traces().dropFirst(tracesBefore)
        #expect(traces.map { $0["clientState"] as? String } == ["NOT_FOUND", "DONE"])
        #expect(traces.allSatisfy { $0["eventType"] as? String == "get_sm" && $0["filename"] as? String == "download.root" })
        for trace in traces {
            let url = try #require(trace["url"] as? String)
            #expect(url.contains("X-Amz-Signature=REDACTED") && url.contains("X-Amz-Credential=REDACTED"), "\(url)")
        }
        #expect(!rucio.log.contains("Problem validating schema"), "Rucio refused a trace's schema")
    }

    @Test("--region: the replica in that region first, whichever Rucio lists first")
    func regionFirst() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: 100_000, seed: 32)
        try rucio.addFile(scope: "user.pilot", name: "region.root", bytes: bytes, rses: ["FAR_SCRATCHDISK", "S3_SCRATCHDISK"])
        for (region, expected) in [("us-east-1", "S3_SCRATCHDISK"), ("eu-west-2", "FAR_SCRATCHDISK")] {
            let result = try PilotBinary.run(["rucio", "download", "user.pilot:region.root", scratch("\(region).root"),
                                              "--region", region, "--json"], environment: rucio.environment())
            #expect(result.status == 0, "\(result.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(json["rse"] as? String == expected)
            #expect(json["cross_region"] as? Bool == false)
            #expect((json["failed_replicas"] as? [String])?.isEmpty == true)
        }
    }

    @Test("a URL that expires mid-transfer: a fresh one from Rucio, and the download resumes in the same .part file")
    func freshURLMidTransfer() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: 1_000_000, seed: 33)
        let added = try rucio.addFile(scope: "user.pilot", name: "slow.root", bytes: bytes, rses: ["SLOW_SCRATCHDISK"])
        // The first connection crawls at 150 kB/s and is cut after 750 kB (5 s), past the 4 s
        // signature: 4 s, not less, so a busy machine still makes its first GET in time.
        try rucio.slowDown(connections: 1, rate: 150_000, cutAfter: 750_000)
        let logStart = rucio.s3.log.utf8.count

        let result = try PilotBinary.run(["rucio", "download", "user.pilot:slow.root", scratch("slow.root"),
                                          "--signature-lifetime", "4", "--json", "--log-level", "notice"],
                                         environment: rucio.environment())
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["checksum"] as? String == "ad:" + added.adler32)
        #expect((json["refreshes"] as? Int ?? 0) >= 1, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: scratch("slow.root")) == Data(bytes))
        #expect(result.stderr.contains("going on with a fresh one"))
        // The whole object once, then the rest of it: a resume, not a restart.
        let gets = rucio.s3.requests(since: logStart).filter { $0.hasPrefix("GetObject") }
        #expect(gets.first?.hasPrefix("GetObject => 200") == true && gets.last?.hasPrefix("GetObject => 206") == true, "\(gets)")
        expectRedacted(result)
    }

    @Test("upload: a signed PUT, registered with size, Adler-32 and GUID, read back through Rucio's own client")
    func upload() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: 2_000_003, seed: 34)
        let file = scratch("output.root")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let guid = "7601DB4B-DBF3-4FE9-82C4-E85E76370E53"

        let result = try PilotBinary.run(["rucio", "upload", file, "--rse", "S3_SCRATCHDISK", "--scope", "user.pilot",
                                          "--guid", guid, "--json"], environment: rucio.environment())
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let adler32 = TestChecksums.adler32Hex(bytes)
        #expect(json["adler32"] as? String == adler32)
        #expect(json["registered"] as? Bool == true)
        let report = try #require((json["output_file_report"] as? [String: Any])?["output.root"] as? [String: Any])
        #expect(report["fsize"] as? Int == bytes.count && report["adler32"] as? String == adler32 && report["guid"] as? String == guid)
        #expect(report["endpoint"] as? String == "S3_SCRATCHDISK")
        // The hash PFN: <prefix>/user/pilot/<md5[0:2]>/<md5[2:4]>/output.root, unsigned.
        let surl = try #require(report["surl"] as? String)
        #expect(surl.contains("/s3/user/pilot/") && surl.hasSuffix("/output.root") && !surl.contains("?"), "\(surl)")
        expectRedacted(result)

        let held = try #require(try rucio.show(scope: "user.pilot", name: "output.root"))
        let did = try #require(held["did"] as? [String: Any])
        #expect(did["bytes"] as? Int == bytes.count && did["adler32"] as? String == adler32 && did["account"] as? String == "pilot")
        #expect((held["meta"] as? [String: Any])?["guid"] as? String == "7601db4bdbf34fe982c4e85e76370e53")
        #expect(held["replicas"] as? [String: String] == ["S3_SCRATCHDISK": "AVAILABLE"])
        // The object is there, byte for byte, where the registration says.
        let path = try #require((report["surl"] as? String).flatMap { URL(string: $0)?.path })
        let key = String(path.dropFirst(rucio.s3.bucket.count + 2))
        #expect(try rucio.s3.object(key: key) == Data(bytes))
        let trace = try #require(rucio.traces().last)
        #expect(trace["eventType"] as? String == "put_sm" && trace["clientState"] as? String == "DONE")
    }

    @Test("a registration Rucio already holds with another checksum: exit 84, the two checksums named")
    func wrongChecksumAtRegistration() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: 50_000, seed: 35)
        let file = scratch("clash.root")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try rucio.addFile(scope: "user.pilot", name: "clash.root", bytes: bytes, rses: ["S3_SCRATCHDISK"], adler32: "0badc0de", upload: false)

        let result = try PilotBinary.run(["rucio", "upload", file, "--rse", "S3_SCRATCHDISK", "--scope", "user.pilot"],
                                         environment: rucio.environment())
        #expect(result.status == 84, "\(result.stderr)")
        #expect(result.stderr.contains("rucio holds user.pilot:clash.root as 50000 bytes, adler32 0badc0de"), "\(result.stderr)")
        #expect(result.stderr.contains("adler32 \(TestChecksums.adler32Hex(bytes))"))
    }

    @Test("an RSE without signing credentials: Rucio lists no URL (exit 83) and signs no write URL (exit 82)")
    func rseWithoutCredentials() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: 10_000, seed: 36)
        try rucio.addFile(scope: "user.pilot", name: "nocreds.root", bytes: bytes, rses: ["NOCREDS_SCRATCHDISK"])

        let download = try PilotBinary.run(["rucio", "download", "user.pilot:nocreds.root", scratch("n.root")],
                                           environment: rucio.environment())
        #expect(download.status == 83, "\(download.stderr)")
        #expect(download.stderr.contains("rucio gave no https URL for user.pilot:nocreds.root though it has replicas on NOCREDS_SCRATCHDISK"))
        #expect(download.stderr.contains("no signing credentials"))

        let file = scratch("up.root")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let upload = try PilotBinary.run(["rucio", "upload", file, "--rse", "NOCREDS_SCRATCHDISK", "--scope", "user.pilot"],
                                         environment: rucio.environment())
        #expect(upload.status == 82, "\(upload.stderr)")
        #expect(upload.stderr.contains("rucio refused to sign a write URL on NOCREDS_SCRATCHDISK"))
        #expect(try rucio.show(scope: "user.pilot", name: "up.root") == nil)
    }

    @Test("an account without the right to sign: an unsigned URL refused before any request (82), and no write URL (82)")
    func accountWithoutSigning() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        let bytes = StagingServers.seededBytes(count: 10_000, seed: 37)
        try rucio.addFile(scope: "user.pilot", name: "nosign.root", bytes: bytes, rses: ["S3_SCRATCHDISK"])
        let logStart = rucio.s3.log.utf8.count

        let download = try PilotBinary.run(["rucio", "download", "user.pilot:nosign.root", scratch("n.root")],
                                           environment: rucio.environment(account: "nosign"))
        #expect(download.status == 82, "\(download.stderr)")
        #expect(download.stderr.contains("rucio gave an unsigned URL for user.pilot:nosign.root on S3_SCRATCHDISK"))
        #expect(download.stderr.contains("account nosign may not sign"))
        #expect(rucio.s3.requests(since: logStart).isEmpty)

        let file = scratch("up.root")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let upload = try PilotBinary.run(["rucio", "upload", file, "--rse", "S3_SCRATCHDISK", "--scope", "user.nosign"],
                                         environment: rucio.environment(account: "nosign"))
        #expect(upload.status == 82, "\(upload.stderr)")
        #expect(upload.stderr.contains("rucio refused to sign a write URL on S3_SCRATCHDISK for account nosign"))
    }

    @Test("a wrong password exits 82; an unknown DID 83; no server configured 78")
    func refusals() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio")
        var environment = rucio.environment()
        let wrong = try scratch.write("wrong", "not-the-password\n")
        environment["PILOT_RUCIO_PASSWORD_FILE"] = wrong
        let refused = try PilotBinary.run(["rucio", "download", "user.pilot:x.root", scratch.path], environment: environment)
        #expect(refused.status == 82, "\(refused.stderr)")
        #expect(refused.stderr.contains("rucio refused userpass authentication for account pilot"))
        #expect(!refused.stderr.contains("not-the-password"))

        let unknown = try PilotBinary.run(["rucio", "download", "user.pilot:never.root", scratch.path], environment: rucio.environment())
        #expect(unknown.status == 83, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("rucio does not know user.pilot:never.root"))

        let unconfigured = try PilotBinary.run(["rucio", "download", "user.pilot:never.root", scratch.path],
                                               environment: ["PILOT_RUCIO_SERVER_URL": nil])
        #expect(unconfigured.status == 78, "\(unconfigured.stderr)")
    }

    /// No signature, credential or password in anything the pilot printed.
    private func expectRedacted(_ result: PilotBinary.Result) {
        let text = result.stdout + result.stderr
        for line in text.split(separator: "\n") where line.contains("X-Amz-Signature=") {
            #expect(line.contains("X-Amz-Signature=REDACTED"), "\(line)")
        }
        #expect(!text.contains("pilot-secret"))
    }
}
