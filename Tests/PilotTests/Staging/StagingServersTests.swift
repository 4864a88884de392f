import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The checksums the staging tests rely on, against published vectors.
@Suite("Test checksums (adler32, md5)")
struct TestChecksumsTests {
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func md5MatchesRFC1321(input: String, expected: String) {
        #expect(TestChecksums.md5Hex(Array(input.utf8)) == expected)
    }

    @Test func adler32MatchesZlib() {
        #expect(TestChecksums.adler32Hex(Array("Wikipedia".utf8)) == "11e60398")
        #expect(TestChecksums.adler32Hex([UInt8]()) == "00000001")
        // zlib.adler32(bytes(range(256)) * 400): long enough to need the modulo reductions.
        let bytes = [UInt8]((0..<102_400).map { UInt8($0 % 256) })
        #expect(TestChecksums.adler32Hex(bytes) == "2ae343aa")
    }

    @Test func seededBytesAreDeterministic() {
        let first = StagingServers.seededBytes(count: 1001, seed: 7)
        #expect(first == StagingServers.seededBytes(count: 1001, seed: 7))
        #expect(first != StagingServers.seededBytes(count: 1001, seed: 8))
        #expect(Set(first).count > 200)
    }

    @Test func signatureIsNginxSecureLinkMD5() {
        // Taken from a request nginx accepted: "1795875838/signed/f.binGET pilot-staging-secret".
        #expect(StagingServers.signature(uri: "/signed/f.bin", method: "GET", expires: 1_795_875_838)
            == "rt4k1KL6J8PHBya_hDmVhg")
    }
}

/// The servers must behave as STAGING.md §4 and §6 say before any downloader is tested against
/// them, so these tests drive them with the curl CLI and read the fault server's log.
@Suite("Staging test servers (nginx signed URLs, fault server)",
       .enabled(if: StagingServers.isUsable, Comment(rawValue: StagingServers.skipReason)))
struct StagingServersTests {
    static let mebibyte = 1 << 20

