import Foundation
import Logging
import Testing
@testable import Pilot

/// The client and the job runner's API in-process against the real Rucio server: X.509 through
/// the TLS set-up, both reply formats, and `RucioStageIn`/`RucioStageOut` as `pilot run` calls them.
@Suite("Rucio client and staging API against a real Rucio server", .serialized,
       .enabled(if: RucioServer.isUsable, "needs Rucio and LocalStack: \(RucioServer.skipReason)"))
struct RucioClientTests {
    private func settings(_ rucio: RucioServer) -> RucioSettings {
        var settings = RucioSettings(serverURL: rucio.url, account: "pilot", authType: .userpass)
        settings.passwordFile = rucio.pilotPasswordFile
        settings.caFile = rucio.caBundle
        return settings
    }

    @Test("userpass: one token for many calls, the account Rucio names")
    func userpass() throws {
        let rucio = try RucioServer.shared()
        let client = try RucioClient(settings: settings(rucio), environment: [:], logger: Logger(label: "test"))
        #expect(try client.ping() == rucio.ready.version)
        let token = try client.authenticator.token()
        #expect(token.account == "pilot")
        let now = Int(Date().timeIntervalSince1970)
        #expect(try #require(token.expires) > now + 3000)
        _ = try client.rseAttributes("S3_SCRATCHDISK")
        _ = try client.did(RucioDID(scope: "user.pilot", name: "none.root"))
        #expect(client.authenticator.fetchCount == 1)
    }

    @Test("X.509: an RFC 3820 proxy, and a user certificate with its key apart, each get a token for the DN's account",
          arguments: ["x509_proxy", "x509"])
    func x509(type: String) throws {
        let rucio = try RucioServer.shared()
        let tls = try #require(rucio.ready.tlsURL)
        var settings = RucioSettings(serverURL: tls, authType: RucioAuthType(rawValue: type)!)
        settings.caFile = rucio.caBundle
        let pki = try #require(rucio.ready.proxy.map { ($0 as NSString).deletingLastPathComponent })
        if type == "x509" {
            settings.certificate = pki + "/user.pem"
            settings.key = pki + "/user.key"
        } else {
            settings.certificate = try #require(rucio.ready.proxy)
        }
        let client = try RucioClient(settings: settings, environment: [:], logger: Logger(label: "test"))
        let token = try client.authenticator.token()
        #expect(token.account == "pilot")
        #expect(token.value.hasPrefix("pilot-CN=Pilot Tester"))
        #expect(try client.rseAttributes("S3_SCRATCHDISK")["region"] == "us-east-1")

        settings.certificate = pki + "/missing.pem"
        settings.key = nil
        let missing = try RucioClient(settings: settings, environment: [:], logger: Logger(label: "test"))
        #expect(throws: RucioError.self) { try missing.authenticator.token() }
    }

    @Test("the JSON stream and the metalink name the same signed URLs")
    func bothFormats() throws {
        let rucio = try RucioServer.shared()
        let bytes = StagingServers.seededBytes(count: 4096, seed: 41)
        let added = try rucio.addFile(scope: "user.pilot", name: "formats.root", bytes: bytes, rses: ["S3_SCRATCHDISK", "FAR_SCRATCHDISK"])
        let client = try RucioClient(settings: settings(rucio), environment: [:], logger: Logger(label: "test"))
        let did = RucioDID(scope: "user.pilot", name: "formats.root")
        let json = try #require(try client.listReplicas([did], lifetime: 900).first)
        let metalink = try #require(try client.listReplicas([did], lifetime: 900, metalink: true).first)
        #expect(json.adler32 == added.adler32 && metalink.adler32 == added.adler32)
        #expect(json.bytes == 4096 && metalink.bytes == 4096)
        #expect(Set(json.sources.map(\.rse)) == ["S3_SCRATCHDISK", "FAR_SCRATCHDISK"])
        #expect(Set(metalink.sources.map(\.rse)) == Set(json.sources.map(\.rse)))
        for source in json.sources {
            #expect(RucioStageIn.isSigned(source.url))
            #expect(SignedURL(source.url).expires.map { $0 - Int(Date().timeIntervalSince1970) } ?? 0 > 800)
        }
    }

