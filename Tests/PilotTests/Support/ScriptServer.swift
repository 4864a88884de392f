import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small Python server of the test suite (`Scripts/<name>`) on 127.0.0.1: started with
/// `--port-file` in a scratch directory of its own, ready once it has written its port, and
/// SIGKILLed with its directory removed by `tearDown()`. `slow-sink.py` and `forward-proxy.py`.
final class ScriptServer {
    let directory: String
    private let process: Process
    private(set) var port = 0

    /// Starts `Scripts/<script>` with `arguments`; `{dir}` in them stands for the server's directory.
    init(_ script: String, _ arguments: [String] = []) throws {
        directory = BusyboxImage.scratch(String(script.prefix { $0 != "." }))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let path = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts/" + script).path
        process.arguments = [path, "--port-file", directory + "/port"] + arguments.map { $0.replacingOccurrences(of: "{dir}", with: directory) }
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: directory + "/port", encoding: .utf8), let number = Int(text) {
                port = number
                return
            }
            usleep(50_000)
        }
        tearDown()
        throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: directory + "/port"])
    }

    /// `http://127.0.0.1:<port>` and `path`.
    func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)" + (path.isEmpty ? "" : "/" + path) }

    /// A text file in its directory ("" while there is none).
    func text(_ name: String) -> String { (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? "" }

    func tearDown() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { tearDown() }
}
