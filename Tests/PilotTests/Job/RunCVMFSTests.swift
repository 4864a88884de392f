import Foundation
import Testing
@testable import Pilot

/// `pilot run` against real FUSE mounts of the CVMFS double: a queue whose repository is not ok
/// takes no job; a job whose own repository is not ok fails with 1360, reported to the server.
@Suite("pilot run and CVMFS", .serialized,
       .enabled(if: FakeCVMFS.isUsable && BusyboxImage.unavailable == nil && PandaJobServer.isUsable,
                "needs root, FUSE, python3-fusepy, nginx and the busybox image: \(FakeCVMFS.skipReason)"))
struct RunCVMFSTests {
    private func environment(_ cvmfs: FakeCVMFS, repos: String, _ extra: [String: String?] = [:]) -> [String: String?] {
        var environment: [String: String?] = ["PILOT_CVMFS_ROOT": cvmfs.root, "PILOT_CVMFS_REPOS": repos, "PILOT_CVMFS_TIMEOUT": "20"]
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    @Test("a queue repository whose daemon died (ENOTCONN): exit 69 naming it, and no job asked for")
    func queueRepositoryUnavailable() throws {
        let cvmfs = try FakeCVMFS()
        defer { cvmfs.tearDown() }
        try cvmfs.mount("atlas.cern.ch")
        cvmfs.kill("atlas.cern.ch")
        let run = try RunHarness(script: "echo ran > out.dat")
        let result = try run.run([], environment: environment(cvmfs, repos: "atlas.cern.ch"))
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stderr.contains("atlas.cern.ch unavailable"), "\(result.stderr)")
        #expect(try run.server.requests(to: "acquire_jobs").isEmpty)
    }

    @Test("a stale queue repository (degraded): no job by default; with run.cvmfs_degraded = accept the job runs")
    func queueRepositoryDegraded() throws {
        let cvmfs = try FakeCVMFS()
        defer { cvmfs.tearDown() }
        try cvmfs.mount("atlas.cern.ch", lastUpdate: Date().addingTimeInterval(-10 * 86400))
        let run = try RunHarness(script: "echo ran > out.dat")
        let refused = try run.run([], environment: environment(cvmfs, repos: "atlas.cern.ch"))
        #expect(refused.status == 69, "\(refused.stderr)")
        #expect(refused.stderr.contains("atlas.cern.ch degraded"), "\(refused.stderr)")
        #expect(try run.server.requests(to: "acquire_jobs").isEmpty)

        let accepted = try run.run([], environment: environment(cvmfs, repos: "atlas.cern.ch", ["PILOT_RUN_CVMFS_DEGRADED": "accept"]))
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("is degraded"), "the warning is logged")
        #expect(try run.finalUpdates().first?["job_status"] as? String == "finished")
    }

    @Test("a job whose release repository is unavailable fails with 1360 and the probe's reason; the pilot goes on")
    func jobRepositoryUnavailable() throws {
        let cvmfs = try FakeCVMFS()
        defer { cvmfs.tearDown() }
        try cvmfs.mount("atlas.cern.ch")
        cvmfs.kill("atlas.cern.ch")
        let run = try RunHarness(script: "echo ran > out.dat", fields: ["swRelease": "Atlas-24.0.1"])
        let result = try run.run([], environment: environment(cvmfs, repos: ""))
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(try run.finalUpdates().first)
        #expect(final["job_status"] as? String == "failed")
        #expect(final["pilot_error_code"] as? Int == 1360, "\(final)")
        let diag = final["pilot_error_diag"] as? String ?? ""
        #expect(diag.contains("atlas.cern.ch") && diag.contains("unavailable"), "\(diag)")
        #expect(try !run.updates().contains { $0["job_status"] as? String == "running" }, "the payload never started")
    }
}
