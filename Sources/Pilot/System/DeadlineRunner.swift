import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a helper program with a deadline and kills it when the deadline passes.
///
/// For programs that may hang on a sick device or file system: nvidia-smi on a stuck driver, a
/// probe of a hung FUSE mount.
struct DeadlineRunner: Sendable {
    /// How one run ended.
    enum Outcome: Sendable, Equatable {
        /// It exited; stdout and stderr as text (nvidia-smi prints its errors on stdout).
        case exited(code: Int32, output: String, error: String)
        /// A signal ended it before the deadline.
        case signaled(Int32)
        /// The deadline passed; it was killed and reaped before `run` returned.
        case timedOut
        /// It could not be started, or its output was too large.
        case launchFailed(String)
    }

    /// Absolute (or explicitly relative) path of the executable.
    var executable: String
    /// How long one run may take.
    var timeout: Duration
    /// The child's environment.
    var environment: [String: String]
    /// Time between SIGTERM to the child's process group and SIGKILL; nil kills at once.
    var killGrace: Duration? = .milliseconds(500)

    /// The executable for a command name (searched in `environment["PATH"]`) or a path; nil when absent.
    ///
    /// Our own search rather than Subprocess's, because Subprocess falls back to this process's
    /// PATH, and "not found" must be known before spawning.
    static func locate(_ command: String, environment: [String: String]) -> String? {
        if command.isEmpty { return nil }
        if command.contains("/") { return isExecutableFile(command) ? command : nil }
        for directory in (environment["PATH"] ?? "").split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(command)" : "\(directory)/\(command)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// Runs it with the arguments; returns by the deadline plus `killGrace` plus two seconds, always.
    ///
    /// At the deadline the run is cancelled, which makes Subprocess tear the child's process
    /// group down (SIGTERM, then SIGKILL after `killGrace`; or SIGKILL to the child alone when
    /// `killGrace` is nil) and reap it. A child stuck in the kernel (a hung driver, a FUSE request
    /// that never returns) keeps even SIGKILL pending, so the pilot waits for the teardown only
    /// briefly and then leaves the reaping to the run's task.
    func run(_ arguments: [String]) async -> Outcome {
        // Unstructured on purpose (an exception to the house rule): a structured child task would
        // make this call wait as long as an unkillable process lives.
        let process = Task { await runToCompletion(arguments) }
        return await withTaskCancellationHandler {
            if let outcome = await Self.value(of: process, within: timeout) { return outcome }
            process.cancel()
            _ = await Self.value(of: process, within: (killGrace ?? .zero) + .seconds(2))
            return .timedOut
        } onCancel: {
            process.cancel()
        }
    }

    /// The task's value, or nil when `limit` passes first; the task runs on either way.
    private static func value(of task: Task<Outcome, Never>, within limit: Duration) async -> Outcome? {
        let first = FirstAnswer<Outcome?>()
        return await withCheckedContinuation { continuation in
            first.set(continuation)
            let timer = Task {
                do { try await Task.sleep(for: limit) } catch { return }  // cancelled: the task answered
                first.answer(nil)
            }
            Task {
                let outcome = await task.value
                first.answer(outcome)
                timer.cancel()
            }
        }
    }

    private func runToCompletion(_ arguments: [String]) async -> Outcome {
        var options = PlatformOptions()
        // A session of its own, so the teardown's group signal reaches a wrapper script's children too.
        options.createSession = true
        if let killGrace {
            options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: killGrace)]
        }
        var childEnvironment: [Subprocess.Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Subprocess.Environment.Key(rawValue: name) { childEnvironment[key] = value }
        }
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .custom(childEnvironment),
                platformOptions: options,
                output: .string(limit: 4 << 20),
                error: .string(limit: 256 << 10)
            )
            switch result.terminationStatus {
            case .exited(let code):
                return .exited(code: code, output: result.standardOutput, error: result.standardError)
            case .signaled(let signal):
                return .signaled(signal)
            }
        } catch {
            return .launchFailed("\(error)")
        }
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}

/// Resumes a continuation with whichever answer comes first; later answers are dropped.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func answer(_ value: Value) {
        let waiting = continuation.withLock { slot in
            defer { slot = nil }
            return slot
        }
        waiting?.resume(returning: value)
    }
}
