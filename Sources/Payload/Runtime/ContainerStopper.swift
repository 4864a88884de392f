#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Ends a container the documented way: SIGTERM to the payload, a grace period, then SIGKILL of
/// everything in it. Also forwards the pilot's own SIGTERM/SIGINT/SIGHUP, and enforces a wall-time
/// limit, so that `pilot exec` behaves like the payload itself under a batch system's kill.
public final class ContainerStopper: Sendable {
    private let process: ContainerProcess
    private let grace: Double
    private let queue = DispatchQueue(label: "pilot.container-stopper")
    private let state = Mutex(State())

    private struct State {
        var sources: [SourceHandle] = []
        var forwarded: [Int32] = []
        var terminating = false
        var timedOut = false
    }

    /// A dispatch source kept for cancellation; dispatch sources may be cancelled from any thread.
    private struct SourceHandle: @unchecked Sendable {
        let source: any DispatchSourceProtocol
    }

    /// `grace`: seconds between SIGTERM and SIGKILL.
    public init(process: ContainerProcess, grace: Double) {
        self.process = process
        self.grace = grace
    }

    /// Forwards these signals, received by the pilot, to the payload (the first starts the grace period).
    public func forward(_ signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in terminate(with: number) }
            source.resume()
            let handle = SourceHandle(source: source)
            state.withLock { $0.sources.append(handle); $0.forwarded.append(number) }
        }
    }

    /// Terminates the payload after `seconds` of wall time.
    public func limitWallTime(_ seconds: Double) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + seconds)
        timer.setEventHandler { [self] in
            state.withLock { $0.timedOut = true }
            terminate(with: SIGTERM)
        }
        timer.resume()
        let handle = SourceHandle(source: timer)
        state.withLock { $0.sources.append(handle) }
    }

    /// Whether the wall-time limit fired.
    public var timedOut: Bool { state.withLock { $0.timedOut } }

    /// Sends `signal` to the payload and, the first time, SIGKILLs the container after the grace
    /// period (`grace` when given: a pilot that must be gone soon cannot wait the configured one).
    public func terminate(with signal: Int32 = SIGTERM, grace override: Double? = nil) {
        process.markKilledByPilot()
        process.signal(signal)
        let first = state.withLock { state -> Bool in
            defer { state.terminating = true }
            return !state.terminating
        }
        guard first else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + min(grace, override ?? grace))
        timer.setEventHandler { [process] in process.signal(SIGKILL) }
        timer.resume()
        let handle = SourceHandle(source: timer)
        state.withLock { $0.sources.append(handle) }
    }

    /// Stops the timers and signal handlers, restoring the signals' default action.
    public func cancel() {
        let (sources, forwarded) = state.withLock { state -> ([SourceHandle], [Int32]) in
            defer { state.sources = []; state.forwarded = [] }
            return (state.sources, state.forwarded)
        }
        sources.forEach { $0.source.cancel() }
        forwarded.forEach { signal($0, SIG_DFL) }
    }
}
