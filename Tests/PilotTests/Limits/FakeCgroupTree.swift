import Foundation
import Payload
import Synchronization

/// A cgroup tree in a temporary directory whose files act like cgroupfs where the payload cgroup
/// code depends on it: mkdir fills in control files, a PID written to `cgroup.procs` leaves every
/// other one, `cgroup.subtree_control` answers EBUSY while its cgroup holds processes (v2's no
/// internal process rule), `cgroup.kill` and kill(2) empty `cgroup.procs`, rmdir of a populated
/// cgroup is EBUSY. v1 hierarchies are the top directories named after their controllers.
/// The v2 root stands for a pod's cgroup-namespace root, which obeys the no-internal-process
/// rule (only the host's real root is exempt).
final class FakeCgroupTree: CgroupKernel {
    /// The directory standing for /sys/fs/cgroup.
    let root: String
    /// Whether the tree is unified (v2) or per-controller hierarchies (v1).
    let unified: Bool
    private let state = Mutex(State())

    private struct State {
        var killed: [Int32] = []
        var refusals: [String: CgroupError] = [:]
        var writes: [(String, String)] = []
    }

    init(unified: Bool) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-cgroup-\(UUID().uuidString)").path
        self.unified = unified
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// PIDs that got SIGKILL, in order.
    var killed: [Int32] { state.withLock { $0.killed } }
    /// Every write, in order, as (path relative to the root, text).
    var writes: [(String, String)] { state.withLock { $0.writes } }

    /// Makes the next calls on `path` (relative to the root) fail with `error`.
    func refuse(_ path: String, with error: CgroupError) {
        state.withLock { $0.refusals[root + path] = error }
    }

    /// Lays out a cgroup directory (relative to the root) with control files, as mkdir would.
    func addCgroup(_ path: String, controllers: [String] = [], procs: [Int32] = []) throws {
        try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: true)
        try populate(root + path, controllers: controllers)
        try put(root + path + "/cgroup.procs", procs.map { "\($0)\n" }.joined())
    }

    /// Writes a file directly, as the kernel would update a counter.
    func put(_ path: String, _ text: String) throws {
        let full = path.hasPrefix(root) ? path : root + path
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    /// A file's text (path relative to the root).
    func text(_ path: String) -> String? { try? String(contentsOfFile: root + path, encoding: .utf8) }

    // MARK: CgroupKernel

    func read(_ path: String) throws(CgroupError) -> String? {
        if let refusal = refusal(path) { throw refusal }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    func write(_ path: String, _ text: String) throws(CgroupError) {
        if let refusal = refusal(path) { throw refusal }
        guard FileManager.default.fileExists(atPath: path) else { throw .systemCall(call: "open", path: path, errno: ENOENT) }
        state.withLock { $0.writes.append((String(path.dropFirst(root.count)), text)) }
        let directory = (path as NSString).deletingLastPathComponent
        switch (path as NSString).lastPathComponent {
        case "cgroup.subtree_control":
            if unified, !pids(in: directory).isEmpty { throw .systemCall(call: "write", path: path, errno: EBUSY) }
            let name = String(text.dropFirst())
            let offered = CgroupFiles.controllerList((try? String(contentsOfFile: directory + "/cgroup.controllers", encoding: .utf8)) ?? "")
            guard offered.contains(name) else { throw .systemCall(call: "write", path: path, errno: ENOENT) }
            let current = CgroupFiles.controllerList(self.text(String(path.dropFirst(root.count))) ?? "")
            try? put(path, (current + [name]).joined(separator: " ") + "\n")
        case "cgroup.procs":
            guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw .systemCall(call: "write", path: path, errno: EINVAL) }
            remove(pid)
            try? put(path, pids(in: directory).map { "\($0)\n" }.joined() + "\(pid)\n")
        case "cgroup.kill":
            for pid in pids(in: directory) { kill(pid) }
        default:
            try? put(path, text)
        }
    }

    func makeDirectory(_ path: String) throws(CgroupError) {
        if let refusal = refusal(path) { throw refusal }
        guard !FileManager.default.fileExists(atPath: path) else { throw .alreadyExists(path: path) }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let parent = (path as NSString).deletingLastPathComponent
            let controllers = unified
                ? CgroupFiles.controllerList((try? String(contentsOfFile: parent + "/cgroup.subtree_control", encoding: .utf8)) ?? "")
                : String(path.dropFirst(root.count + 1).prefix { $0 != "/" }).split(separator: ",").map(String.init)
            try populate(path, controllers: controllers)
            try put(path + "/cgroup.procs", "")
        } catch {
            throw .systemCall(call: "mkdir", path: path, errno: EIO)
        }
    }

    func removeDirectory(_ path: String) throws(CgroupError) {
        if let refusal = refusal(path) { throw refusal }
        guard pids(in: path).isEmpty else { throw .systemCall(call: "rmdir", path: path, errno: EBUSY) }
        do { try FileManager.default.removeItem(atPath: path) } catch { throw .systemCall(call: "rmdir", path: path, errno: ENOENT) }
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func kill(_ pid: Int32) {
        state.withLock { $0.killed.append(pid) }
        remove(pid)
    }

    // MARK: emulation

    private func refusal(_ path: String) -> CgroupError? { state.withLock { $0.refusals[path] } }

    private func pids(in directory: String) -> [Int32] {
        CgroupFiles.processIDs((try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? "")
    }

    /// Takes a PID out of every cgroup.procs in the tree.
    private func remove(_ pid: Int32) {
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }.filter { $0.hasSuffix("cgroup.procs") } ?? []
        for file in files {
            let path = root + "/" + file
            let kept = pids(in: (path as NSString).deletingLastPathComponent).filter { $0 != pid }
            try? put(path, kept.map { "\($0)\n" }.joined())
        }
    }

    /// The control files a new cgroup gets for its controllers.
    private func populate(_ directory: String, controllers: [String]) throws {
        var files: [String: String] = [:]
        if unified {
            files = ["cgroup.controllers": controllers.joined(separator: " ") + "\n", "cgroup.subtree_control": "\n",
                     "cgroup.kill": "", "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"]
            if controllers.contains("memory") {
                files.merge(["memory.max": "max\n", "memory.swap.max": "max\n", "memory.peak": "0\n",
                             "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"]) { $1 }
            }
            if controllers.contains("pids") { files.merge(["pids.max": "max\n", "pids.peak": "0\n"]) { $1 } }
            if controllers.contains("cpu") { files["cpu.max"] = "max 100000\n" }
        } else {
            files["tasks"] = ""
            if controllers.contains("memory") {
                files.merge(["memory.limit_in_bytes": "9223372036854771712\n", "memory.memsw.limit_in_bytes": "9223372036854771712\n",
                             "memory.max_usage_in_bytes": "0\n", "memory.failcnt": "0\n",
                             "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"]) { $1 }
            }
            if controllers.contains("pids") { files.merge(["pids.max": "max\n", "pids.peak": "0\n"]) { $1 } }
            if controllers.contains("cpu") {
                files.merge(["cpu.cfs_period_us": "100000\n", "cpu.cfs_quota_us": "-1\n", "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"]) { $1 }
            }
            if controllers.contains("cpuacct") {
                files.merge(["cpuacct.usage": "0\n", "cpuacct.usage_user": "0\n", "cpuacct.usage_sys": "0\n"]) { $1 }
            }
        }
        for (name, text) in files { try put(directory + "/" + name, text) }
    }
}
