#if canImport(Glibc)
import Glibc
#endif

/// Where one element lives in a dirq QueueSimple: `<8 hex>/<14 hex>` (APEL.md §5), the id ssmsend
/// logs and sends as `empaid`.
struct DirqElement: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The minute directory, `%08x` of the seconds rounded down to the minute.
    var directory: String
    /// The element name, `%08x%05x%01x` of seconds, microseconds and a random digit.
    var name: String

    /// The name dirq would give an element added at `seconds`.`microseconds`.
    init(seconds: Int64, microseconds: Int, random: Int) {
        directory = Self.hex(seconds - seconds % 60, width: 8)
        name = Self.hex(seconds, width: 8) + Self.hex(Int64(microseconds), width: 5) + Self.hex(Int64(random & 0xf), width: 1)
    }

    /// A fresh name for now, as dirq's `add` picks one.
    static func now() -> DirqElement {
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        return DirqElement(seconds: Int64(clock.tv_sec), microseconds: Int(clock.tv_nsec / 1000), random: Int.random(in: 0..<16))
    }

    /// `dir/name`.
    var description: String { directory + "/" + name }

    /// Whether a directory name is one readers look in: `^[0-9a-f]{8}$`.
    static func isDirectoryName(_ text: String) -> Bool { isHex(text, count: 8) }

    /// Whether a file name is one readers take as an element: `^[0-9a-f]{14}$`.
    static func isElementName(_ text: String) -> Bool { isHex(text, count: 14) }

    private static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private static func hex(_ value: Int64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A dirq QueueSimple directory that pilot writes into and ssmsend reads (`path_type: dirq`).
///
/// Elements appear atomically (temporary file, fsync, hard link, unlink), never overwritten,
/// with modes 0666/0777 less the umask, as dirq makes them. Unlike dirq's `add`, the caller picks
/// the element name first and keeps it, so that a writer killed half-way can finish the same
/// element later instead of adding a second one.
struct DirqQueue: Sendable {
    /// The queue's root directory.
    var path: String

    /// A point inside `add`, reported to the caller (the fault hook of the crash tests).
    enum Step: String, Sendable {
        /// The temporary file is written and fsynced, not yet linked.
        case temporaryWritten = "after-temp"
        /// The element is linked; the temporary file still exists.
        case linked = "after-link"
        /// The temporary file is gone: the element is complete.
        case temporaryRemoved = "after-unlink"
    }

    /// What is at an element's name.
    enum Presence: Equatable, Sendable {
        /// Nothing: never written, or consumed by the sender.
        case absent
        /// These very bytes.
        case same
        /// Another writer's element.
        case different
    }

    /// The element file's path.
    func path(of element: DirqElement) -> String { "\(path)/\(element.directory)/\(element.name)" }

    /// What is stored under `element`.
    func presence(of element: DirqElement, bytes: [UInt8]) throws(SystemCallError) -> Presence {
        guard let text = try FileReader.readIfPresent(path(of: element)) else { return .absent }
        return Array(text.utf8) == bytes ? .same : .different
    }

    /// Stores `bytes` as `element` unless it is already there. Returns false when another
    /// writer's element holds the name (pick a new one). A temporary file left by a killed
    /// writer is replaced or removed.
    func add(_ bytes: [UInt8], as element: DirqElement, onStep: (Step) -> Void = { _ in }) throws(SystemCallError) -> Bool {
        let directory = "\(path)/\(element.directory)"
        let final = path(of: element)
        let temporary = final + ".tmp"
        switch try presence(of: element, bytes: bytes) {
        case .same:
            unlink(temporary)  // left behind when the writer was killed between link and unlink
            return true
        case .different:
            return false
        case .absent:
            break
        }
        try Self.makeDirectory(path)
        try Self.makeDirectory(directory)
        if unlink(temporary) != 0, errno != ENOENT { throw .last("unlink", path: temporary) }
        try Self.writeSynced(bytes, to: temporary)
        onStep(.temporaryWritten)
        if link(temporary, final) != 0 {
            let error = SystemCallError.last("link", path: final)
            unlink(temporary)
            guard error.errno == EEXIST else { throw error }
            return try presence(of: element, bytes: bytes) == .same
        }
        onStep(.linked)
        unlink(temporary)
        Self.syncDirectory(directory)
        onStep(.temporaryRemoved)
        return true
    }

    /// `mkdir` with mode 0777 (less the umask), as dirq; an existing directory is fine.
    static func makeDirectory(_ path: String) throws(SystemCallError) {
        if mkdir(path, 0o777) != 0, errno != EEXIST { throw .last("mkdir", path: path) }
    }

    /// Creates `path` exclusively, writes every byte and fsyncs it.
    private static func writeSynced(_ bytes: [UInt8], to path: String) throws(SystemCallError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw .last("open", path: path) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = SystemCallError.last("write", path: path)
                close(fd)
                unlink(path)
                throw error
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let error = SystemCallError.last("fsync", path: path)
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
    }

    /// fsyncs a directory so a new entry in it survives a crash of the node; best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
