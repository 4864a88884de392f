#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Payload
import Synchronization

/// SIGTERM, SIGINT or SIGHUP sent to `pilot run` (a pod being evicted or deleted): the running
/// payload is stopped (SIGTERM, grace, SIGKILL), its job fails with the signal's PanDA code and is
/// still reported, staged out and accounted, and no further job is taken.
final class TerminationSignal: Sendable {
    private let queue = DispatchQueue(label: "pilot.run.termination")
    private let state = Mutex(State())

    private struct State {
        var received: Int32?
        var running: ContainerStopper?
        var sources: [SourceHandle] = []
    }

    /// A dispatch source kept alive for the pilot's life; sources may be used from any thread.
    private struct SourceHandle: @unchecked Sendable {
        let source: any DispatchSourceProtocol
    }

    /// Starts listening (the signals' default actions are replaced).
    func install(_ signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in receive(number) }
            source.resume()
            let handle = SourceHandle(source: source)
            state.withLock { $0.sources.append(handle) }
        }
    }

    /// The first signal received, if any.
    var received: Int32? { state.withLock { $0.received } }

    /// The payload to stop if a signal arrives while it runs (nil once it has ended).
    func watch(_ stopper: ContainerStopper?) {
        let stop = state.withLock { state -> Bool in
            state.running = stopper
            return stopper != nil && state.received != nil
        }
        if stop { stopper?.terminate() }
    }

    private func receive(_ number: Int32) {
        let running = state.withLock { state -> ContainerStopper? in
            if state.received == nil { state.received = number }
            return state.running
        }
        running?.terminate()
    }
}
