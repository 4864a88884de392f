import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A temporary `/cvmfs` whose repositories are real FUSE mounts served by
/// `Scripts/fake-cvmfs.py` (CVMFS.md §6): `fuse cvmfs2 ro` in mountinfo, the magic `user.*`
/// xattrs, and the failure modes of §4 (ENOTCONN, hang, ELOOP, EIO) on demand.
///
/// Needs root, `/dev/fuse` and python3-fusepy; gate tests on `isUsable`. Everything it mounts
/// or starts is undone by `tearDown()`, which `deinit` calls, so a failing test leaves no mount
/// and no stopped daemon behind. The daemons also watch this process and unmount themselves
/// when it dies.
final class FakeCVMFS {
    /// What went wrong while setting a repository up or changing it.
    enum Failure: Error, CustomStringConvertible {
        case alreadyMounted(String)
        case notRunning(String)
        case daemonExited(String, status: Int32, log: String)
        case timedOut(String, what: String, log: String)

        var description: String {
            switch self {
            case .alreadyMounted(let fqrn): "fake cvmfs: \(fqrn) is already mounted"
            case .notRunning(let fqrn): "fake cvmfs: no daemon runs for \(fqrn)"
            case .daemonExited(let fqrn, let status, let log): "fake cvmfs: daemon for \(fqrn) exited \(status): \(log)"
            case .timedOut(let fqrn, let what, let log): "fake cvmfs: timed out waiting for \(fqrn) to \(what): \(log)"
            }
        }
    }

    /// The folder of the test scripts.
    static let scripts = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts")
    /// The FUSE daemon.
    static let daemonScript = scripts.appendingPathComponent("fake-cvmfs.py").path
    /// The `mount.cvmfs` stand-in.
    static let mountHelper = scripts.appendingPathComponent("mount.cvmfs").path
    /// The Python with `fusepy`; pyenv's python on PATH lacks it.
    static let python = "/usr/bin/python3"
    /// The Stratum-0 host named in the `lastUpdate` files.
    static let lastUpdateHost = "lxcvmfs145.cern.ch"

    /// Paths inside each repository that ATLAS checks (CVMFS.md §3); a trailing `/` marks a
    /// directory, anything else is a `lastUpdate` file. Other repositories get `lastUpdate`.
    static let freshnessPaths: [String: [String]] = [
        "atlas.cern.ch": ["repo/sw/", "repo/ATLASLocalRootBase/logDir/lastUpdate"],
        "atlas-condb.cern.ch": ["repo/conditions/logDir/lastUpdate"],
        "atlas-nightlies.cern.ch": ["repo/sw/logs/lastUpdate"],
        "sft.cern.ch": ["lcg/lastUpdate"],
        "sft-nightlies.cern.ch": ["lcg/lastUpdate"],
        "unpacked.cern.ch": ["logDir/lastUpdate"],
    ]

    /// The temporary directory holding everything (symlinks resolved, as mountinfo shows it).
    let directory: String
    /// The directory standing for `/cvmfs`: pass it as `--cvmfs-root`.
    let root: String
    /// `$FAKE_CVMFS_STATE` for `runMountHelper`.
    let stateDirectory: String

