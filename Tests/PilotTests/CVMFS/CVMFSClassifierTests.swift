import Foundation
import Testing
@testable import Pilot

@Suite("CVMFS verdicts from observations")
struct CVMFSClassifierTests {
    static let now = 1_710_800_000
    let classifier = CVMFSClassifier(now: now, maxAge: 48 * 3600)
    let atlas = try! CVMFSRepository(name: "atlas.cern.ch")
    let path = "/cvmfs/atlas.cern.ch"
    let cvmfsMount = MountInfo.Entry(root: "/", mountPoint: "/cvmfs/atlas.cern.ch", options: ["ro", "nosuid"],
                                     fsType: "fuse", source: "cvmfs2", superOptions: ["ro", "allow_other"])

    /// What a healthy mount answers; `change` edits it for each case.
    func healthy(_ change: (inout CVMFSObservation) -> Void = { _ in }) -> CVMFSProbeOutcome {
        var seen = CVMFSObservation(
            listing: .ok("3"), statfs: .ok("0x65735546"),
            xattrs: ["user.fqrn": .ok("atlas.cern.ch"), "user.revision": .ok("13972"), "user.expires": .ok("3"),
                     "user.nioerr": .ok("0"), "user.host": .ok("http://s1.example/cvmfs/atlas.cern.ch"),
                     "user.proxy": .ok("DIRECT"), "user.version": .ok("2.11.5.0")],
            files: ["repo/ATLASLocalRootBase/logDir/lastUpdate":
                        .ok("2024-03-18 19:43:47 | lxcvmfs145.cern.ch | \(Self.now - 3600)\n")])
        change(&seen)
        return .observed(seen)
    }

    @Test("a healthy repository is ok, with its revision, expiry and age")
    func ok() {
        let report = classifier.classify(atlas, path: path, mount: cvmfsMount, outcome: healthy())
        #expect(report.status == .ok)
        #expect(report.reason == nil && report.remedy == nil)
        #expect(report.revision == 13972)
        #expect(report.expiresMinutes == 3)
        #expect(report.proxy == "DIRECT")
        #expect(report.lastUpdate == Self.now - 3600)
        #expect(report.ageSeconds == 3600)
        #expect(report.mount?.source == "cvmfs2")
    }

    @Test("access errors are unavailable, named by errno, with the matching remedy", arguments: [
        (ELOOP, "ELOOP", "mountPropagation: HostToContainer"),
        (ENOTCONN, "ENOTCONN", "CSI node plugin restarted"),
        (ENOENT, "ENOENT", "--mount"),
        (EIO, "EIO", "CVMFS_HTTP_PROXY"),
    ])
    func accessErrors(code: Int32, name: String, remedy: String) {
        let report = classifier.classify(atlas, path: path, mount: cvmfsMount, outcome: healthy { $0.listing = .failed(code) })
        #expect(report.status == .unavailable)
        #expect(report.reason?.contains("cannot list /cvmfs/atlas.cern.ch: \(name) (") == true)
        #expect(report.remedy?.contains(remedy) == true)
    }

    @Test("a hung probe is unavailable and says cvmfs2 is stuck")
    func timedOut() {
        let report = classifier.classify(atlas, path: path, mount: cvmfsMount, outcome: .timedOut(seconds: 2))
        #expect(report.status == .unavailable)
        #expect(report.reason == "no answer from /cvmfs/atlas.cern.ch within 2 s")
        #expect(report.remedy?.contains("cvmfs2 is stuck") == true)
    }

    @Test("a directory that is not a CVMFS mount is unavailable")
    func notCVMFS() {
        let plain = classifier.classify(atlas, path: path, mount: nil, outcome: healthy())
        #expect(plain.status == .unavailable)
        #expect(plain.reason?.contains("is not a mount point") == true)
        var squash = cvmfsMount
        squash.fsType = "fuse.squashfuse"
        squash.source = "squashfuse"
        let other = classifier.classify(atlas, path: path, mount: squash, outcome: healthy())
        #expect(other.reason == "/cvmfs/atlas.cern.ch is a fuse.squashfuse mount of squashfuse, not CVMFS")
    }

    @Test("a mount serving another repository is unavailable")
    func wrongRepository() {
        let report = classifier.classify(atlas, path: path, mount: cvmfsMount,
                                         outcome: healthy { $0.xattrs["user.fqrn"] = .ok("sft.cern.ch") })
        #expect(report.status == .unavailable)
        #expect(report.reason == "/cvmfs/atlas.cern.ch serves repository sft.cern.ch, not atlas.cern.ch")
    }

