#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One payload's cgroup, made by `PayloadCgroupFactory`: where the payload joins, what it used,
/// and its removal.
///
/// Lifecycle: the runtime's C code writes "0" into every `joinFiles` entry in the child before
/// it unshares and execs; after the payload ends the caller reads `usage()` and then calls
/// `tearDown()`, which kills what is left and removes the directories.
public struct PayloadCgroup: Sendable {
    /// v1 or v2.
    public let version: CgroupVersion
    /// The cgroup directories made, one per v1 hierarchy or the one v2 cgroup, with the
    /// controllers each serves.
    public let directories: [Directory]
    /// Limits asked for that no controller enforces here, e.g. `pids (no pids controller)`.
    public let unenforcedLimits: [String]
    let kernel: any CgroupKernel

    /// One cgroup directory and the controllers it serves.
    public struct Directory: Sendable, Equatable {
        /// The directory, e.g. `/sys/fs/cgroup/memory/…/payload-1`.
        public var path: String
        /// Its controllers (v1: the hierarchy's; v2: those enabled for it).
        public var controllers: [String]

        public init(path: String, controllers: [String]) {
            self.path = path
            self.controllers = controllers
        }
    }

    public init(version: CgroupVersion, directories: [Directory], unenforcedLimits: [String], kernel: any CgroupKernel) {
        self.version = version
        self.directories = directories
        self.unenforcedLimits = unenforcedLimits
        self.kernel = kernel
    }

    /// The files a process writes its PID (or "0", itself) into to join: `cgroup.procs` of
    /// every directory, which moves the whole thread group (v1's `tasks` would move one thread).
    public var joinFiles: [String] { directories.map { $0.path + "/cgroup.procs" } }

    /// The directory serving a controller.
    public func directory(for controller: String) -> String? {
        directories.first { $0.controllers.contains(controller) }?.path
    }

    /// The processes in the cgroup now, every directory together.
    public func processes() throws(CgroupError) -> [Int32] {
        var pids: [Int32] = []
        for directory in directories {
            let text = try kernel.read(directory.path + "/cgroup.procs") ?? ""
            pids += CgroupFiles.processIDs(text).filter { !pids.contains($0) }
        }
        return pids
    }

    /// What the payload's tree used; read it before `tearDown()`, which removes the files.
    public func usage() throws(CgroupError) -> CgroupUsage {
        var files: [String: String] = [:]
        switch version {
        case .v2:
            guard let directory = directories.first?.path else { return CgroupUsage() }
            for name in CgroupUsage.v2Files {
                files[name] = try kernel.read(directory + "/" + name)
            }
            return CgroupUsage(v2: files)
        case .v1:
            for (controller, names) in CgroupUsage.v1Files {
                guard let directory = directory(for: controller) else { continue }
                for name in names { files[name] = try kernel.read(directory + "/" + name) }
            }
            return CgroupUsage(v1: files)
        }
    }

    /// Kills every process left in the cgroup and removes its directories.
    ///
    /// v2 writes `cgroup.kill` where the kernel has it (5.14+); otherwise, and on v1, every
    /// PID in `cgroup.procs` gets SIGKILL, round after round until none is left (a forking
    /// payload adds PIDs while it is being killed). The pilot's own PID is never signalled.
    /// rmdir is retried while the kernel still counts exiting tasks (EBUSY).
    public func tearDown(timeout: Duration = .seconds(10)) throws(CgroupError) {
        let deadline = ContinuousClock.now + timeout
        if version == .v2 {
            for directory in directories where kernel.exists(directory.path + "/cgroup.kill") {
                try kernel.write(directory.path + "/cgroup.kill", "1")
            }
        }
        let own = getpid()
        while true {
            let pids = try processes()
            if pids.isEmpty { break }
            if ContinuousClock.now > deadline {
                throw .stillPopulated(path: directories.first?.path ?? "", pids: pids)
            }
            for pid in pids where pid != own { kernel.kill(pid) }
            usleep(10_000)
        }
        for directory in directories where kernel.exists(directory.path) {
            while true {
                do throws(CgroupError) {
                    try kernel.removeDirectory(directory.path)
                    break
                } catch {
                    guard error.errno == EBUSY, ContinuousClock.now < deadline else { throw error }
                    usleep(10_000)
                }
            }
        }
    }
}

/// The cgroup generation a payload cgroup lives in.
public enum CgroupVersion: String, Sendable, Equatable {
    /// Per-controller hierarchies (`/sys/fs/cgroup/memory/…`).
    case v1
    /// The unified hierarchy.
    case v2
}
