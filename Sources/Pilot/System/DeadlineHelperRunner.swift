import Payload

/// Runs the Payload module's helper programs (`apptainer --version`, `ldconfig -p`) with
/// `DeadlineRunner`, so a hung program from CVMFS or a stuck driver cannot stall the pilot.
struct DeadlineHelperRunner: HelperCommandRunner {
    /// Time between SIGTERM and SIGKILL at the deadline.
    var killGrace: Duration? = .milliseconds(500)

    /// Runs `executable` under a `DeadlineRunner` and reports how it ended.
    func run(
        _ executable: String, arguments: [String], environment: [String: String], timeout: Duration
    ) async -> HelperCommandOutcome {
        var runner = DeadlineRunner(executable: executable, timeout: timeout, environment: environment)
        runner.killGrace = killGrace
        switch await runner.run(arguments) {
        case .exited(let code, let output, let error): return .exited(code: code, output: output, error: error)
        case .signaled(let signal): return .signaled(signal)
        case .timedOut: return .timedOut
        case .launchFailed(let reason): return .launchFailed(reason)
        }
    }
}
