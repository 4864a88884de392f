#if canImport(Glibc)
import Glibc
#endif

/// How often and how long to wait between attempts: exponential backoff with full jitter,
/// `Retry-After` honoured (S3 SlowDown), capped.
struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    var attempts = 6
    /// The first backoff, in seconds.
    var baseDelay = 0.5
    /// No wait is longer than this, in seconds.
    var maxDelay = 30.0

    /// Seconds to wait before attempt `attempt` (1-based, > 1); `retryAfter` from the server wins.
    func delay(beforeAttempt attempt: Int, retryAfter: String?, random: Double = Double.random(in: 0...1)) -> Double {
        if let retryAfter, let seconds = Double(retryAfter.trimmed), seconds >= 0 {
            return min(seconds, maxDelay)
        }
        let ceiling = min(maxDelay, baseDelay * Double(1 << min(attempt - 2, 20)))
        return ceiling * random
    }

    /// Whether a libcurl result code is worth another attempt with the same URL.
    static func isRetryable(curlCode code: Int) -> Bool {
        // couldn't resolve/connect, partial file, timeout, SSL connect, empty reply, send/recv
        // errors, HTTP/2 framing and stream errors.
        [6, 7, 16, 18, 28, 35, 52, 55, 56, 92].contains(code)
    }

    /// libcurl codes that mean the server's certificate is not trusted.
    static func isTLSVerification(curlCode code: Int) -> Bool {
        [51, 58, 60, 77, 83, 90, 91].contains(code)
    }

    /// HTTP statuses that are transient.
    static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }

    /// Sleeps the calling thread (transfers run on threads of their own).
    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Sleeps `seconds` in slices of at most 200 ms, ending early once `isCancelled` is true (a
    /// signal to `pilot stage`: nobody waits out a 30 s backoff or a rate cap's pause for it).
    static func sleep(seconds: Double, unless isCancelled: (@Sendable () -> Bool)?) {
        guard let isCancelled else { return sleep(seconds: seconds) }
        let end = ContinuousClock.now + .nanoseconds(Int64(max(0, seconds) * 1e9))
        while !isCancelled() {
            let left = SignedURLDownloader.seconds(end - ContinuousClock.now)
            guard left > 0 else { return }
            sleep(seconds: min(0.2, left))
        }
    }
}
