import Foundation
import Testing
@testable import Pilot

/// `pilot cvmfs probe` and `detect` against real FUSE mounts of the CVMFS double (fake-cvmfs.py):
/// every failure mode of CVMFS.md §4, produced for real, judged by the built binary.
@Suite("pilot cvmfs probe against FUSE mounts", .serialized,
       .enabled(if: FakeCVMFS.isUsable, "needs root, /dev/fuse, fusermount3 and python3-fusepy: \(FakeCVMFS.skipReason)"))
struct CVMFSProbeCommandTests {
    static let repos = CVMFSRepository.atlasDefaults

    /// Runs the probe; the timeout is generous except where a hang is the point, so a loaded CI
    /// machine cannot turn a slow first access into a false "hung".
    private func probe(_ cvmfs: FakeCVMFS, _ extra: [String] = [], timeout: String = "20",
                       environment: [String: String?] = [:])
        throws -> (PilotBinary.Result, [String: Any], [String: [String: Any]]) {
        let (result, json) = try PilotBinary.json(
            ["cvmfs", "probe", "--json", "--cvmfs-root", cvmfs.root, "--timeout", timeout] + extra, environment: environment)
        var byName: [String: [String: Any]] = [:]
        for repo in json["repos"] as? [[String: Any]] ?? [] {
            if let name = repo["name"] as? String { byName[name] = repo }
        }
        return (result, json, byName)
    }

    @Test("four healthy repositories are ok, with revision, expiry and freshness; exit 0")
    func healthy() throws {
        let cvmfs = try FakeCVMFS()
        for (offset, name) in Self.repos.enumerated() { try cvmfs.mount(name, revision: 100 + offset, expires: 5) }
        let (result, json, repos) = try probe(cvmfs)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(json["status"] as? String == "ok")
        #expect(repos.count == 4)
        #expect(repos["atlas.cern.ch"]?["revision"] as? Int == 100)
        #expect(repos["sft.cern.ch"]?["revision"] as? Int == 103)
        #expect(repos["atlas.cern.ch"]?["expires_minutes"] as? Int == 5)
        #expect((repos["atlas.cern.ch"]?["age_seconds"] as? Int).map { $0 >= 0 && $0 < 600 } == true)
        #expect((repos["unpacked.cern.ch"]?["mount"] as? [String: Any])?["source"] as? String == "cvmfs2")
    }

    @Test("a hung repository costs one timeout: four probed, one stopped, answer within the timeout and the kill's reaping")
    func hung() throws {
        let cvmfs = try FakeCVMFS()
        for name in Self.repos { try cvmfs.mount(name) }
        try cvmfs.stop("sft.cern.ch")
        let start = Date()
        let (result, _, repos) = try probe(cvmfs, timeout: "3")
        let elapsed = Date().timeIntervalSince(start)
        // The hung probe is killed at 3 s and reaped within 2 s more (DeadlineRunner's bound),
        // pilot start-up on a busy machine included; a probe that waited for the stuck mount
        // would take until `resume`, which comes after.
        #expect(elapsed >= 2.9 && elapsed < 6.5, "took \(elapsed) s for a 3 s timeout")
        #expect(result.status == 69)
        #expect(repos["sft.cern.ch"]?["status"] as? String == "unavailable")
        #expect((repos["sft.cern.ch"]?["reason"] as? String)?.hasPrefix("no answer from") == true)
        #expect((repos["sft.cern.ch"]?["remedy"] as? String)?.contains("cvmfs2 is stuck") == true)
        #expect(repos["atlas.cern.ch"]?["status"] as? String == "ok")
        try cvmfs.resume("sft.cern.ch")
    }

