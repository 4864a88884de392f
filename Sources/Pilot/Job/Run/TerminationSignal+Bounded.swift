import Dispatch
import Payload
import Synchronization

extension TerminationSignal {
    /// Runs blocking `work` on a thread of its own and returns its value, or nil when the pilot
    /// stopped and `step`'s deadline passed first; the abandoned work ends with the process.
    func bounded<T: Sendable>(_ step: StopBudget.Step, _ work: @escaping @Sendable () -> T) async -> T? {
        let answer = Mutex<CheckedContinuation<T?, Never>?>(nil)
        let finish: @Sendable (T?) -> Void = { value in
            answer.withLock { continuation in
                continuation?.resume(returning: value)
                continuation = nil
            }
        }
        let waiter = Mutex<Int?>(nil)
        let value = await withCheckedContinuation { continuation in
            answer.withLock { $0 = continuation }
            BlockingThread.spawn { finish(work()) }
            let id = whenStopped { [self] in
                guard let deadline = deadline(step) else { return }
                let left = ContinuousClock.now.duration(to: deadline)
                let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
                DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) { finish(nil) }
            }
            waiter.withLock { $0 = id }
        }
        forget(waiter.withLock { $0 })
        return value
    }
}

extension Optional where Wrapped == TerminationSignal {
    /// `bounded` when there is a termination signal; the work's value otherwise.
    func bounded<T: Sendable>(_ step: StopBudget.Step, _ work: @escaping @Sendable () -> T) async -> T? {
        switch self {
        case let .some(signal): await signal.bounded(step, work)
        case .none: await BlockingThread.run(work)
        }
    }
}