    private var daemons: [String: Process] = [:]
    private var stopped: Set<String> = []
    private var tornDown = false

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-cvmfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base.resolvingSymlinksInPath().path
        root = directory + "/cvmfs"
        stateDirectory = directory + "/state"
        for sub in [root, stateDirectory, directory + "/backing", directory + "/run"] {
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        }
    }

    deinit { tearDown() }

    // MARK: - Paths

    /// `<root>/<fqrn>`, the repository's mount point.
    func path(_ fqrn: String) -> String { root + "/" + fqrn }

    /// The backing tree served at `path(fqrn)`; files written here show through the mount.
    func backing(_ fqrn: String) -> String { directory + "/backing/" + fqrn }

    /// The daemon's stdout and stderr.
    func log(_ fqrn: String) -> String {
        (try? String(contentsOfFile: directory + "/run/\(fqrn).log", encoding: .utf8)) ?? ""
    }

    /// Writes `text` at `relativePath` in the repository's backing tree.
    func writeBacking(_ fqrn: String, _ relativePath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: backing(fqrn)).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// A `lastUpdate` line: `2024-03-18 19:43:47 | lxcvmfs145.cern.ch | 1710787427`. The date is
    /// CERN's local time (that example is 18:43:47 UTC); only the epoch field is meant to be read.
    static func lastUpdateLine(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Zurich") ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return "\(formatter.string(from: date)) | \(lastUpdateHost) | \(Int(date.timeIntervalSince1970))\n"
    }

    /// Lays out the repository's freshness paths in its backing tree, stamped `date`.
    func writeFreshnessFiles(_ fqrn: String, date: Date) throws {
        try FileManager.default.createDirectory(atPath: backing(fqrn), withIntermediateDirectories: true)
        for path in Self.freshnessPaths[fqrn] ?? ["lastUpdate"] {
            if path.hasSuffix("/") {
                try FileManager.default.createDirectory(
                    atPath: backing(fqrn) + "/" + path, withIntermediateDirectories: true)
            } else {
                try writeBacking(fqrn, path, Self.lastUpdateLine(date))
            }
        }
    }

    // MARK: - Repositories

    /// Mounts a fake `fqrn` at `path(fqrn)` and returns once mountinfo shows it.
    ///
    /// `wrongFQRN` is what `user.fqrn` answers instead of `fqrn`; `lastUpdate` nil leaves the
    /// backing tree without freshness files; `extraArguments` go to fake-cvmfs.py
    /// (`--host`, `--proxy`, `--nioerr`, …).
    func mount(
        _ fqrn: String, revision: Int = 42, expires: Int = 60, hideXattrs: Bool = false, eio: Bool = false,
        lastUpdate: Date? = Date(), wrongFQRN: String? = nil, extraArguments: [String] = []
    ) throws {
        let mountPoint = path(fqrn)
        if daemonPID(fqrn) != nil || Self.mountInfoLine(mountPoint) != nil { throw Failure.alreadyMounted(fqrn) }
        removeIfSymlink(mountPoint)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: backing(fqrn), withIntermediateDirectories: true)
        if let lastUpdate { try writeFreshnessFiles(fqrn, date: lastUpdate) }

        let ready = directory + "/run/\(fqrn).ready"
        try? FileManager.default.removeItem(atPath: ready)
        let logPath = directory + "/run/\(fqrn).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }

        var arguments = [
            Self.daemonScript, "--backing", backing(fqrn), "--mountpoint", mountPoint,
            "--fqrn", wrongFQRN ?? fqrn, "--revision", String(revision), "--expires", String(expires),
            "--ready-file", ready, "--watch-pid", String(getpid()),
        ]
        if hideXattrs { arguments.append("--hide-xattrs") }
        if eio { arguments.append("--eio") }
        arguments += extraArguments

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        daemons[fqrn] = process

        let deadline = Date().addingTimeInterval(10)
        while !(FileManager.default.fileExists(atPath: ready) && Self.mountInfoLine(mountPoint) != nil) {
            if !process.isRunning {
                process.waitUntilExit()
                daemons[fqrn] = nil
                throw Failure.daemonExited(fqrn, status: process.terminationStatus, log: self.log(fqrn))
            }
            if Date() > deadline {
                kill(fqrn)
                throw Failure.timedOut(fqrn, what: "mount", log: self.log(fqrn))
            }
            usleep(10_000)
        }
    }

    /// Unmounts `fqrn`: a running daemon gets SIGTERM, unmounts and exits; a killed one's
    /// corpse is detached.
    func unmount(_ fqrn: String) throws {
        guard let process = daemons[fqrn] else { throw Failure.notRunning(fqrn) }
        if stopped.contains(fqrn) { try resume(fqrn) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        daemons[fqrn] = nil
        if Self.mountInfoLine(path(fqrn)) != nil { detach(path(fqrn)) }
    }

    /// The pid of the daemon serving `fqrn` (what `user.pid` answers), while it runs.
    func daemonPID(_ fqrn: String) -> pid_t? {
        guard let process = daemons[fqrn], process.isRunning else { return nil }
        return process.processIdentifier
    }

    /// SIGKILLs the daemon: the mount stays as a corpse that answers ENOTCONN (a CSI node
    /// plugin restart).
    func kill(_ fqrn: String) {
        guard let process = daemons[fqrn] else { return }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        stopped.remove(fqrn)
    }

    /// SIGSTOPs the daemon: every access below `path(fqrn)` blocks until `resume`, as with a
    /// stuck cvmfs2. Touch the mount only from a killable child meanwhile.
    func stop(_ fqrn: String) throws {
        guard let pid = daemonPID(fqrn) else { throw Failure.notRunning(fqrn) }
        Glibc.kill(pid, SIGSTOP)
        stopped.insert(fqrn)
        try waitFor(fqrn, "stop") { Self.threadStates(pid).allSatisfy { $0 == "T" } }
    }

    /// SIGCONTs a stopped daemon.
    func resume(_ fqrn: String) throws {
        guard let pid = daemonPID(fqrn) else { throw Failure.notRunning(fqrn) }
        Glibc.kill(pid, SIGCONT)
        stopped.remove(fqrn)
        try waitFor(fqrn, "resume") { !Self.threadStates(pid).contains("T") }
    }

    /// Makes `path(fqrn)` a symlink to itself, so any access fails with ELOOP (an autofs
    /// `/cvmfs` without mount propagation).
    func loop(_ fqrn: String) throws {
        try clearMountPoint(fqrn)
        try FileManager.default.createSymbolicLink(atPath: path(fqrn), withDestinationPath: fqrn)
    }

    /// Makes `path(fqrn)` an ordinary directory, not a mount; with `lastUpdate` it holds the
    /// freshness files too (content that is there without CVMFS).
    func plainDirectory(_ fqrn: String, lastUpdate: Date? = nil) throws {
        try clearMountPoint(fqrn)
        try FileManager.default.createDirectory(atPath: path(fqrn), withIntermediateDirectories: true)
        if let lastUpdate {
            for relative in Self.freshnessPaths[fqrn] ?? ["lastUpdate"] {
                let target = path(fqrn) + "/" + relative
                if relative.hasSuffix("/") {
                    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                } else {
                    try FileManager.default.createDirectory(
                        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try Self.lastUpdateLine(lastUpdate).write(toFile: target, atomically: true, encoding: .utf8)
                }
            }
        }
    }

    /// Runs `Scripts/mount.cvmfs REPO DIR` (default `path(repo)`) with `$FAKE_CVMFS_STATE` set
    /// to `stateDirectory`; `refuse` lists repositories it must treat as not configured.
    /// Mounts it makes are undone by `tearDown()` like the others.
    func runMountHelper(_ repo: String, at dir: String? = nil, refuse: [String] = []) throws -> (status: Int32, stderr: String) {
        if !refuse.isEmpty {
            try (refuse.joined(separator: "\n") + "\n").write(
                toFile: stateDirectory + "/refuse", atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.mountHelper)
        process.arguments = [repo, dir ?? path(repo)]
        var environment = ProcessInfo.processInfo.environment
        environment["FAKE_CVMFS_STATE"] = stateDirectory
        // Like the harness's own daemons, these unmount themselves if the test process dies.
        environment["FAKE_CVMFS_ARGS"] = "--watch-pid \(getpid())"
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: - Teardown

    /// Resumes stopped daemons, detaches every mount under `directory`, kills every daemon
    /// (its own and `mount.cvmfs`'s) and removes the tree. Safe to call twice.
    func tearDown() {
        guard !tornDown else { return }
        tornDown = true
        for fqrn in stopped {
            if let pid = daemons[fqrn]?.processIdentifier { Glibc.kill(pid, SIGCONT) }
        }
        stopped.removeAll()
        // Detach first: a lazy unmount needs nothing from the daemon, and afterwards no
        // access can block on it.
        for mountPoint in mountPointsBelow(directory) { detach(mountPoint) }
        for (_, process) in daemons where process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        daemons.removeAll()
        for pid in helperDaemonPIDs() {
            Glibc.kill(pid, SIGCONT)
            Glibc.kill(pid, SIGKILL)
        }
        for mountPoint in mountPointsBelow(directory) { detach(mountPoint) }
        // Never delete through a mount that is somehow still there.
        if mountPointsBelow(directory).isEmpty { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: - Mountinfo

    /// The `/proc/self/mountinfo` line whose mount point is `path`, or nil.
    static func mountInfoLine(_ path: String, mountinfo: String = "/proc/self/mountinfo") -> String? {
        mountInfoLines(mountinfo).first { mountPoint(ofLine: $0) == path }
    }

    /// Splits a mountinfo line into its mount point and the fields after ` - `
    /// (fstype, source, super options).
    static func mountInfoFields(_ line: String) -> (mountPoint: String, fsType: String, source: String, superOptions: String)? {
        let halves = line.components(separatedBy: " - ")
        guard halves.count == 2, let mountPoint = mountPoint(ofLine: line) else { return nil }
        let tail = halves[1].split(separator: " ").map(String.init)
        guard tail.count >= 3 else { return nil }
        return (mountPoint, tail[0], tail[1], tail[2])
    }

    private static func mountInfoLines(_ mountinfo: String) -> [String] {
        ((try? String(contentsOfFile: mountinfo, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Field 5, with mountinfo's octal escapes (`\040` for a space) undone.
    private static func mountPoint(ofLine line: String) -> String? {
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { return nil }
        var bytes: [UInt8] = []
        var rest = Substring(fields[4]).utf8[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "\\"), rest.count >= 3, let code = UInt8(String(decoding: rest.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(code)
                rest = rest.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func mountPointsBelow(_ directory: String) -> [String] {
        Self.mountInfoLines("/proc/self/mountinfo").compactMap(Self.mountPoint(ofLine:))
            .filter { $0.hasPrefix(directory + "/") }
            .sorted { $0.count > $1.count }
    }

    // MARK: - Helpers

    private func detach(_ mountPoint: String) {
        if umount2(mountPoint, Int32(MNT_DETACH)) == 0 || Self.mountInfoLine(mountPoint) == nil { return }
        let fusermount = Process()
        fusermount.executableURL = URL(fileURLWithPath: "/usr/bin/fusermount3")
        fusermount.arguments = ["-u", "-z", mountPoint]
        fusermount.standardError = FileHandle.nullDevice
        if (try? fusermount.run()) != nil { fusermount.waitUntilExit() }
    }

    /// Unmounts whatever serves `path(fqrn)` and removes the entry, so it can be replaced.
    private func clearMountPoint(_ fqrn: String) throws {
        if daemons[fqrn] != nil {
            kill(fqrn)
            daemons[fqrn] = nil
        }
        if Self.mountInfoLine(path(fqrn)) != nil { detach(path(fqrn)) }
        removeIfSymlink(path(fqrn))
        var info = stat()
        if lstat(path(fqrn), &info) == 0 { try FileManager.default.removeItem(atPath: path(fqrn)) }
    }

    private func removeIfSymlink(_ path: String) {
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK { unlink(path) }
    }

    /// Daemons `mount.cvmfs` started, from its pid files, checked to still be fake-cvmfs.py.
    private func helperDaemonPIDs() -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        return names.filter { $0.hasSuffix(".pid") || $0.hasSuffix(".ready") }.compactMap { name in
            guard let text = try? String(contentsOfFile: stateDirectory + "/" + name, encoding: .utf8),
                  let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                  cmdline.contains("fake-cvmfs.py"), cmdline.contains(directory)
            else { return nil }
            return pid
        }
    }

    /// The state letter (`R`, `S`, `T`, …) of every thread of `pid`.
    private static func threadStates(_ pid: pid_t) -> [Character] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"),
                  let state = stat[stat.index(after: close)...].dropFirst().first
            else { return nil }
            return state
        }
    }

    private func waitFor(_ fqrn: String, _ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(5)
        while !condition() {
            if Date() > deadline { throw Failure.timedOut(fqrn, what: what, log: log(fqrn)) }
            usleep(5_000)
        }
    }

    // MARK: - Requirements

    /// Whether FUSE mounts can be made here: root, `/dev/fuse`, fusepy and fusermount3.
    static var isUsable: Bool { missingRequirements.isEmpty }

    /// Why FUSE tests skip, or "" when they can run.
    static var skipReason: String {
        missingRequirements.isEmpty ? "" : "fake cvmfs needs " + missingRequirements.joined(separator: ", ")
    }

    private static let missingRequirements: [String] = {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (/dev/fuse is 0600 and allow_other needs it)") }
        let fd = open("/dev/fuse", O_RDWR)
        if fd >= 0 { close(fd) } else { missing.append("/dev/fuse openable read-write (\(String(cString: strerror(errno))))") }
        if !pythonHasFusepy() { missing.append("\(python) with the fusepy module (apt-get install python3-fusepy)") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/fusermount3")
            && !FileManager.default.isExecutableFile(atPath: "/bin/fusermount3") {
            missing.append("fusermount3 (apt-get install fuse3)")
        }
        return missing
    }()

    private static func pythonHasFusepy() -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import fusepy"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
