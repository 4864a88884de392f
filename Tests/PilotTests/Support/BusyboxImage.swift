import Foundation

/// A busybox-static root file system built once per test run by Scripts/make-busybox-rootfs.sh:
/// the image the payload runtime's tests run in.
enum BusyboxImage {
    /// Why the container tests cannot run here, or nil when they can (root, busybox-static).
    static let unavailable: String? = {
        if getuid() != 0 { return "needs root to make namespaces without a user-namespace helper" }
        if !FileManager.default.fileExists(atPath: "/bin/busybox") { return "busybox-static is not installed" }
        return nil
    }()

    /// The image directory (world-readable, so unprivileged runs can use it too).
    static let path: String = {
        let dir = NSTemporaryDirectory() + "pilot-busybox-\(getpid())"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/make-busybox-rootfs.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, dir]
        try? process.run()
        process.waitUntilExit()
        chmod(dir, 0o755)
        removeAtExit = dir
        atexit { if let dir = BusyboxImage.removeAtExit { try? FileManager.default.removeItem(atPath: dir) } }
        return dir
    }()

    // nonisolated(unsafe): written once inside `path`'s one-time initializer, read only at exit.
    nonisolated(unsafe) private static var removeAtExit: String?

    /// Whether the payload's cgroup can be made here (root on cgroup v1, or a delegated v2).
    static let cgroupsUsable: Bool = getuid() == 0
        && (FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes")
            || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.subtree_control"))

    /// Runs `pilot exec --result` and returns the run and the decoded result.
    static func execWithResult(_ options: [String], _ command: [String], environment: [String: String?] = [:]) throws -> (PilotBinary.Result, [String: Any]) {
        let work = scratch("result")
        let run = try PilotBinary.run(["exec", "--image", path, "--result", work + "/result.json"] + options + ["--"] + command, environment: environment)
        let data = (try? Data(contentsOf: URL(fileURLWithPath: work + "/result.json"))) ?? Data("{}".utf8)
        return (run, (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    /// A fresh directory for one test's work dir, writable by everyone (unprivileged runs).
    static func scratch(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "pilot-exec-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o777)
        return dir
    }

    /// Binds that put the host's programs (python3, strace, util-linux) inside, read-only.
    static let hostPrograms = ["--bind", "/usr:/usr:ro", "--bind", "/lib:/lib:ro", "--bind", "/lib64:/lib64:ro"]
}
