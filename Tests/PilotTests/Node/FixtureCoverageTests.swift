import Foundation
import Testing

/// Every captured node file in shared/fixtures is named by some test, so a new capture cannot be
/// added without being parsed (the GPU files have their own check, GPUFixtureCoverageTests;
/// the CVMFS ones belong to the CVMFS checks).
@Suite("fixture coverage")
struct FixtureCoverageTests {
    @Test("every cgroup and os-release capture is parsed by a test")
    func nodeFixturesAreNamed() throws {
        let fixtures = try Fixtures.names(prefixes: ["cgroupv1_", "cgroupv2_", "os-release_"])
        #expect(fixtures.count >= 18)
        let testsDirectory = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests")
        let sources = try FileManager.default.subpathsOfDirectory(atPath: testsDirectory.path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: testsDirectory.appendingPathComponent($0), encoding: .utf8) }
            .joined()
        let unnamed = fixtures.filter { !sources.contains($0) }
        #expect(unnamed.isEmpty, "not parsed by any test: \(unnamed)")
    }
}
