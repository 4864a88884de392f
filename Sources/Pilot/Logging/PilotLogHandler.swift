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
        if merged["job.id"] == nil, let pandaID = JobLogContext.pandaID { merged["job.id"] = "\(pandaID)" }
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
        let timestamp = Self.timestamp(time)
        let fields = metadata.sorted { $0.key < $1.key }.map { ($0.key, Redactor.redact("\($0.value)")) }
        if json {
            var object: [String: String] = ["time": timestamp, "level": level.rawValue, "msg": Redactor.redact(message)]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            // By hand rather than with JSONEncoder: a log line is written on every event, and the
            // encoder costs more than the rest of the line (what JSONEncoder would write, sorted keys).
            let members = object.sorted { $0.key < $1.key }.map { Self.jsonString($0.key) + ":" + Self.jsonString($0.value) }
            return "{" + members.joined(separator: ",") + "}\n"
        }
        let rendered = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return "\(timestamp) \(level.rawValue) \(Redactor.redact(message))\(rendered.isEmpty ? "" : " " + rendered)\n"
    }
}

extension PilotLogHandler {
    /// ISO 8601 in UTC to the second, `2026-11-28T15:54:56Z`.
    static func timestamp(_ time: Date) -> String {
        var seconds = time_t(time.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, the rest as is.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The job a task works for: every line it logs carries `job.id`, so a cluster's log collector
/// can follow one job across the pilot's parts.
enum JobLogContext {
    @TaskLocal static var pandaID: Int?
}

/// Sets swift-log up once per process.
enum PilotLogging {
    /// Installs `PilotLogHandler` as the process's log handler; every line carries `identity`.
    static func bootstrap(level: Logger.Level, format: LogFormat, identity: Logger.Metadata = [:]) {
        let json = switch format {
        case .json: true
        case .text: false
        case .auto: isatty(STDERR_FILENO) == 0
        }
        LoggingSystem.bootstrap { label in PilotLogHandler(logLevel: level, metadata: identity, label: label, json: json) }
    }

    /// Who is logging, from the environment: the pod, its node and namespace (Kubernetes' downward
    /// API: `PILOT_POD_NAME`, `PILOT_NODE_NAME`, `PILOT_POD_NAMESPACE`; else a pod's `HOSTNAME`
    /// and Harvester's `PANDA_HOSTNAME`) and the Harvester worker.
    static func identity(_ environment: [String: String]) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        func set(_ key: String, _ names: [String]) {
            if let value = names.lazy.compactMap({ environment[$0]?.trimmed }).first(where: { !$0.isEmpty }) { metadata[key] = "\(value)" }
        }
        set("pod", ["PILOT_POD_NAME"] + (environment["KUBERNETES_SERVICE_HOST"] != nil ? ["HOSTNAME"] : []))
        set("node", ["PILOT_NODE_NAME", "PANDA_HOSTNAME"])
        set("namespace", ["PILOT_POD_NAMESPACE"])
        set("worker", ["HARVESTER_WORKER_ID", "workerID"])
        return metadata
    }
}