    @Test("a dead daemon (ENOTCONN), a propagation loop (ELOOP), a plain directory, another repository")
    func unavailable() throws {
        let cvmfs = try FakeCVMFS()
        try cvmfs.mount("atlas.cern.ch")
        cvmfs.kill("atlas.cern.ch")
        try cvmfs.loop("atlas-condb.cern.ch")
        try cvmfs.plainDirectory("unpacked.cern.ch", lastUpdate: Date())
        try cvmfs.mount("sft.cern.ch", wrongFQRN: "sft-nightlies.cern.ch")
        let (result, _, repos) = try probe(cvmfs)
        #expect(result.status == 69)
        for name in Self.repos { #expect(repos[name]?["status"] as? String == "unavailable", "\(name)") }
        #expect((repos["atlas.cern.ch"]?["reason"] as? String)?.contains("ENOTCONN") == true)
        #expect((repos["atlas.cern.ch"]?["remedy"] as? String)?.contains("restart the pod") == true)
        #expect((repos["atlas-condb.cern.ch"]?["reason"] as? String)?.contains("ELOOP") == true)
        #expect((repos["atlas-condb.cern.ch"]?["remedy"] as? String)?.contains("HostToContainer") == true)
        #expect((repos["unpacked.cern.ch"]?["reason"] as? String)?.contains("is not a mount point") == true)
        #expect((repos["sft.cern.ch"]?["reason"] as? String)?.contains("serves repository sft-nightlies.cern.ch") == true)
    }

    @Test("hidden xattrs, I/O errors and stale content are degraded; exit 75")
    func degraded() throws {
        let cvmfs = try FakeCVMFS()
        try cvmfs.mount("atlas.cern.ch", hideXattrs: true)
        try cvmfs.mount("sft.cern.ch", extraArguments: ["--nioerr", "3"])
        try cvmfs.mount("unpacked.cern.ch", lastUpdate: Date().addingTimeInterval(-5 * 86400))
        let (result, json, repos) = try probe(cvmfs, ["atlas.cern.ch", "sft.cern.ch", "unpacked.cern.ch"])
        #expect(result.status == 75, "\(result.stdout)")
        #expect(json["status"] as? String == "degraded")
        #expect((repos["atlas.cern.ch"]?["reason"] as? String)?.contains("magic xattrs unreadable (ENODATA)") == true)
        #expect(repos["atlas.cern.ch"]?["revision"] is NSNull)
        #expect(repos["sft.cern.ch"]?["reason"] as? String == "3 I/O errors since mount")
        #expect((repos["unpacked.cern.ch"]?["reason"] as? String)?.hasPrefix("content is stale: last update 120 h ago") == true)
    }

    @Test("--mount mounts missing repositories with mount.cvmfs, and says why when it cannot")
    func mount() throws {
        let cvmfs = try FakeCVMFS()
        let bin = cvmfs.directory + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // The mount helper sees only PATH, HOME, LANG and CVMFS_*: a wrapper carries the state dir.
        let wrapper = bin + "/mount.cvmfs"
        try "#!/bin/sh\nFAKE_CVMFS_STATE='\(cvmfs.stateDirectory)' exec '\(FakeCVMFS.mountHelper)' \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        try "sft.cern.ch\n".write(toFile: cvmfs.stateDirectory + "/refuse", atomically: true, encoding: .utf8)

        let path = bin + ":/usr/bin:/bin"
        let (result, _, repos) = try probe(cvmfs, ["--mount", "atlas.cern.ch", "sft.cern.ch"], environment: ["PATH": path])
        #expect(repos["atlas.cern.ch"]?["status"] as? String == "ok", "\(repos["atlas.cern.ch"] ?? [:])")
        #expect(repos["sft.cern.ch"]?["status"] as? String == "unavailable")
        #expect((repos["sft.cern.ch"]?["reason"] as? String)?.contains("mount failed: mount.cvmfs exited 32: mount.cvmfs: sft.cern.ch is not configured") == true)
        #expect(result.status == 69)

        let (_, _, none) = try probe(cvmfs, ["--mount", "unpacked.cern.ch"], environment: ["PATH": "/usr/bin:/bin"])
        #expect((none["unpacked.cern.ch"]?["reason"] as? String)?.contains("no mount.cvmfs on this node") == true)

        // A configured command (as a cvmfsexec mountrepo wrapper would be) is used instead.
        let (configured, _, viaCommand) = try probe(
            cvmfs, ["--mount", "unpacked.cern.ch"],
            environment: ["PATH": "/usr/bin:/bin", "PILOT_CVMFS_MOUNT_COMMAND": wrapper])
        #expect(viaCommand["unpacked.cern.ch"]?["status"] as? String == "ok", "\(viaCommand)")
        #expect(configured.status == 0)
    }

    @Test("detect carries the CVMFS verdicts")
    func detect() throws {
        let cvmfs = try FakeCVMFS()
        try cvmfs.mount("atlas.cern.ch")
        let (result, json) = try PilotBinary.json(
            ["detect", "--json", "--nvidia-smi", "/nonexistent"],
            environment: ["PILOT_CVMFS_ROOT": cvmfs.root, "PILOT_CVMFS_REPOS": "atlas.cern.ch,sft.cern.ch"])
        #expect(result.status == 0)
        let summary = try #require(json["cvmfs"] as? [String: Any])
        #expect(summary["status"] as? String == "unavailable")
        let repos = try #require(summary["repos"] as? [[String: Any]])
        #expect(repos.map { $0["status"] as? String } == ["ok", "unavailable"])
    }
}