    static func bytes(_ file: StagingServers.DataFile) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: file.localPath)))
    }

    @Test func signScriptAgreesWithTheHarness() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: StagingServers.scripts.appendingPathComponent("sign.sh").path)
        process.arguments = ["PUT", "/signed/dir/f.bin", "1795875838", StagingServers.secret]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let signature = StagingServers.signature(uri: "/signed/dir/f.bin", method: "PUT", expires: 1_795_875_838)
        #expect(text == "md5=\(signature)&expires=1795875838\n")
    }

    // MARK: - nginx: signed GET

    @Test func validSignedGETReturnsTheFile() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("data/AOD.pool.root.1", size: 3 * Self.mebibyte)
        let result = try CurlCLI.run(servers.signedURL(path: file.path))
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.status == 200)
        #expect([UInt8](result.body) == (try Self.bytes(file)))
        #expect(TestChecksums.adler32Hex(result.body) == file.adler32)
        #expect(result.headers["etag"] != nil)
    }

    @Test func expiredLinkIsAccessDenied() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 4096)
        let url = servers.signedURL(path: file.path, expires: Int(Date().timeIntervalSince1970) - 10)
        let result = try CurlCLI.run(url)
        #expect(result.status == 403)
        #expect(result.text.contains("<Code>AccessDenied</Code>"))
        #expect(result.text.contains("<Message>Request has expired</Message>"))
    }

    @Test func tamperedSignatureDoesNotMatch() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 4096)
        let url = servers.signedURL(path: file.path)
        let signature = try #require(url.range(of: "md5=")).upperBound
        var tampered = url
        tampered.replaceSubrange(signature...signature, with: url[signature] == "A" ? "B" : "A")
        for bad in [tampered, url.replacingOccurrences(of: "/signed/f.bin", with: "/signed/g.bin"),
                    servers.httpBase + "/signed/f.bin"] {
            let result = try CurlCLI.run(bad)
            #expect(result.status == 403, "\(bad)")
            #expect(result.text.contains("<Code>SignatureDoesNotMatch</Code>"), "\(bad)")
        }
    }

    @Test func theMethodIsSigned() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 4096)
        // HEAD with a GET-signed URL is refused, as on S3 (STAGING.md §1, §4) …
        let head = try CurlCLI.run(servers.signedURL(path: file.path), ["-I"])
        #expect(head.status == 403)
        // … and allowed with a HEAD-signed one.
        let signedHead = try CurlCLI.run(servers.signedURL(path: file.path, method: "HEAD"), ["-I"])
        #expect(signedHead.status == 200)
        #expect(signedHead.headers["content-length"] == "4096")
    }

    // MARK: - nginx: signed PUT

    @Test func signedPUTStoresTheFile() throws {
        let servers = try StagingServers()
        let source = try servers.addFile("outgoing/log.tgz", size: 2 * Self.mebibyte, seed: 3)
        let url = servers.signedURL(path: "rse/user/log.tgz", method: "PUT")
        let put = try CurlCLI.run(url, ["-T", source.localPath])
        #expect(put.exitCode == 0, "\(put.stderr)")
        #expect(put.status == 201, "\(servers.nginxLog)")
        let stored = try #require(servers.uploadedFile("rse/user/log.tgz"))
        #expect([UInt8](stored) == (try Self.bytes(source)))
        // What was put can be read back with a GET-signed URL.
        let get = try CurlCLI.run(servers.signedURL(path: "rse/user/log.tgz"))
        #expect(get.status == 200)
        #expect(TestChecksums.md5Hex([UInt8](get.body)) == source.md5)
    }

    @Test func putWithAGETSignedURLIsRefused() throws {
        let servers = try StagingServers()
        let source = try servers.addFile("src.bin", size: 4096)
        let put = try CurlCLI.run(servers.signedURL(path: "new.bin"), ["-T", source.localPath])
        #expect(put.status == 403)
        #expect(put.text.contains("SignatureDoesNotMatch"))
        #expect(servers.uploadedFile("new.bin") == nil)
        let expired = try CurlCLI.run(
            servers.signedURL(path: "new.bin", method: "PUT", expires: Int(Date().timeIntervalSince1970) - 1),
            ["-T", source.localPath])
        #expect(expired.status == 403)
        #expect(expired.text.contains("AccessDenied"))
        #expect(servers.uploadedFile("new.bin") == nil)
    }

    // MARK: - nginx: ranges and preconditions

    @Test func rangeZeroZeroGivesTheSize() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 1_234_567)
        let probe = try CurlCLI.run(servers.signedURL(path: file.path), ["-H", "Range: bytes=0-0"])
        #expect(probe.status == 206)
        #expect(probe.headers["content-range"] == "bytes 0-0/1234567")
        #expect(probe.body.count == 1)
        #expect(probe.body.first == (try Self.bytes(file)).first)
        #expect(probe.headers["etag"]?.isEmpty == false)
    }

    @Test func resumeWithIfMatchAndItsFailures() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: Self.mebibyte)
        let url = servers.signedURL(path: file.path)
        let etag = try #require(try CurlCLI.run(url, ["-H", "Range: bytes=0-0"]).headers["etag"])

        let resumed = try CurlCLI.run(url, ["-H", "Range: bytes=1000-", "-H", "If-Match: \(etag)"])
        #expect(resumed.status == 206)
        #expect(resumed.headers["content-range"] == "bytes 1000-1048575/1048576")
        #expect([UInt8](resumed.body) == Array((try Self.bytes(file))[1000...]))

        let stale = try CurlCLI.run(url, ["-H", "Range: bytes=1000-", "-H", "If-Match: \"5f0c1d2e-100000\""])
        #expect(stale.status == 412)

        let atEnd = try CurlCLI.run(url, ["-H", "Range: bytes=1048576-", "-H", "If-Match: \(etag)"])
        #expect(atEnd.status == 416)
        #expect(atEnd.headers["content-range"] == "bytes */1048576")
    }

    @Test func plainServesSeveralRanges() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 65536)
        let result = try CurlCLI.run(servers.plainURL(file.path), ["-H", "Range: bytes=0-9,100-109"])
        #expect(result.status == 206)
        #expect(result.headers["content-type"]?.hasPrefix("multipart/byteranges") == true)
        let whole = try CurlCLI.run(servers.limitedURL(file.path))
        #expect(whole.status == 200)
        #expect([UInt8](whole.body) == (try Self.bytes(file)))
    }

    @Test func slowdownAnswers503WithRetryAfter() throws {
        let servers = try StagingServers()
        let result = try CurlCLI.run(servers.slowdownURL("any/object"))
        #expect(result.status == 503)
        #expect(result.headers["retry-after"] == "1")
        #expect(result.text.contains("<Code>SlowDown</Code>"))
    }

    // MARK: - nginx: TLS

    @Test func httpsNeedsTheCACertificate() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: Self.mebibyte)
        for host in ["127.0.0.1", "localhost"] {
            let url = servers.signedURL(path: file.path, tls: true).replacingOccurrences(of: "127.0.0.1", with: host)
            let trusted = try CurlCLI.run(url, ["--cacert", servers.caCertificatePath])
            #expect(trusted.exitCode == 0, "\(host): \(trusted.stderr)")
            #expect(trusted.status == 200)
            #expect([UInt8](trusted.body) == (try Self.bytes(file)))
        }
        let untrusted = try CurlCLI.run(servers.signedURL(path: file.path, tls: true))
        #expect(untrusted.exitCode == 60)
        #expect(untrusted.status == 0)
    }

    // MARK: - Fault server

    @Test func faultServerAnswersRangesLikeNginx() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 100_000)
        let url = servers.faultURL("ok", file.path)
        let whole = try CurlCLI.run(url)
        #expect(whole.status == 200)
        #expect([UInt8](whole.body) == (try Self.bytes(file)))
        #expect(whole.headers["etag"] == "\"\(file.md5)\"")

        let probe = try CurlCLI.run(url, ["-H", "Range: bytes=0-0"])
        #expect(probe.status == 206)
        #expect(probe.headers["content-range"] == "bytes 0-0/100000")
        #expect(probe.body.count == 1)

        let middle = try CurlCLI.run(url, ["-H", "Range: bytes=10-19"])
        #expect(middle.headers["content-range"] == "bytes 10-19/100000")
        #expect([UInt8](middle.body) == Array((try Self.bytes(file))[10..<20]))

        let tail = try CurlCLI.run(url, ["-H", "Range: bytes=99990-"])
        #expect(tail.headers["content-range"] == "bytes 99990-99999/100000")
        #expect(tail.body.count == 10)

        let beyond = try CurlCLI.run(url, ["-H", "Range: bytes=100000-"])
        #expect(beyond.status == 416)
        #expect(beyond.headers["content-range"] == "bytes */100000")

        let mismatch = try CurlCLI.run(url, ["-H", "Range: bytes=10-", "-H", "If-Match: \"stale\""])
        #expect(mismatch.status == 412)
        let match = try CurlCLI.run(url, ["-H", "Range: bytes=10-", "-H", "If-Match: \"\(file.md5)\""])
        #expect(match.status == 206)
    }

    @Test func shortBodyIsPartialThenResumable() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: Self.mebibyte)
        let url = servers.faultURL("short", file.path)
        let short = try CurlCLI.run(url)
        #expect(short.exitCode == 18)  // CURLE_PARTIAL_FILE
        #expect(short.status == 200)
        #expect(short.headers["content-length"] == "1048576")
        #expect(short.body.count == Self.mebibyte / 2)

        let rest = try CurlCLI.run(url, ["-H", "Range: bytes=\(short.body.count)-"])
        #expect(rest.exitCode == 0)
        #expect(rest.status == 206)
        #expect([UInt8](short.body + rest.body) == (try Self.bytes(file)))
    }

    @Test func resetMidBodyThenCurlResumes() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 2 * Self.mebibyte)
        let url = servers.faultURL("reset", file.path, query: "after=65536")
        let output = servers.directory + "/download.part"
        let cut = try CurlCLI.run(url, output: output)
        #expect(cut.exitCode == 56)  // CURLE_RECV_ERROR: a reset, not a clean close
        #expect(cut.body.count == 65536)

        let resumed = try CurlCLI.run(url, ["-C", "-"], output: output)
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(resumed.status == 206)
        #expect([UInt8](resumed.body) == (try Self.bytes(file)))
        let log = try servers.requests()
        #expect(log.map(\.status) == [200, 206])
        #expect(log.map(\.range) == [nil, "bytes=65536-"])
        #expect(log.allSatisfy { $0.path == "/reset/f.bin?after=65536" && $0.method == "GET" })
    }

    @Test func ignoreRangeAnswers200WithTheWholeBody() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 50_000)
        let result = try CurlCLI.run(servers.faultURL("ignore-range", file.path), ["-H", "Range: bytes=0-0"])
        #expect(result.status == 200)
        #expect(result.headers["content-range"] == nil)
        #expect([UInt8](result.body) == (try Self.bytes(file)))
    }

    @Test func etagChangesOnEveryRequest() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 10_000)
        let url = servers.faultURL("etag-change", file.path)
        let first = try #require(try CurlCLI.run(url, ["-H", "Range: bytes=0-0"]).headers["etag"])
        let second = try #require(try CurlCLI.run(url, ["-H", "Range: bytes=0-0"]).headers["etag"])
        #expect(first != second)
        let resumed = try CurlCLI.run(url, ["-H", "Range: bytes=100-", "-H", "If-Match: \(second)"])
        #expect(resumed.status == 412)
        let log = try servers.requests()
        #expect(log.map(\.status) == [206, 206, 412])
        #expect(log.last?.ifMatch == second)
        #expect(log.last?.range == "bytes=100-")
    }

    @Test func flipCorruptsTheFirstAnswersOnly() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 100_000)
        let original = try Self.bytes(file)
        let url = servers.faultURL("flip", file.path, query: "times=2")
        for attempt in 1...3 {
            let result = try CurlCLI.run(url)
            #expect(result.status == 200)
            let got = [UInt8](result.body)
            #expect(got.count == original.count)
            let differing = zip(got, original).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            #expect(differing == (attempt <= 2 ? [50_000] : []), "attempt \(attempt)")
        }
    }

    @Test func status503TwiceThenOK() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: 10_000)
        let url = servers.faultURL("status/503-twice", file.path)
        for _ in 0..<2 {
            let refused = try CurlCLI.run(url)
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "0")
            #expect(refused.text.contains("<Code>SlowDown</Code>"))
        }
        let ok = try CurlCLI.run(url)
        #expect(ok.status == 200)
        #expect(ok.body.count == 10_000)
        #expect(try servers.requests().map(\.status) == [503, 503, 200])
    }

    @Test func stallHoldsTheConnectionUntilTheClientGivesUp() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("f.bin", size: Self.mebibyte)
        let start = Date()
        let result = try CurlCLI.run(servers.faultURL("stall", file.path, query: "after=4096"), maxTime: 1)
        #expect(result.exitCode == 28)  // CURLE_OPERATION_TIMEDOUT
        #expect(result.body.count == 4096)
        #expect(Date().timeIntervalSince(start) >= 0.9)
    }

    @Test func putStoresTheBodyAndAnswersItsMD5() throws {
        let servers = try StagingServers()
        let source = try servers.addFile("src.bin", size: Self.mebibyte, seed: 9)
        let result = try CurlCLI.run(servers.faultURL("put", "out/dest.bin"), ["-T", source.localPath])
        #expect(result.status == 201)
        #expect(result.headers["etag"] == "\"\(source.md5)\"")
        #expect(servers.uploadedFile("out/dest.bin") == Data(try Self.bytes(source)))
        #expect(try servers.requests().last == StagingServers.FaultRequest(
            method: "PUT", path: "/put/out/dest.bin", range: nil, ifMatch: nil, status: 201))
    }

    // MARK: - Lifecycle

    @Test func tearDownLeavesNothingBehind() throws {
        let servers = try StagingServers()
        let pids = servers.processIDs()
        #expect(pids.count >= 4, "script, nginx master, a worker, fault server: \(pids)")
        servers.tearDown()
        #expect(pids.filter(StagingServers.isAlive).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: servers.directory))
    }

    @Test func serversStopWhenTheWatchedProcessDies() throws {
        let watched = Process()
        watched.executableURL = URL(fileURLWithPath: "/bin/sleep")
        watched.arguments = ["60"]
        try watched.run()
        let servers = try StagingServers(watchedPID: watched.processIdentifier)
        let pids = servers.processIDs()
        #expect(pids.count >= 4)
        // SIGKILL: children of the test process start with SIGTERM blocked.
        kill(watched.processIdentifier, SIGKILL)
        watched.waitUntilExit()
        #expect(Polling.waitUntil(5) { pids.filter(StagingServers.isAlive).isEmpty })
    }
}
