import Foundation
import Testing

/// `pilot exec` with the other image kinds and the apptainer backend (the stand-in apptainer
/// under bubblewrap on PATH, as a site's would be).
@Suite("pilot exec: image archives and the apptainer backend", .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"))
struct ExecBackendsTests {
    /// PATH with the stand-in apptainer first.
    private var standInPath: String { Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts").path + ":/usr/bin:/bin" }

    /// The static pilot runs inside any image, so the seccomp wrapper can be tested with it.
    private static let binaryIsStatic: Bool = (try? PilotBinary.run(["version"]).stdout.contains(", static)")) ?? false

    @Test("an OCI image archive is unpacked into the cache once and run from there",
          .enabled(if: TestImages.toolsPresent, TestImages.skipReason))
    func ociArchive() throws {
        let images = try TestImages.shared.get()
        let cache = BusyboxImage.scratch("cache")
        for _ in 0..<2 {
            let result = try PilotBinary.run(["exec", "--image", images.archive("oci.tar"), "--image-cache", cache, "--", "/bin/sh", "-c", "echo from-oci; cat /etc/os-release"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("from-oci\n"))
        }
        let unpacked = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/rootfs")) ?? []
        #expect(unpacked.filter { !$0.hasPrefix(".") }.count == 1, "\(unpacked)")
    }

    @Test("a hostile image archive is refused with exit 125 and a message naming the entry",
          .enabled(if: TestImages.toolsPresent, TestImages.skipReason))
    func hostileArchive() throws {
        let images = try TestImages.shared.get()
        let cache = BusyboxImage.scratch("hostile")
        let result = try PilotBinary.run(["exec", "--image", images.archive("symlink-etc.tar"), "--image-cache", cache, "--", "/bin/true"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("symlink-etc.tar"), "\(result.stderr)")
    }

    @Test("--runtime apptainer runs the payload through the node's apptainer with a clean environment",
          .enabled(if: ApptainerStandIn.isUsable, Comment(rawValue: ApptainerStandIn.skipReason ?? "")))
    func apptainerBackend() throws {
        let work = BusyboxImage.scratch("apptainer")
        let (run, result) = try BusyboxImage.execWithResult(
            ["--runtime", "apptainer", "--seccomp", "none", "--workdir", work, "--env", "JOB=7"],
            ["/bin/sh", "-c", "echo job=$JOB token=${PANDA_AUTH_TOKEN:-none}; pwd; echo out >/srv/file"],
            environment: ["PATH": standInPath, "PANDA_AUTH_TOKEN": "secret"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "job=7 token=none\n/srv\n")
        #expect(result["runtime"] as? String == "apptainer")
        #expect(FileManager.default.fileExists(atPath: work + "/file"))
    }

    @Test("auto picks apptainer where the node has it, and the builtin runtime where it does not",
          .enabled(if: ApptainerStandIn.isUsable, Comment(rawValue: ApptainerStandIn.skipReason ?? "")))
    func autoChoice() throws {
        let with = try BusyboxImage.execWithResult(["--seccomp", "none"], ["/bin/true"], environment: ["PATH": standInPath]).1
        #expect(with["runtime"] as? String == "apptainer")
        let without = try BusyboxImage.execWithResult(["--seccomp", "none"], ["/bin/true"], environment: ["PATH": "/usr/bin:/bin"]).1
        #expect(without["runtime"] as? String == "builtin")
    }

    @Test("under apptainer the default filter is loaded inside by the static pilot's __seccomp-exec",
          .enabled(if: ApptainerStandIn.isUsable && binaryIsStatic, "needs the stand-in apptainer and a static pilot (PILOT_BINARY=dist/pilot)"))
    func apptainerSeccomp() throws {
        let result = try PilotBinary.run(["exec", "--image", BusyboxImage.path, "--runtime", "apptainer", "--", "/bin/sh", "-c",
                                          "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; unshare -U true 2>/dev/null && echo nested-ok || echo nested-denied"],
                                         environment: ["PATH": standInPath])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("NoNewPrivs:\t1\nSeccomp:\t2\n"), "\(result.stdout)")
        // The same payload without the filter may make a user namespace (the stand-in's bwrap allows it).
        #expect(result.stdout.hasSuffix("nested-denied\n"), "\(result.stdout)")
        let open = try PilotBinary.run(["exec", "--image", BusyboxImage.path, "--runtime", "apptainer", "--seccomp", "none", "--",
                                        "/bin/sh", "-c", "unshare -U true 2>/dev/null && echo nested-ok || echo nested-denied"],
                                       environment: ["PATH": standInPath])
        #expect(open.stdout == "nested-ok\n", "\(open.stdout) \(open.stderr)")
    }
}
