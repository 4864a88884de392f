import Foundation
import Testing
@testable import Pilot

/// `pilot stage get` against real servers on 127.0.0.1: nginx with expiring secure links, and a
/// fault server that cuts, resets, stalls, flips bytes and answers 503.
@Suite("pilot stage get against nginx and the fault server", .serialized,
       .enabled(if: StagingServers.isUsable, "needs nginx (secure_link, dav, ssl), python3, openssl: \(StagingServers.skipReason)"))
struct StageGetCommandTests {
    private func get(_ url: String, _ destination: String, _ extra: [String] = []) throws -> (PilotBinary.Result, [String: Any]) {
        let result = try PilotBinary.run(["stage", "get", url, destination, "--json"] + extra, environment: ["PILOT_LOG_FORMAT": "json"])
        let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
        return (result, json)
    }

    private func destination(_ servers: StagingServers, _ name: String) -> String {
        servers.directory + "/out/" + name
    }

    /// The signature of a signed URL must appear nowhere in what the pilot printed.
    private func noSecrets(_ result: PilotBinary.Result, _ url: String) {
        guard let range = url.range(of: "md5=") else { return }
        let signature = url[range.upperBound...].prefix { $0 != "&" }
        for text in [result.stdout, result.stderr] {
            #expect(!text.contains(signature), "a signature leaked: \(text)")
        }
    }

