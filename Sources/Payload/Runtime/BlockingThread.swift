#if canImport(Glibc)
import Glibc
#endif

/// Runs a blocking call (waiting for a payload) on a thread of its own, so that it never holds
/// one of the few threads of Swift's cooperative pool for hours.
public enum BlockingThread {
    /// Calls `body` on a new thread and returns its value.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            spawn { continuation.resume(returning: body()) }
        }
    }

    /// Calls `body` on a new detached thread and returns at once (for work a caller may abandon:
    /// a transfer cut short by the pilot's stop budget ends with the process).
    public static func spawn(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Job(body))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        pthread_attr_destroy(&attributes)
        if created != 0 {
            // No thread to be had: block this one rather than never answer.
            box.takeRetainedValue().body()
        }
    }

    private final class Job: @unchecked Sendable {  // immutable; handed to exactly one thread
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
