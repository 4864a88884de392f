/// Holds one connection's average rate to a cap (`--max-rate`) by sleeping in the body
/// callbacks when it runs ahead: a paused reader lets TCP flow control slow the sender, a paused
/// writer sends nothing. libcurl's own `CURLOPT_MAX_RECV_SPEED_LARGE` is not used: with the
/// 512 KiB buffer pilot reads with, libcurl 7.88 reads many buffers per call before it checks
/// the rate (3 MB at a 1 MB/s cap arrived in 0.38 s on loopback; 3.0 s only with 1 KiB buffers).
final class TransferPacer {
    private let bytesPerSecond: Double
    private let isCancelled: (@Sendable () -> Bool)?
    private var start: ContinuousClock.Instant?
    private var bytes = 0

    /// A pacer for `bytesPerSecond` (at least 1); its waits end early once `isCancelled` is true.
    init(bytesPerSecond: Int, isCancelled: (@Sendable () -> Bool)? = nil) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
        self.isCancelled = isCancelled
    }

    /// Counts `count` more bytes moved, and sleeps until the average is back at the cap (a
    /// cancellation ends the wait within 200 ms). The first bytes start the clock.
    func pace(_ count: Int) {
        guard let start else {
            start = ContinuousClock.now
            bytes = count
            return
        }
        bytes += count
        let ahead = Double(bytes) / bytesPerSecond - SignedURLDownloader.seconds(ContinuousClock.now - start)
        if ahead > 0.001 { RetryPolicy.sleep(seconds: ahead, unless: isCancelled) }
    }
}
