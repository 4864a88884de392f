#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// How log lines are written: JSON lines for collectors, text for people.
enum LogFormat: String, Codable, Sendable, CaseIterable {
    /// Text on a terminal, JSON otherwise.
    case auto
    /// One JSON object per line.
    case json
    /// `time level message key=value ...`.
    case text
}

/// A swift-log handler writing one line per event to standard error, every line redacted.
///
/// Standard output stays for the command's own output (`pilot detect --json`), so logs never
/// mix into what a script parses.
struct PilotLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let label: String
    let json: Bool

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    // swift-log 1.16's current entry point; the older overloads forward here.
    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = Self.format(
            level: event.level, message: "\(event.message)", metadata: merged, label: label,
            json: json, time: Date()
        )
        // One write(2) per line, so lines from concurrent tasks never interleave.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// One redacted line, newline included.
    static func format(
        level: Logger.Level, message: String, metadata: Logger.Metadata, label: String, json: Bool, time: Date
    ) -> String {
        let timestamp = time.formatted(.iso8601)
        let fields = metadata.sorted { $0.key < $1.key }.map { ($0.key, Redactor.redact("\($0.value)")) }
        if json {
            var object: [String: String] = ["time": timestamp, "level": level.rawValue, "msg": Redactor.redact(message)]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        }
        let rendered = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return "\(timestamp) \(level.rawValue) \(Redactor.redact(message))\(rendered.isEmpty ? "" : " " + rendered)\n"
    }
}

/// Sets swift-log up once per process.
enum PilotLogging {
    /// Installs `PilotLogHandler` as the process's log handler.
    static func bootstrap(level: Logger.Level, format: LogFormat) {
        let json = switch format {
        case .json: true
        case .text: false
        case .auto: isatty(STDERR_FILENO) == 0
        }
        LoggingSystem.bootstrap { label in PilotLogHandler(logLevel: level, label: label, json: json) }
    }
}
