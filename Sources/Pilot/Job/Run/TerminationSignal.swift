#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Payload
import Synchronization

/// Why the pilot must stop before its work is done.
enum StopReason: Sendable, Equatable, CustomStringConvertible {
    /// SIGTERM, SIGINT or SIGHUP (a pod evicted or deleted, a VM shut down).
    case signal(Int32)
    /// The cloud's advance notice of preemption (a file or metadata URL said so).
    case notice(String)

    /// The PanDA code of a job stopped for this reason.
    var errorCode: PilotErrorCode {
        switch self {
        case let .signal(number): .forSignal(number)
        case .notice: .preemption
        }
    }

    var description: String {
        switch self {
        case let .signal(number): "signal \(number)"
        case let .notice(source): "preemption notice (\(source))"
        }
    }
}

/// The pilot's stop: SIGTERM, SIGINT or SIGHUP, or a preemption notice. The running payload is
/// stopped (SIGTERM, a grace within the budget, SIGKILL), its job fails with the reason's PanDA
/// code and is still staged out, reported and accounted, each step by its deadline within
/// `budget` (Kubernetes' grace period), and no further job is taken.
final class TerminationSignal: Sendable {
    /// Seconds from the stop to the pilot's exit.
    let budget: StopBudget
    private let queue = DispatchQueue(label: "pilot.run.termination")
    private let state = Mutex(State())

    private struct State {
        var reason: StopReason?
        var at: ContinuousClock.Instant?
        var running: ContainerStopper?
        var sources: [SourceHandle] = []
        var waiters: [Int: @Sendable () -> Void] = [:]
        var nextWaiter = 0
    }

    /// A dispatch source kept alive for the pilot's life; sources may be used from any thread.
    private struct SourceHandle: @unchecked Sendable {
        let source: any DispatchSourceProtocol
    }

    init(budget: StopBudget = StopBudget()) {
        self.budget = budget
    }

    /// Starts listening (the signals' default actions are replaced).
    func install(_ signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in stop(.signal(number)) }
            source.resume()
            let handle = SourceHandle(source: source)
            state.withLock { $0.sources.append(handle) }
        }
    }

    /// Why the pilot is stopping, once it is.
    var reason: StopReason? { state.withLock { $0.reason } }

    /// The deadline of `step`, once the pilot is stopping.
    func deadline(_ step: StopBudget.Step) -> ContinuousClock.Instant? {
        state.withLock { $0.at }.map { budget.deadline(step, from: $0) }
    }

    /// The payload to stop if the pilot stops while it runs (nil once it has ended).
    func watch(_ stopper: ContainerStopper?) {
        let stop = state.withLock { state -> Bool in
            state.running = stopper
            return stopper != nil && state.reason != nil
        }
        if stop { stopper?.terminate(grace: budget.payloadGrace) }
    }

    /// Calls `body` once the pilot stops (at once if it has); the answer forgets it again
    /// (`forget`), so a long-lived pilot does not keep one per transfer.
    @discardableResult
    func whenStopped(_ body: @escaping @Sendable () -> Void) -> Int? {
        let id = state.withLock { state -> Int? in
            if state.reason != nil { return nil }
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = body
            return state.nextWaiter
        }
        if id == nil { body() }
        return id
    }

    /// How many `whenStopped` calls wait (0 once every bounded step has ended).
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Drops a `whenStopped` call that is no longer needed.
    func forget(_ id: Int?) {
        guard let id else { return }
        state.withLock { _ = $0.waiters.removeValue(forKey: id) }
    }

    /// Stops the pilot for `reason` (the first reason counts; later ones change nothing).
    func stop(_ reason: StopReason) {
        let (running, waiters) = state.withLock { state -> (ContainerStopper?, [@Sendable () -> Void]) in
            guard state.reason == nil else { return (nil, []) }
            state.reason = reason
            state.at = .now
            defer { state.waiters = [:] }
            return (state.running, Array(state.waiters.values))
        }
        running?.terminate(grace: budget.payloadGrace)
        waiters.forEach { $0() }
    }
}

/// How the pilot spends the time between its stop and its exit (`run.stop_budget`, default
/// Kubernetes' 30 s grace period): each step has a deadline, a share of the budget counted from
/// the stop, so a slow step cannot eat the rest.
struct StopBudget: Sendable, Equatable {
    var seconds: Double = 30

    /// The steps, in order, and the share of the budget by whose end each must be done.
    enum Step: Double, Sendable {
        /// Stage-in is abandoned at once: nothing it brings can be used.
        case stageIn = 0
        /// SIGTERM to SIGKILL of the payload.
        case payload = 0.3
        /// Outputs the payload wrote.
        case outputs = 0.55
        /// The log archive.
        case log = 0.75
        /// The final update (accounting, local, follows).
        case finalUpdate = 0.92
    }

    /// Seconds between SIGTERM and SIGKILL of the payload.
    var payloadGrace: Double { seconds * Step.payload.rawValue }

    func deadline(_ step: Step, from start: ContinuousClock.Instant) -> ContinuousClock.Instant {
        start + .milliseconds(Int64(seconds * step.rawValue * 1000))
    }
}
