import Foundation
import Testing
@testable import Pilot

/// Inputs over signed URLs: fetched by the staging code, verified against the suite's checksums.
@Suite("pilot validate, inputs over signed URLs",
       .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"),
       .enabled(if: StagingServers.isUsable, "needs nginx (secure_link), python3, openssl: \(StagingServers.skipReason)"))
struct ValidateSignedInputTests {
    @Test("a signed-URL input is downloaded and verified; a wrong sha256 fails only its case, named")
    func signedInput() throws {
        let servers = try StagingServers()
        let script = try Data(contentsOf: SuiteTests.examples.appendingPathComponent("generate.awk"))
        let file = try servers.addFile("validation/generate.awk", contents: Array(script))
        let sha256 = try BundleFiles.sums(file.localPath).sha256
        let url = servers.signedURL(path: file.path)
        let dir = BusyboxImage.scratch("validate-url")
        let wrong = String(repeating: "0", count: 64)
        func caseJSON(_ name: String, sha: String) -> String {
            """
            {"name": "\(name)", "image": "busybox", "command": "awk -f /srv/in/generate.awk",
             "environment": {"EVENTS": "500"},
             "inputs": [{"name": "in/generate.awk", "url": "\(url)", "checksum": "ad:\(file.adler32)", "sha256": "\(sha)", "size": \(file.size)}],
             "outputs": [{"path": "mass.hist", "compare": {"method": "histogram"}}]}
            """
        }
        try "{\"name\": \"signed\", \"cases\": [\(caseJSON("good", sha: sha256)), \(caseJSON("tampered", sha: wrong))]}"
            .write(toFile: dir + "/suite.json", atomically: true, encoding: .utf8)
        let result = try ValidateEndToEndTests.run(dir + "/suite.json", out: dir + "/bundle")
        #expect(result.status == 91, "\(result.stdout)\(result.stderr)")
        let cases = try #require(try ValidateEndToEndTests.manifest(dir + "/bundle")["cases"] as? [[String: Any]])
        #expect(cases[0]["status"] as? String == "ok")
        let inputs = try #require(cases[0]["inputs"] as? [[String: Any]])
        #expect(inputs.first?["sha256"] as? String == sha256)
        #expect(inputs.first?["bytes"] as? Int == file.size)
        // The signature never reaches the bundle.
        let signature = url.components(separatedBy: "md5=")[1].components(separatedBy: "&")[0]
        let source = try #require(inputs.first?["source"] as? String)
        #expect(source.contains("md5=REDACTED") && !source.contains(signature), "\(source)")
        #expect(cases[1]["status"] as? String == "failed")
        #expect(cases[1]["error"] as? String == "input in/generate.awk: sha256 mismatch: expected \(wrong), got \(sha256)")
        #expect(result.stdout.contains("failed: tampered"))
    }
}
