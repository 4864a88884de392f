import Foundation
import Payload

/// A temporary directory for building fake roots, images and PATH directories; removed on deinit.
final class ScratchDirectory {
    /// Its absolute path, symlinks resolved.
    let path: String

    init(_ label: String = "scratch") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.resolvingSymlinksInPath().path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path` + `relative` (which may start with `/`).
    func callAsFunction(_ relative: String) -> String {
        relative.hasPrefix("/") ? path + relative : path + "/" + relative
    }

    /// Writes `text` at `relative`, creating directories; `executable` sets mode 0755.
    @discardableResult
    func write(_ relative: String, _ text: String = "", executable: Bool = false) throws -> String {
        let file = self(relative)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        return file
    }

    /// Creates the directory `relative` and its parents.
    @discardableResult
    func makeDirectory(_ relative: String) throws -> String {
        try FileManager.default.createDirectory(atPath: self(relative), withIntermediateDirectories: true)
        return self(relative)
    }

    /// A symlink at `relative` whose content is `target`, as written (keep it relative for fake roots).
    func link(_ relative: String, to target: String) throws {
        try FileManager.default.createDirectory(
            atPath: (self(relative) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: self(relative), withDestinationPath: target)
    }
}

/// A `HelperCommandRunner` that answers from a closure and records the calls.
final class CannedHelperRunner: HelperCommandRunner, @unchecked Sendable {
    // @unchecked: `calls` is guarded by `lock`; the closure is immutable.
    private let answer: @Sendable (String, [String]) -> HelperCommandOutcome
    private let lock = NSLock()
    private var recorded: [(executable: String, arguments: [String], environment: [String: String])] = []

    init(_ answer: @escaping @Sendable (String, [String]) -> HelperCommandOutcome) {
        self.answer = answer
    }

    /// Every call so far.
    var calls: [(executable: String, arguments: [String], environment: [String: String])] {
        lock.withLock { recorded }
    }

    func run(_ executable: String, arguments: [String], environment: [String: String], timeout: Duration) async -> HelperCommandOutcome {
        lock.withLock { recorded.append((executable, arguments, environment)) }
        return answer(executable, arguments)
    }
}

/// Runs a program with exactly the given environment and collects its output.
enum ChildProcess {
    /// How the run ended and what it printed.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `argv` (argv[0] an absolute path) with `environment` only.
    static func run(_ argv: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = environment
        // stderr to a file: two pipes read one after the other can deadlock.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-child-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }
}
