#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// The pilot's small state file (`<workdir>/pilot-state.json`), replaced atomically at every
/// transition of its job, so that a pilot started in a work dir a killed pilot left finishes what
/// can be finished (stage-out, final update, accounting) before taking new work, and does each
/// of those once: a step the file says is done is never done again.
///
/// It holds the job's description, signed URLs included, so it is written with mode 0600 in the
/// work dir, which the payload never sees (only its job directory is bound into its container).
struct JobStateFile: Codable, Sendable, Equatable {
    static let fileName = "pilot-state.json"

    /// How far the job got, in order.
    enum Phase: String, Codable, Sendable, CaseIterable, Comparable {
        /// Its description was received and its directory made; stage-in may have begun.
        case taken
        /// Its payload was launched.
        case payloadStarted = "payload_started"
        /// Its payload ended; `result` says how.
        case payloadEnded = "payload_ended"
        /// Every output to send and the log archive were staged out (`staged`).
        case outputsStaged = "outputs_staged"
        /// The final update reached the server (or was given up on: `result.finalUpdateDelivered`).
        case finalSent = "final_sent"
        /// Its accounting record was written.
        case recorded

        static func < (lhs: Phase, rhs: Phase) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    var phase: Phase
    /// The job's fields as received (JSON), to rebuild its description.
    var job: String
    /// The job's directory.
    var directory: String
    /// Its cost so far (updated at every heartbeat too).
    var checkpoint: JobCheckpoint
    /// How it ended, once its payload has.
    var result: JobRunner.Result?
    /// Files already staged out, so that none is sent twice.
    var staged: [OutputFileReport.Entry] = []
    /// The payload died with its pilot: accounted as `lost` from the checkpoint.
    var lost: Bool?

    /// The job's description, as the pilot received it.
    func description() throws(JobDescriptionError) -> JobDescription {
        guard case let .object(values)? = JSONValue.parse(job) else { throw .invalidField(field: "state file", value: "", expected: "a JSON object") }
        return try JobDescription(fields: JobFields(values))
    }
}

/// Reads and replaces the state file of one work dir.
struct JobStateStore: Sendable {
    var workdir: String
    /// The crash tests' hook: `PILOT_TEST_CRASH_AT=state:<phase>` SIGKILLs the pilot just after
    /// that phase is written.
    var faultHook: AccountingFaultHook = .none

    var path: String { workdir + "/" + JobStateFile.fileName }

    /// Replaces the file; a failure (a full disk) is returned for the log, never fatal to the job.
    @discardableResult
    func save(_ state: JobStateFile) -> SystemCallError? {
        do {
            let data = try JSONEncoder().encode(state)
            try AtomicFile.write(Array(data), to: path, mode: 0o600)
        } catch let error as SystemCallError {
            return error
        } catch {
            return SystemCallError(call: "encode", path: path, errno: EINVAL)
        }
        faultHook.reach("state:" + state.phase.rawValue)
        return nil
    }

    /// The state a previous pilot left; nil when there is none. An unreadable file is renamed
    /// aside (`.corrupt`) and reported, so it cannot stop every later pilot.
    func load() -> Result<JobStateFile?, StateFileError> {
        let text: String?
        do { text = try FileReader.readIfPresent(path) } catch { return .failure(.unreadable(path: path, reason: "\(error)")) }
        guard let text else { return .success(nil) }
        do {
            return .success(try JSONDecoder().decode(JobStateFile.self, from: Data(text.utf8)))
        } catch {
            rename(path, path + ".corrupt")
            return .failure(.unreadable(path: path, reason: "\(error)"))
        }
    }

    /// Removes the file once its job is wholly done.
    func remove() {
        unlink(path)
    }
}

/// The state file could not be used.
enum StateFileError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)

    var description: String {
        switch self {
        case let .unreadable(path, reason): "state file \(path) is unreadable (moved aside to .corrupt): \(reason)"
        }
    }
}

/// The state of the job in progress, shared by the job's steps and its heartbeats: every change
/// is written through to the state file.
final class JobStateRecorder: Sendable {
    let store: JobStateStore
    private let current: Mutex<JobStateFile>
    private let logger: Logger

    /// Writes `initial` at once.
    init(store: JobStateStore, initial: JobStateFile, logger: Logger) {
        self.store = store
        self.logger = logger
        current = Mutex(initial)
        write(initial)
    }

    /// The state as last written.
    var state: JobStateFile { current.withLock { $0 } }

    /// Moves to `phase` (never back), with `change` applied; returns the new state.
    @discardableResult
    func advance(to phase: JobStateFile.Phase, _ change: (inout JobStateFile) -> Void = { _ in }) -> JobStateFile {
        update { state in
            change(&state)
            state.phase = max(state.phase, phase)
        }
    }

    /// Applies `change` in the current phase (a heartbeat's checkpoint, a file staged out).
    @discardableResult
    func update(_ change: (inout JobStateFile) -> Void) -> JobStateFile {
        // Written under the lock, so a heartbeat's write never replaces a newer transition.
        current.withLock { state -> JobStateFile in
            change(&state)
            write(state)
            return state
        }
    }

    private func write(_ state: JobStateFile) {
        if let error = store.save(state) {
            logger.warning("state file not written", metadata: ["phase": "\(state.phase.rawValue)", "error": "\(error)"])
        }
    }
}
