/// How one run of a helper program (`apptainer --version`, `ldconfig -p`) ended.
///
/// A non-zero exit is a result, not an error: the caller decides what it means.
public enum HelperCommandOutcome: Sendable, Equatable {
    /// It exited with this status; its stdout and stderr as text.
    case exited(code: Int32, output: String, error: String)
    /// A signal ended it before the deadline.
    case signaled(Int32)
    /// The deadline passed and it was killed.
    case timedOut
    /// It could not be started.
    case launchFailed(String)
}

/// Runs a helper program with a deadline.
///
/// Payload sits below Pilot and has no process-spawning code of its own; Pilot passes its
/// deadline runner in (`DeadlineHelperRunner`), and tests can pass canned answers.
public protocol HelperCommandRunner: Sendable {
    /// Runs `executable` (an absolute path) with `arguments` and exactly `environment`,
    /// killing it when `timeout` passes.
    func run(
        _ executable: String, arguments: [String], environment: [String: String], timeout: Duration
    ) async -> HelperCommandOutcome
}

extension HelperCommandOutcome {
    /// One line for an error message: how the run failed, with the first line of what it printed.
    func failureSummary(_ program: String, timeout: Duration) -> String {
        switch self {
        case .exited(let code, let output, let error):
            let said = Self.firstLine(error) ?? Self.firstLine(output)
            return "\(program) exited \(code)" + (said.map { ": \($0)" } ?? "")
        case .signaled(let signal):
            return "\(program) was killed by signal \(signal)"
        case .timedOut:
            return "\(program) did not answer within \(timeout)"
        case .launchFailed(let reason):
            return "\(program) could not be started: \(reason)"
        }
    }

    /// The first non-blank line of `text`, trimmed and cut to 200 characters.
    static func firstLine(_ text: String) -> String? {
        let line = text.split(whereSeparator: \.isNewline)
            .map { $0.trimming(" \t\r") }
            .first { !$0.isEmpty }
        return line.map { String($0.prefix(200)) }
    }
}

extension Substring {
    /// The text without leading and trailing characters from `set`.
    func trimming(_ set: String) -> String {
        let drop: (Character) -> Bool = { set.contains($0) }
        guard let start = firstIndex(where: { !drop($0) }) else { return "" }
        let end = lastIndex(where: { !drop($0) })!
        return String(self[start...end])
    }
}
