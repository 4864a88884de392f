import Foundation
import Testing
@testable import Pilot

/// `pilot run` with a job whose files come without signed URLs: its input found and signed by a
/// real Rucio server (PyPI, SQLite, S3 RSEs on LocalStack), its output and log uploaded to their
/// RSE and registered, the bytes per RSE in the usage record.
@Suite("pilot run through Rucio", .serialized,
       .enabled(if: RucioServer.isUsable && BusyboxImage.unavailable == nil && PandaJobServer.isUsable,
                "needs Rucio, LocalStack, nginx and the busybox image: \(RucioServer.skipReason)"))
struct RunRucioTests {
    @Test("a job staged in and out through Rucio: replicas signed, outputs registered with size and Adler-32, read back")
    func job() throws {
        let rucio = try RucioServer.shared()
        let id = Int.random(in: 1_000_000...9_999_999)
        let bytes = StagingServers.seededBytes(count: 300_000, seed: UInt64(id))
        let input = "run-in-\(id).root", output = "run-out-\(id).root", log = "run-log-\(id).tgz"
        try rucio.addFile(scope: "user.pilot", name: input, bytes: bytes, rses: ["S3_SCRATCHDISK"])
        let run = try RunHarness(pandaID: id, script: "cat \(input) \(input) > \(output)", fields: [
            "inFiles": input, "fsize": "\(bytes.count)", "checksum": "ad:\(TestChecksums.adler32Hex(bytes))", "scopeIn": "user.pilot",
            "signedURLsIn": "NULL", "signedURLsOut": "NULL,NULL", "ddmEndPointIn": "S3_SCRATCHDISK",
            "outFiles": output, "scopeOut": "user.pilot", "ddmEndPointOut": "S3_SCRATCHDISK",
            "logFile": log, "scopeLog": "user.pilot",
        ])
        let ledger = run.work + "/ledger"
        // The log names no RSE of its own: it goes to the queue's output RSE.
        var environment = rucio.environment()
        environment["PILOT_RUCIO_OUTPUT_RSE"] = "S3_SCRATCHDISK"
        let result = try run.run(["--accounting-dir", ledger], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(try run.finalUpdates().first)
        #expect(final["job_status"] as? String == "finished", "\(final)")
        let report = try #require((final["job_output_report"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let doubled = bytes + bytes
        let entry = try #require(report[output] as? [String: Any], "\(report)")
        #expect(entry["adler32"] as? String == TestChecksums.adler32Hex(doubled))
        #expect(report[log] != nil)
        // Rucio holds the output with the size and checksum the pilot reported, on the RSE.
        let held = try #require(try rucio.show(scope: "user.pilot", name: output))
        let did = try #require(held["did"] as? [String: Any])
        #expect(did["bytes"] as? Int == doubled.count && did["adler32"] as? String == TestChecksums.adler32Hex(doubled))
        #expect(held["replicas"] as? [String: String] == ["S3_SCRATCHDISK": "AVAILABLE"])
        #expect(try rucio.show(scope: "user.pilot", name: log) != nil, "the log archive is registered too")
        // The usage record counts the bytes per RSE.
        let usage = try String(contentsOfFile: ledger + "/usage/\(id).json", encoding: .utf8)
        #expect(usage.contains("S3_SCRATCHDISK") && usage.contains("\(bytes.count)"), "\(usage)")
        let signatures = result.stderr.components(separatedBy: "X-Amz-Signature=").count
        #expect(signatures == result.stderr.components(separatedBy: "X-Amz-Signature=REDACTED").count, "no signature in the log")
    }
}
