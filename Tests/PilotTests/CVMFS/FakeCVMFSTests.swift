import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The double must look like CVMFS to plain system calls (CVMFS.md §1, §2, §4, §6) before any
/// probe is tested against it, so these tests use no pilot code.
@Suite("FakeCVMFS behaves like a CVMFS mount", .serialized,
       .enabled(if: FakeCVMFS.isUsable, Comment(rawValue: FakeCVMFS.skipReason)))
struct FakeCVMFSTests {
    // MARK: - Plain system calls

    /// The errno of `stat(path)`, 0 when it succeeds.
    static func statErrno(_ path: String) -> Int32 {
        var info = stat()
        return stat(path, &info) == 0 ? 0 : errno
    }

    /// Runs a command in a child process; its exit status as a shell shows it (128 + the
    /// signal when killed: `timeout -s KILL` kills itself too) and how long it took.
    static func run(_ arguments: [String]) throws -> (status: Int32, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let signalled = process.terminationReason == .uncaughtSignal
        return (signalled ? 128 + process.terminationStatus : process.terminationStatus, seconds)
    }

    /// Whether `pid` still runs (a zombie awaiting its reaper does not count).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let state = stat[stat.index(after: close)...].dropFirst().first
        else { return false }
        return state != "Z" && state != "X"
    }

    // MARK: - Looks like CVMFS

    @Test func mountinfoShowsFuseCvmfs2ReadOnly() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch")
        let line = try #require(FakeCVMFS.mountInfoLine(fake.path("atlas.cern.ch")))
        let fields = try #require(FakeCVMFS.mountInfoFields(line))
        #expect(fields.fsType == "fuse")
        #expect(fields.source == "cvmfs2")
        #expect(fields.superOptions.hasPrefix("ro,"))
        #expect(fields.superOptions.contains("allow_other"))
        #expect(FileSystemCalls.fsType(fake.path("atlas.cern.ch")) == FileSystemCalls.fuseSuperMagic)
        #expect(FileSystemCalls.fsType(fake.root) != FileSystemCalls.fuseSuperMagic)
    }

    @Test func magicXattrsAnswerByNameOnEveryPath() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch", revision: 1234, expires: 17,
                       extraArguments: ["--nioerr", "3", "--proxy", "http://squid.example:3128"])
        let top = fake.path("atlas.cern.ch")
        let pid = try #require(fake.daemonPID("atlas.cern.ch"))
        for path in [top, top + "/repo/sw", top + "/repo/ATLASLocalRootBase/logDir/lastUpdate"] {
            #expect(FileSystemCalls.xattr(path, "user.fqrn") == .value("atlas.cern.ch"))
            #expect(FileSystemCalls.xattr(path, "user.revision") == .value("1234"))
        }
        #expect(FileSystemCalls.xattr(top, "user.expires") == .value("17"))
        #expect(FileSystemCalls.xattr(top, "user.pid") == .value(String(pid)))
        #expect(FileSystemCalls.xattr(top, "user.nioerr") == .value("3"))
        #expect(FileSystemCalls.xattr(top, "user.proxy") == .value("http://squid.example:3128"))
        #expect(FileSystemCalls.xattr(top, "user.version") == .value("2.11.5.0"))
        #expect(FileSystemCalls.xattr(top, "user.host") == .value("http://cvmfs-stratum-one.cern.ch/cvmfs/atlas.cern.ch"))
        #expect(FileSystemCalls.xattr(top, "user.timestamp_last_ioerr") == .failed(ENODATA))
        #expect(FileSystemCalls.xattr(top, "user.no_such_thing") == .failed(ENODATA))
        let names = FileSystemCalls.xattrNames(top)
        #expect(names.contains("user.fqrn") && names.contains("user.revision") && names.contains("user.uptime"))
    }

    @Test func hiddenXattrsGiveENODATAButTheMountStillLooksLikeCVMFS() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch", hideXattrs: true)
        let top = fake.path("atlas.cern.ch")
        #expect(FileSystemCalls.xattr(top, "user.fqrn") == .failed(ENODATA))
        #expect(FileSystemCalls.xattr(top, "user.revision") == .failed(ENODATA))
        #expect(FileSystemCalls.xattrNames(top).isEmpty)
        let line = try #require(FakeCVMFS.mountInfoLine(top))
        #expect(FakeCVMFS.mountInfoFields(line)?.source == "cvmfs2")
    }

    @Test func wrongFQRNIsServed() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch", wrongFQRN: "atlas-condb.cern.ch")
        #expect(FileSystemCalls.xattr(fake.path("atlas.cern.ch"), "user.fqrn") == .value("atlas-condb.cern.ch"))
    }

    @Test(arguments: FakeCVMFS.freshnessPaths.keys.sorted())
    func freshnessFilesReadThroughTheMount(_ fqrn: String) throws {
        let fake = try FakeCVMFS()
        let published = Date(timeIntervalSince1970: 1_710_787_427)
        try fake.mount(fqrn, lastUpdate: published)
        for relative in try #require(FakeCVMFS.freshnessPaths[fqrn]) {
            let path = fake.path(fqrn) + "/" + relative
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory))
            if relative.hasSuffix("/") {
                #expect(isDirectory.boolValue, "\(relative) is a directory")
            } else {
                #expect(try String(contentsOfFile: path, encoding: .utf8)
                        == "2024-03-18 19:43:47 | lxcvmfs145.cern.ch | 1710787427\n")
            }
        }
    }

    @Test func withoutLastUpdateTheRepositoryIsEmptyAndWritesAreRefused() throws {
        let fake = try FakeCVMFS()
        try fake.mount("sft.cern.ch", lastUpdate: nil)
        let top = fake.path("sft.cern.ch")
        #expect(try FileManager.default.contentsOfDirectory(atPath: top).isEmpty)
        #expect(FakeCVMFSTests.statErrno(top + "/lcg/lastUpdate") == ENOENT)
        let fd = open(top + "/new", O_WRONLY | O_CREAT, 0o644)
        let openError = errno
        if fd >= 0 { close(fd) }
        #expect(fd == -1 && openError == EROFS)
        #expect(mkdir(top + "/lcg", 0o755) == -1 && errno == EROFS)
    }

    @Test func eioFailsGetattrBelowTheRootOnly() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch", eio: true)
        let top = fake.path("atlas.cern.ch")
        #expect(FakeCVMFSTests.statErrno(top) == 0)
        #expect(FakeCVMFSTests.statErrno(top + "/repo/sw") == EIO)
        #expect(FakeCVMFSTests.statErrno(top + "/repo/ATLASLocalRootBase/logDir/lastUpdate") == EIO)
    }

    // MARK: - Failure modes (CVMFS.md §4)

    @Test func killedDaemonLeavesAnENOTCONNCorpse() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch")
        let pid = try #require(fake.daemonPID("atlas.cern.ch"))
        fake.kill("atlas.cern.ch")
        #expect(!FakeCVMFSTests.isAlive(pid))
        #expect(fake.daemonPID("atlas.cern.ch") == nil)
        #expect(FakeCVMFSTests.statErrno(fake.path("atlas.cern.ch")) == ENOTCONN)
        let line = try #require(FakeCVMFS.mountInfoLine(fake.path("atlas.cern.ch")), "the corpse stays mounted")
        #expect(FakeCVMFS.mountInfoFields(line)?.source == "cvmfs2")
    }

    @Test func stoppedDaemonHangsAKillableChildUntilResumed() throws {
        let fake = try FakeCVMFS()
        try fake.mount("sft.cern.ch")
        let top = fake.path("sft.cern.ch")
        // Looked up just before: without --kcache-timeout 0 the kernel would answer from its cache.
        #expect(FakeCVMFSTests.statErrno(top) == 0)
        try fake.stop("sft.cern.ch")
        let hung = try FakeCVMFSTests.run(["/usr/bin/timeout", "-s", "KILL", "2", "stat", top])
        #expect(hung.status == 137)
        #expect(hung.seconds >= 1.9 && hung.seconds < 4, "killed at the 2 s deadline, took \(hung.seconds) s")
        try fake.resume("sft.cern.ch")
        let resumed = try FakeCVMFSTests.run(["/usr/bin/timeout", "-s", "KILL", "2", "stat", top + "/lcg/lastUpdate"])
        #expect(resumed.status == 0)
        #expect(resumed.seconds < 1.5)
    }

    @Test func selfReferencingSymlinkGivesELOOP() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch")
        try fake.loop("atlas.cern.ch")
        #expect(FakeCVMFSTests.statErrno(fake.path("atlas.cern.ch")) == ELOOP)
        #expect(FakeCVMFSTests.statErrno(fake.path("atlas.cern.ch") + "/repo/sw") == ELOOP)
        #expect(FakeCVMFS.mountInfoLine(fake.path("atlas.cern.ch")) == nil, "the mount it replaced is gone")
    }

    @Test func plainDirectoryIsNotAMountAndHasNoMagicXattrs() throws {
        let fake = try FakeCVMFS()
        try fake.plainDirectory("sft.cern.ch", lastUpdate: Date(timeIntervalSince1970: 1_710_787_427))
        let top = fake.path("sft.cern.ch")
        #expect(FakeCVMFSTests.statErrno(top) == 0)
        #expect(FakeCVMFS.mountInfoLine(top) == nil)
        #expect(FileSystemCalls.fsType(top) != FileSystemCalls.fuseSuperMagic)
        #expect(FileSystemCalls.xattr(top, "user.fqrn") == .failed(ENODATA))
        #expect(try String(contentsOfFile: top + "/lcg/lastUpdate", encoding: .utf8).hasSuffix("| 1710787427\n"))
    }

    // MARK: - mount.cvmfs

    @Test func mountHelperMountsARepositoryAndRefusesAnUnconfiguredOne() throws {
        let fake = try FakeCVMFS()
        let mounted = try fake.runMountHelper("sft.cern.ch", refuse: ["atlas.cern.ch"])
        #expect(mounted.status == 0, "\(mounted.stderr)")
        let top = fake.path("sft.cern.ch")
        let line = try #require(FakeCVMFS.mountInfoLine(top))
        #expect(FakeCVMFS.mountInfoFields(line)?.source == "cvmfs2")
        #expect(FileSystemCalls.xattr(top, "user.fqrn") == .value("sft.cern.ch"))
        let lastUpdate = try String(contentsOfFile: top + "/lcg/lastUpdate", encoding: .utf8)
        let epoch = try #require(Double(lastUpdate.split(separator: "|")[2].trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(abs(epoch - Date().timeIntervalSince1970) < 60)

        let refused = try fake.runMountHelper("atlas.cern.ch")
        #expect(refused.status == 32)
        #expect(refused.stderr == "mount.cvmfs: atlas.cern.ch is not configured\n")
        #expect(FakeCVMFS.mountInfoLine(fake.path("atlas.cern.ch")) == nil)

        let again = try fake.runMountHelper("sft.cern.ch")
        #expect(again.status == 32, "a second mount on the same directory fails")
    }

    // MARK: - Cleanup

    @Test func tearDownLeavesNoMountNoDaemonAndNoTree() throws {
        let fake = try FakeCVMFS()
        try fake.mount("atlas.cern.ch")
        try fake.mount("sft.cern.ch")
        try fake.mount("unpacked.cern.ch")
        #expect(try fake.runMountHelper("atlas-condb.cern.ch").status == 0)
        let pids = try ["atlas.cern.ch", "sft.cern.ch", "unpacked.cern.ch"].map { try #require(fake.daemonPID($0)) }
        let helperPID = try #require(pid_t(String(contentsOfFile: fake.stateDirectory + "/atlas-condb.cern.ch.pid",
                                                   encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try fake.stop("atlas.cern.ch")
        fake.kill("sft.cern.ch")
        try fake.loop("unpacked.cern.ch")

        fake.tearDown()
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mountinfo.contains(fake.directory))
        // SIGKILLed; a busy machine may not have run their end yet.
        _ = Polling.waitUntil(5) { !(pids + [helperPID]).contains(where: FakeCVMFSTests.isAlive) }
        for pid in pids + [helperPID] {
            #expect(!FakeCVMFSTests.isAlive(pid), "daemon \(pid) is gone")
        }
        #expect(!FileManager.default.fileExists(atPath: fake.directory))
        fake.tearDown()
    }

    /// What a test that fails after `stop` leaves: the harness is dropped with a stopped daemon.
    @Test func droppingTheHarnessWithAStoppedDaemonCleansUp() throws {
        var directory = "", pid: pid_t = 0
        do {
            let fake = try FakeCVMFS()
            try fake.mount("atlas.cern.ch")
            pid = try #require(fake.daemonPID("atlas.cern.ch"))
            try fake.stop("atlas.cern.ch")
            directory = fake.directory
        }
        #expect(!directory.isEmpty)
        #expect(!FakeCVMFSTests.isAlive(pid))
        #expect(try !String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).contains(directory))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
