import Foundation
import Testing
@testable import Pilot

/// `pilot stage put` against nginx's signed PUT and the fault server's store.
@Suite("pilot stage put", .serialized,
       .enabled(if: StagingServers.isUsable, "needs nginx (secure_link, dav, ssl), python3, openssl: \(StagingServers.skipReason)"))
struct StagePutCommandTests {
    @Test("a signed PUT stores the file byte for byte and reports its Adler-32; wrong method and expiry are refused")
    func put() throws {
        let servers = try StagingServers()
        let bytes = StagingServers.seededBytes(count: 3 << 20, seed: 42)
        let local = servers.directory + "/upload.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: local))
        let expected = TestChecksums.adler32Hex(bytes)

        let result = try PilotBinary.run(["stage", "put", local, servers.signedURL(path: "up/out.bin", method: "PUT"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["checksum"] as? String == "ad:\(expected)")
        #expect(json["bytes"] as? Int == bytes.count)
        #expect(servers.uploadedFile("up/out.bin") == Data(bytes))

        let wrongMethod = try PilotBinary.run(["stage", "put", local, servers.signedURL(path: "up/x.bin", method: "GET")])
        #expect(wrongMethod.status == 82)
        let expired = try PilotBinary.run(["stage", "put", local, servers.signedURL(path: "up/y.bin", method: "PUT",
                                                                                     expires: Int(Date().timeIntervalSince1970) - 5)])
        #expect(expired.status == 81)
        #expect(servers.uploadedFile("up/x.bin") == nil && servers.uploadedFile("up/y.bin") == nil)

        let viaFault = try PilotBinary.run(["stage", "put", local, servers.faultURL("put", "up/z.bin"), "--json"])
        #expect(viaFault.status == 0, "\(viaFault.stderr)")
        let etag = (try JSONSerialization.jsonObject(with: Data(viaFault.stdout.utf8)) as? [String: Any])?["etag"] as? String
        #expect(etag == TestChecksums.md5Hex(bytes))

        let missing = try PilotBinary.run(["stage", "put", servers.directory + "/nope", servers.faultURL("put", "n.bin")])
        #expect(missing.status == 64)

        // 3 MiB at 10 kB/s need 315 s; the link has 60: refused before a byte goes out. At 1 MB/s it fits.
        let soon = Int(Date().timeIntervalSince1970) + 60
        let tooSlow = try PilotBinary.run(["stage", "put", local, servers.signedURL(path: "up/slow.bin", method: "PUT", expires: soon),
                                           "--min-rate", "0.01"])
        #expect(tooSlow.status == 81, "\(tooSlow.stderr)")
        #expect(tooSlow.stderr.contains("s left"), "\(tooSlow.stderr)")
        #expect(servers.uploadedFile("up/slow.bin") == nil)
        let fits = try PilotBinary.run(["stage", "put", local, servers.signedURL(path: "up/fits.bin", method: "PUT", expires: soon),
                                        "--min-rate", "1"])
        #expect(fits.status == 0, "\(fits.stderr)")
    }
}
