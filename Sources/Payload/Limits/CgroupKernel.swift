#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the payload cgroup code asks of the kernel: cgroupfs files and directories, and kill(2).
///
/// A protocol so that tests can stand in a fake tree whose files behave like cgroupfs ones
/// (a write to `cgroup.subtree_control` failing with EBUSY, a PID moving between `cgroup.procs`).
public protocol CgroupKernel: Sendable {
    /// The file's whole text; nil when it does not exist.
    func read(_ path: String) throws(CgroupError) -> String?
    /// Writes `text` to an existing file in one write(2), as cgroupfs wants.
    func write(_ path: String, _ text: String) throws(CgroupError)
    /// mkdir(2), mode 0755.
    func makeDirectory(_ path: String) throws(CgroupError)
    /// rmdir(2).
    func removeDirectory(_ path: String) throws(CgroupError)
    /// Whether the path exists (a file, a directory, or a link to one).
    func exists(_ path: String) -> Bool
    /// Sends SIGKILL; a process that is already gone is not an error.
    func kill(_ pid: Int32)
}

/// The real cgroup file system and kill(2).
public struct LiveCgroupKernel: CgroupKernel {
    public init() {}

    public func read(_ path: String) throws(CgroupError) -> String? { try readFile(path) }

    public func write(_ path: String, _ text: String) throws(CgroupError) { try writeFile(path, text) }

    public func makeDirectory(_ path: String) throws(CgroupError) {
        if mkdir(path, 0o755) != 0 { throw .from(call: "mkdir", path: path, errno: errno) }
    }

    public func removeDirectory(_ path: String) throws(CgroupError) {
        if rmdir(path) != 0 { throw .from(call: "rmdir", path: path, errno: errno) }
    }

    public func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public func kill(_ pid: Int32) { sendKill(pid) }
}

// File-scope helpers: inside `LiveCgroupKernel` the names read, write and kill are its own.

private func readFile(_ path: String) throws(CgroupError) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        if errno == ENOENT { return nil }
        throw .from(call: "open", path: path, errno: errno)
    }
    defer { close(fd) }
    do {
        return String(decoding: try DescriptorReader.readAll(fd), as: UTF8.self)
    } catch {
        throw .from(call: "read", path: path, errno: error.errno)
    }
}

/// One write(2): cgroupfs takes a value per write and answers EBUSY, EINVAL, … at that write.
private func writeFile(_ path: String, _ text: String) throws(CgroupError) {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    if fd < 0 { throw .from(call: "open", path: path, errno: errno) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    while true {
        let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count < 0 { throw .from(call: "write", path: path, errno: errno) }
        if count < bytes.count { throw .systemCall(call: "write", path: path, errno: EIO) }
        return
    }
}

private func sendKill(_ pid: Int32) {
    guard pid > 0 else { return }
    _ = kill(pid, SIGKILL)
}
