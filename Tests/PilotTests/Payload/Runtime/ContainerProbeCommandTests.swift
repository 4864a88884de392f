import Foundation
import Testing

/// `pilot detect`'s `containers` section, and the builtin runtime as an unprivileged user.
@Suite("container runtimes as pilot detect reports them", .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"))
struct ContainerProbeCommandTests {
    /// The pilot binary where an unprivileged user can execute it.
    private static let publicBinary: String = {
        let copy = NSTemporaryDirectory() + "pilot-unprivileged-\(getpid())"
        try? FileManager.default.removeItem(atPath: copy)
        try? FileManager.default.copyItem(atPath: PilotBinary.path, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }()

    private func containers(_ result: PilotBinary.Result) throws -> [String: Any] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return try #require(json["containers"] as? [String: Any])
    }

    @Test("on this node the builtin runtime works, and auto prefers it when there is no apptainer")
    func builtinUsable() throws {
        let result = try PilotBinary.run(["detect", "--json"], environment: ["PILOT_CVMFS_REPOS": "", "PATH": "/usr/bin:/bin"])
        let report = try containers(result)
        let builtin = try #require(report["builtin"] as? [String: Any])
        #expect(builtin["usable"] as? Bool == true, "\(builtin)")
        #expect(report["preferred"] as? String == "builtin")
        let apptainer = try #require(report["apptainer"] as? [String: Any])
        #expect(apptainer["usable"] as? Bool == false)
    }

    @Test("under a filter that refuses namespaces, as a pod's RuntimeDefault profile does, the reason is named")
    func namespacesRefused() throws {
        let work = BusyboxImage.scratch("runtimedefault")
        let export = try PilotBinary.run(["seccomp", "export", "--output", work + "/filter.bpf"])
        #expect(export.status == 0, "\(export.stderr)")
        // The pilot's own default filter refuses unshare and the namespace flags of clone, like RuntimeDefault.
        let result = try LocalCommand.run(executable: PilotBinary.path, arguments: ["__seccomp-exec", work + "/filter.bpf", PilotBinary.path, "detect", "--json"],
                                          environment: ["PILOT_CVMFS_REPOS": "", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let report = try #require(json["containers"] as? [String: Any])
        let builtin = try #require(report["builtin"] as? [String: Any])
        #expect(builtin["usable"] as? Bool == false)
        let reason = builtin["reason"] as? String ?? ""
        #expect(reason.contains("unshare") && reason.contains("RuntimeDefault"), "\(reason)")
        #expect(report["preferred"] is NSNull)
    }

    @Test("an unprivileged pilot runs payloads in a user namespace as itself; its files are its own",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv (util-linux)"))
    func unprivileged() throws {
        let work = BusyboxImage.scratch("nobody")
        let result = try LocalCommand.run(executable: "/usr/bin/setpriv", arguments: [
            "--reuid=65534", "--regid=65534", "--clear-groups", Self.publicBinary, "exec", "--image", BusyboxImage.path,
            "--workdir", work, "--", "/bin/sh", "-c", "echo $$ $(id -u); touch /srv/made; touch /etc/x 2>&1 | grep -c 'Read-only'",
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": work])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "2 65534\n1\n")
        let owner = try FileManager.default.attributesOfItem(atPath: work + "/made")[.ownerAccountID] as? Int
        #expect(owner == 65534)
    }
}