    @Test("hidden xattrs, I/O errors, an expired catalogue and stale content are degraded")
    func degraded() {
        let hidden = classifier.classify(atlas, path: path, mount: cvmfsMount, outcome: healthy { seen in
            for name in seen.xattrs.keys { seen.xattrs[name] = .failed(ENODATA) }
        })
        #expect(hidden.status == .degraded)
        #expect(hidden.reason?.contains("magic xattrs unreadable (ENODATA)") == true)
        #expect(hidden.revision == nil)

        let errors = classifier.classify(atlas, path: path, mount: cvmfsMount,
                                         outcome: healthy { $0.xattrs["user.nioerr"] = .ok("7") })
        #expect(errors.status == .degraded && errors.reason == "7 I/O errors since mount")

        let expired = classifier.classify(atlas, path: path, mount: cvmfsMount,
                                          outcome: healthy { $0.xattrs["user.expires"] = .ok("-5") })
        #expect(expired.status == .degraded && expired.reason?.contains("root catalogue expired") == true)

        let stale = classifier.classify(atlas, path: path, mount: cvmfsMount, outcome: healthy {
            $0.files["repo/ATLASLocalRootBase/logDir/lastUpdate"] = .ok("x | y | \(Self.now - 72 * 3600)")
        })
        #expect(stale.status == .degraded)
        #expect(stale.reason == "content is stale: last update 72 h ago (limit 48 h)")

        let unreadable = classifier.classify(atlas, path: path, mount: cvmfsMount, outcome: healthy {
            $0.files["repo/ATLASLocalRootBase/logDir/lastUpdate"] = .failed(EIO)
        })
        #expect(unreadable.status == .degraded)
        #expect(unreadable.reason?.hasPrefix("cannot read repo/ATLASLocalRootBase/logDir/lastUpdate: EIO") == true)
    }

    @Test("lastUpdate stamps: the third field", arguments: [
        ("2024-03-18 19:43:47 | lxcvmfs145.cern.ch | 1710787427\n", 1_710_787_427 as Int?),
        ("2024-03-18 19:43:47|h|1710787427", 1_710_787_427), ("garbage", nil), ("a | b | c", nil),
    ])
    func lastUpdate(text: String, stamp: Int?) {
        #expect(LastUpdateStamp.parse(text) == stamp)
    }

    @Test("repository names must be DNS-like and cannot escape /cvmfs", arguments: [
        ("atlas.cern.ch", true), ("software.eessi.io", true), ("../etc", false), ("atlas", false),
        ("a/b.ch", false), ("", false), (".hidden.ch", false), ("UPPER.ch", false),
    ])
    func names(name: String, valid: Bool) {
        #expect(((try? CVMFSRepository(name: name)) != nil) == valid)
    }

    @Test("the summary's status and exit code follow the worst repository")
    func summary() {
        var ok = CVMFSRepoReport(name: "a.ch", path: "/cvmfs/a.ch", status: .ok)
        var summary = CVMFSSummary(cvmfsRoot: "/cvmfs", repos: [ok])
        #expect(summary.exitCode == .success)
        ok.status = .degraded
        summary.repos.append(ok)
        #expect(summary.exitCode == .degraded)
        ok.status = .unavailable
        summary.repos.append(ok)
        #expect(summary.status == .unavailable && summary.exitCode == .unavailable)
    }

    @Test("a captured revision value (attr -g revision) is read as the report's revision")
    func capturedRevision() throws {
        // `attr -g` prints a header line, then exactly the bytes getxattr returns.
        let captured = try Fixtures.text("cvmfs_attr_g_revision_software.eessi.io_eessicli.txt")
        let value = try #require(captured.split(separator: "\n").last.map(String.init))
        let eessi = try CVMFSRepository(name: "software.eessi.io")
        var mount = cvmfsMount
        mount.mountPoint = "/cvmfs/software.eessi.io"
        let report = classifier.classify(eessi, path: "/cvmfs/software.eessi.io", mount: mount, outcome: healthy {
            $0.xattrs["user.fqrn"] = .ok("software.eessi.io")
            $0.xattrs["user.revision"] = .ok(value)
        })
        #expect(report.status == .ok)
        #expect(report.revision == 13972)
    }
}
