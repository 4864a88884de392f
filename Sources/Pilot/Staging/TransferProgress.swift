#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A progress line on standard error for a person at a terminal: bytes, percent, rate, ETA.
///
/// Every stream adds its bytes here; the line is redrawn at most five times a second, from
/// whichever thread crosses the interval.
final class TransferProgress: Sendable {
    private struct State {
        var bytes = 0
        var total: Int?
        var lastDraw = ContinuousClock.now
        var drawn = false
    }

    private let state = Mutex(State())
    private let start = ContinuousClock.now
    private let label: String

    /// A progress line for `label` (the destination's name).
    init(label: String) {
        self.label = label
    }

    /// A progress line when standard error is a terminal, else nil.
    static func forTerminal(label: String) -> TransferProgress? {
        isatty(STDERR_FILENO) == 1 ? TransferProgress(label: label) : nil
    }

    /// The object's size, once known.
    func setTotal(_ total: Int?) {
        state.withLock { if let total { $0.total = total } }
    }

    /// Counts bytes written; a negative count takes bytes back (a restart from 0).
    func add(_ count: Int) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            state.bytes = max(0, state.bytes + count)
            guard now - state.lastDraw >= .milliseconds(200) else { return nil }
            state.lastDraw = now
            state.drawn = true
            return Self.line(label: label, bytes: state.bytes, total: state.total, elapsed: now - start)
        }
        if let line { draw("\r" + line + "\u{1B}[K") }
    }

    /// Ends the line so later output starts on a fresh one.
    func finish() {
        if state.withLock({ $0.drawn }) { draw("\n") }
    }

    /// `f.root  123.4 MiB / 1 GiB  12%  321.5 MB/s  ETA 3 s`.
    static func line(label: String, bytes: Int, total: Int?, elapsed: Duration) -> String {
        let seconds = SignedURLDownloader.seconds(elapsed)
        let rate = seconds > 0 ? Double(bytes) / seconds : 0
        var text = "\(label)  \(NodeSummary.bytes(UInt64(bytes)))"
        if let total, total > 0 {
            text += " / \(NodeSummary.bytes(UInt64(total)))  \(bytes * 100 / total)%"
            if rate > 0 { text += "  ETA \(Int(Double(total - bytes) / rate)) s" }
        }
        return text + "  \(NodeSummary.format(rate / 1e6)) MB/s"
    }

    private func draw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