    @Test("the runner's API: inputs resolved and downloaded, an output uploaded and registered, bytes counted per RSE")
    func runnerAPI() async throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio-api")
        let first = StagingServers.seededBytes(count: 200_000, seed: 42)
        let second = StagingServers.seededBytes(count: 300_000, seed: 43)
        try rucio.addFile(scope: "user.pilot", name: "in1.root", bytes: first, rses: ["S3_SCRATCHDISK"])
        try rucio.addFile(scope: "user.pilot", name: "in2.root", bytes: second, rses: ["FAR_SCRATCHDISK", "S3_SCRATCHDISK"])
        var settings = settings(rucio)
        settings.region = "us-east-1"
        settings.localSite = "TEST_SITE"
        let tally = TransferTally()
        let stageIn = try RucioStageIn.make(settings: settings, environment: [:], logger: Logger(label: "test"), tally: tally)
        let inputs = [
            JobInputFile(lfn: "in1.root", scope: "user.pilot", size: first.count,
                         checksum: .adler32(TestChecksums.adler32Hex(first)), ddmEndpoint: "S3_SCRATCHDISK"),
            JobInputFile(lfn: "in2.root", scope: "user.pilot"),
        ]
        let results = try await stageIn.download(inputs: inputs, into: scratch.path)
        #expect(results.map(\.rse) == ["S3_SCRATCHDISK", "S3_SCRATCHDISK"])
        #expect(results.allSatisfy { !$0.crossRegion })
        #expect(FileManager.default.contents(atPath: scratch("in1.root")) == Data(first))
        #expect(FileManager.default.contents(atPath: scratch("in2.root")) == Data(second))

        let output = try scratch.write("out.root", String(repeating: "event\n", count: 5000))
        let file = JobOutputFile(lfn: "out-api.root", kind: .output, scope: "user.pilot", guid: "0B8E5B1A-0000-4000-8000-00000000ABCD",
                                 ddmEndpoint: "FAR_SCRATCHDISK")
        try FileManager.default.moveItem(atPath: output, toPath: scratch("out-api.root"))
        let entry = try await RucioStageOut(sharing: stageIn).upload(scratch("out-api.root"), file: file)
        #expect(entry.lfn == "out-api.root" && entry.size == 30000 && entry.endpoint == "FAR_SCRATCHDISK")
        #expect(entry.guid == "0B8E5B1A-0000-4000-8000-00000000ABCD")
        #expect(entry.adler32 == TestChecksums.adler32Hex(Array(String(repeating: "event\n", count: 5000).utf8)))
        #expect(try rucio.show(scope: "user.pilot", name: "out-api.root") != nil)

        #expect(tally.bytesIn == ["S3_SCRATCHDISK": Int64(first.count + second.count)])
        #expect(tally.bytesOut == ["FAR_SCRATCHDISK": 30000])
        #expect(tally.egress == ["FAR_SCRATCHDISK": 30000])
        let traces = rucio.traces().suffix(3)
        #expect(traces.allSatisfy { $0["localSite"] as? String == "TEST_SITE" && $0["clientState"] as? String == "DONE" })

        // A scope-less input and an unknown one are clear errors with PanDA's codes.
        await #expect(throws: RucioError.invalidRequest("input x.root has no scope: Rucio needs scope:name")) {
            _ = try await stageIn.download(inputs: [JobInputFile(lfn: "x.root")], into: scratch.path)
        }
        do {
            _ = try await stageIn.download(inputs: [JobInputFile(lfn: "never.root", scope: "user.pilot")], into: scratch.path)
            Issue.record("an unknown DID was downloaded")
        } catch {
            #expect(error == .didNotFound(did: "user.pilot:never.root"))
            #expect(error.pilotErrorCode() == .replicaNotFound)
        }
    }
}
