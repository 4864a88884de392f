import Foundation

/// Runs `/usr/bin/curl` against the test servers, as a reference client until the pilot's own
/// downloader exists (and as the baseline it is compared with afterwards).
enum CurlCLI {
    /// What one curl run did.
    struct Result {
        /// curl's exit code: 0, 18 (partial file), 28 (timeout), 56 (receive error), 60 (TLS
        /// verification), 22 (HTTP error with `--fail`), …
        var exitCode: Int32
        /// The last response's status (`%{http_code}`), 0 when none came.
        var status: Int
        /// The last response's headers, names lowercased.
        var headers: [String: String]
        /// Every response's status line and headers as received (100 Continue included).
        var rawHeaders: String
        /// The body written to the output file (what was received, also on failure).
        var body: Data
        /// curl's stderr.
        var stderr: String

        /// The body as text.
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Runs `curl -s -S <arguments> URL` with the body going to `output` (a temporary file,
    /// removed afterwards, when nil) and at most `maxTime` seconds.
    static func run(_ url: String, _ arguments: [String] = [], output: String? = nil, maxTime: Double = 20) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bodyPath = output ?? scratch.appendingPathComponent("body").path
        let headerPath = scratch.appendingPathComponent("headers").path
        let errPath = scratch.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-S", "--max-time", String(maxTime), "-D", headerPath, "-w", "%{http_code}"]
            + (arguments.contains("-o") ? [] : ["-o", bodyPath]) + arguments + [url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let code = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()

        let raw = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        return Result(
            exitCode: process.terminationStatus,
            status: Int(String(decoding: code, as: UTF8.self).suffix(3)) ?? 0,
            headers: lastHeaders(raw),
            rawHeaders: raw,
            body: FileManager.default.contents(atPath: bodyPath) ?? Data(),
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// The header fields of the last response in a `-D` dump.
    static func lastHeaders(_ raw: String) -> [String: String] {
        let blocks = raw.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        guard let last = blocks.last(where: { $0.hasPrefix("HTTP/") }) else { return [:] }
        var headers: [String: String] = [:]
        for line in last.split(separator: "\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}