    @Test("a signed GET lands verified, over HTTP and HTTPS (trusting the test CA)")
    func signedDownload() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("data/f1.bin", size: 3 << 20)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        for tls in [false, true] {
            let out = destination(servers, "f1-\(tls).bin")
            let (result, json) = try get(servers.signedURL(path: file.path, tls: tls), out,
                                         ["--checksum", "ad:\(file.adler32)", "--size", "\(file.size)", "--cacert", servers.caCertificatePath])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(json["checksum"] as? String == "ad:\(file.adler32)")
            #expect(json["bytes"] as? Int == file.size)
            // nginx offers HTTP/2 on its TLS port, and libcurl (with nghttp2) takes it there.
            #expect(json["http_version"] as? String == (tls ? "2" : "1.1"))
            #expect(FileManager.default.contentsEqual(atPath: out, andPath: file.localPath))
            #expect(!FileManager.default.fileExists(atPath: out + ".part"))
            noSecrets(result, servers.signedURL(path: file.path, tls: tls))
        }
        let (md5Result, md5JSON) = try get(servers.signedURL(path: file.path), destination(servers, "f1-md5.bin"),
                                           ["--checksum", "md5:\(file.md5)"])
        #expect(md5Result.status == 0)
        #expect(md5JSON["md5"] as? String == file.md5)
    }

    @Test("HTTPS without the test CA is refused: exit 82, nothing written")
    func untrustedCertificate() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f2.bin", size: 1 << 16)
        let out = destination(servers, "f2.bin")
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let (result, _) = try get(servers.signedURL(path: file.path, tls: true), out)
        #expect(result.status == 82)
        #expect(result.stderr.contains("TLS verification failed"))
        #expect(!FileManager.default.fileExists(atPath: out) && !FileManager.default.fileExists(atPath: out + ".part"))
    }

    @Test("expired (known from the URL, and as the server says), tampered and missing: no retries, their own codes")
    func refusals() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f3.bin", size: 1 << 16)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let past = Int(Date().timeIntervalSince1970) - 60
        let (early, _) = try get(servers.signedURL(path: file.path, expires: past), destination(servers, "a"))
        #expect(early.status == 81)
        #expect(early.stderr.contains("before the transfer started"))

        let tampered = servers.signedURL(path: file.path).replacingOccurrences(of: "md5=", with: "md5=x")
        let (bad, _) = try get(tampered, destination(servers, "b"))
        #expect(bad.status == 82)
        #expect(bad.stderr.contains("SignatureDoesNotMatch"))
        #expect(!bad.stderr.contains("retrying"))
        noSecrets(bad, tampered)

        let (missing, _) = try get(servers.signedURL(path: "nope.bin"), destination(servers, "c"))
        #expect(missing.status == 83)
    }

    @Test("a reset mid-body and a short body are resumed with Range and If-Match")
    func resume() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f4.bin", size: 2 << 20)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let (reset, resetJSON) = try get(servers.faultURL("reset", file.path, query: "after=500000"), destination(servers, "r"),
                                         ["--checksum", "ad:\(file.adler32)"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect((resetJSON["retries"] as? Int ?? 0) >= 1)
        let log = try servers.requests().filter { $0.path.contains("/reset/") }
        #expect(log.count >= 2)
        #expect(log.last?.range?.hasPrefix("bytes=") == true && log.last?.range != "bytes=0-")
        #expect(log.last?.ifMatch != nil)

        let (short, _) = try get(servers.faultURL("short", file.path), destination(servers, "s"), ["--checksum", "ad:\(file.adler32)"])
        #expect(short.status == 0, "\(short.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: destination(servers, "s"), andPath: file.localPath))
    }

    @Test("a server that ignores the range, or changes the object, makes the download start again")
    func restarts() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f5.bin", size: 1 << 20)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let (flip, flipJSON) = try get(servers.faultURL("flip", file.path, query: "times=1"), destination(servers, "f"),
                                       ["--checksum", "ad:\(file.adler32)"])
        #expect(flip.status == 0, "\(flip.stderr)")
        #expect(flipJSON["retries"] as? Int == 1)
        #expect(flip.stderr.contains("checksum mismatch, downloading again"))

        let (always, _) = try get(servers.faultURL("flip", file.path, query: "times=5"), destination(servers, "g"),
                                  ["--checksum", "ad:\(file.adler32)"])
        #expect(always.status == 84)
        #expect(!FileManager.default.fileExists(atPath: destination(servers, "g")))
    }

    @Test("503 SlowDown twice, then success; a stalled server is abandoned and resumed")
    func transient() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f6.bin", size: 1 << 20)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let (slow, slowJSON) = try get(servers.faultURL("status/503-twice", file.path), destination(servers, "h"),
                                       ["--checksum", "ad:\(file.adler32)"])
        #expect(slow.status == 0, "\(slow.stderr)")
        #expect(slowJSON["retries"] as? Int == 2)

        let start = Date()
        let (stall, _) = try get(servers.faultURL("stall", file.path, query: "after=100000"), destination(servers, "i"),
                                 ["--checksum", "ad:\(file.adler32)", "--stall-timeout", "1"])
        #expect(stall.status == 0, "\(stall.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("a full disk is reported as such (exit 85) and leaves nothing behind",
          .enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func diskFull() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f7.bin", size: 3 << 20)
        let small = servers.directory + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]
        try mounted.run()
        mounted.waitUntilExit()
        try #require(mounted.terminationStatus == 0)
        defer { umount2(small, Int32(MNT_DETACH)) }
        let (result, _) = try get(servers.signedURL(path: file.path), small + "/f7.bin", ["--checksum", "ad:\(file.adler32)"])
        #expect(result.status == 85)
        #expect(result.stderr.contains("disk full writing \(small)/f7.bin.part"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: small))?.isEmpty == true)
    }

    @Test("parallel range streams: the file and its Adler-32 are whole; MD5 is read back")
    func streams() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f8.bin", size: 18 << 20, seed: 8)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let out = destination(servers, "f8.bin")
        let (result, json) = try get(servers.signedURL(path: file.path), out, ["--streams", "4", "--checksum", "ad:\(file.adler32)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["streams"] as? Int == 4)
        #expect(FileManager.default.contentsEqual(atPath: out, andPath: file.localPath))

        let (md5Run, md5JSON) = try get(servers.faultURL("ok", file.path), destination(servers, "f8b.bin"),
                                        ["--streams", "3", "--checksum", "md5:\(file.md5)"])
        #expect(md5Run.status == 0, "\(md5Run.stderr)")
        #expect(md5JSON["md5"] as? String == file.md5)
        let ranges = try servers.requests().filter { $0.path.contains("/ok/") }.compactMap(\.range)
        #expect(ranges.contains("bytes=0-0"))
        #expect(ranges.filter { $0 != "bytes=0-0" }.count == 3)

        // Rucio's fragment asks for the streams; a server that ignores ranges gets one stream.
        let fragment = servers.faultURL("ignore-range", file.path) + "#multirange=false&nconnections=4"
        let (ignored, ignoredJSON) = try get(fragment, destination(servers, "f8c.bin"), ["--checksum", "ad:\(file.adler32)"])
        #expect(ignored.status == 0, "\(ignored.stderr)")
        #expect(ignoredJSON["streams"] as? Int == 1)
        #expect(FileManager.default.contentsEqual(atPath: destination(servers, "f8c.bin"), andPath: file.localPath))
    }

    @Test("a stream reset mid-range resumes within its range")
    func streamResume() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f9.bin", size: 12 << 20, seed: 9)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let (result, json) = try get(servers.faultURL("reset", file.path, query: "after=1000000"), destination(servers, "f9.bin"),
                                     ["--streams", "3", "--checksum", "ad:\(file.adler32)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["streams"] as? Int == 3)
        #expect(FileManager.default.contentsEqual(atPath: destination(servers, "f9.bin"), andPath: file.localPath))
    }

    @Test("whole-file resumes the server answers wrongly are restarted, never spliced (no checksum given)", arguments: [
        ("skew", "cut=500000&skew=4096"), ("ignore-range", "cut=500000"), ("etag-change", "cut=500000"),
    ])
    func badResumes(behaviour: String, query: String) throws {
        let servers = try StagingServers()
        let file = try servers.addFile("r-\(behaviour).bin", size: 2 << 20, seed: 11)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let out = destination(servers, "r-\(behaviour).bin")
        let (result, json) = try get(servers.faultURL(behaviour, file.path, query: query), out)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: out, andPath: file.localPath))
        #expect(json["checksum"] as? String == "ad:\(file.adler32)")
        #expect((json["retries"] as? Int ?? 0) >= 1)
    }

    @Test("a range served past its end is cut to the range: bytes and Adler-32 stay right")
    func overlongRanges() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("o.bin", size: 12 << 20, seed: 12)
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let out = destination(servers, "o.bin")
        let (result, json) = try get(servers.faultURL("overlong", file.path), out, ["--streams", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["bytes"] as? Int == file.size)
        #expect(json["checksum"] as? String == "ad:\(file.adler32)")
        #expect(FileManager.default.contentsEqual(atPath: out, andPath: file.localPath))
    }

    @Test("an empty object downloads with streams asked for (Rucio's fragment) as one stream")
    func emptyObject() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("empty.bin", contents: [])
        try FileManager.default.createDirectory(atPath: servers.directory + "/out", withIntermediateDirectories: true)
        let out = destination(servers, "empty.bin")
        let (result, json) = try get(servers.faultURL("ok", file.path) + "#multirange=false&nconnections=4", out,
                                     ["--checksum", "ad:00000001", "--size", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(json["bytes"] as? Int == 0)
        #expect((try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) == 0)
    }
}
