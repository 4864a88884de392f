#if canImport(Glibc)
import Glibc
#endif

/// Holds one connection's average rate to a cap (`--max-rate`) by sleeping in the body
/// callbacks when it runs ahead: a paused reader lets TCP flow control slow the sender, a paused
/// writer sends nothing. libcurl's own `CURLOPT_MAX_RECV_SPEED_LARGE` is not used: with the
/// 512 KiB buffer pilot reads with, libcurl 7.88 reads many buffers per call before it checks
/// the rate (3 MB at a 1 MB/s cap arrived in 0.38 s on loopback; 3.0 s only with 1 KiB buffers).
final class TransferPacer {
    private let bytesPerSecond: Double
    private var start: ContinuousClock.Instant?
    private var bytes = 0

    /// A pacer for `bytesPerSecond` (at least 1).
    init(bytesPerSecond: Int) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
    }

    /// Counts `count` more bytes moved, and sleeps until the average is back at the cap.
    func pace(_ count: Int) {
        let now = ContinuousClock.now
        guard let start else {
            self.start = now
            bytes = count
            return
        }
        bytes += count
        let due = Double(bytes) / bytesPerSecond
        let elapsed = now - start
        let ahead = due - (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        if ahead > 0.001 { usleep(useconds_t(min(ahead, 10) * 1_000_000)) }
    }
}
