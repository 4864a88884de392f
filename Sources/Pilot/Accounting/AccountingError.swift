#if canImport(Glibc)
import Glibc
#endif

/// Why the ledger could not record or deliver.
enum AccountingError: Error, CustomStringConvertible, Equatable {
    /// The facts cannot be recorded at all (a PanDA id that cannot be a key).
    case invalidFacts(String)
    /// The job is stored, with its usage record, but its APEL record would be invalid and is
    /// never sent.
    case refused(pandaID: String, reason: String)
    /// The ledger directory cannot be read or written.
    case store(SystemCallError)
    /// A ledger file is not what the ledger writes.
    case corruptEntry(path: String, reason: String)

    var description: String {
        switch self {
        case .invalidFacts(let reason): "invalid job facts: \(reason)"
        case .refused(let pandaID, let reason): "APEL record of job \(pandaID) refused: \(reason)"
        case .store(let error): "accounting ledger: \(error)"
        case .corruptEntry(let path, let reason): "accounting ledger: \(path) is unreadable: \(reason)"
        }
    }
}

/// A test-only fault hook: the environment variable `PILOT_TEST_CRASH_AT=<point>` makes the
/// pilot SIGKILL itself when it reaches that point of recording and delivery, so the tests can
/// check that a restart finishes the work with exactly one record per job. Points, in order:
/// `before-store`, `after-store`, `after-intent`, `after-temp`, `after-link`, `after-unlink`,
/// `after-queue`. It exists for the crash tests only; nothing sets it in production.
struct AccountingFaultHook: Sendable {
    /// The variable naming the point.
    static let variable = "PILOT_TEST_CRASH_AT"

    /// Every point, in the order they are reached.
    static let points = ["before-store", "after-store", "after-intent", "after-temp", "after-link", "after-unlink", "after-queue"]

    /// The point to die at; nil: never.
    var point: String?

    /// No fault.
    static let none = AccountingFaultHook(point: nil)

    /// The hook the environment asks for.
    static func fromEnvironment(_ environment: [String: String]) -> AccountingFaultHook {
        AccountingFaultHook(point: environment[variable].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Dies here, by SIGKILL as the OOM killer or a node loss would, when this is the point.
    func reach(_ name: String) {
        guard name == point else { return }
        kill(getpid(), SIGKILL)
        while true { pause() }  // the signal is pending: nothing after the point may run
    }
}
