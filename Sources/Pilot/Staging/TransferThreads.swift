#if canImport(Glibc)
import Glibc
#endif

/// Runs work on threads of its own and waits for all of them.
///
/// Parallel range streams each need a core for TLS and the checksum, and a blocking libcurl
/// transfer must not occupy a thread of Swift's small cooperative pool.
enum TransferThreads {
    /// Calls `body(i)` for i in 0..<count, each on its own thread, and returns when all are done.
    static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        var threads: [pthread_t] = []
        for index in 0..<count {
            let box = Unmanaged.passRetained(Job(index: index, body: body))
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.body(job.index)
                return nil
            }, box.toOpaque())
            if created == 0 {
                threads.append(thread)
            } else {
                // No thread to be had: do the work here rather than lose it.
                let job = box.takeRetainedValue()
                job.body(job.index)
            }
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    private final class Job: @unchecked Sendable {  // immutable after init; handed to one thread
        let index: Int
        let body: @Sendable (Int) -> Void

        init(index: Int, body: @escaping @Sendable (Int) -> Void) {
            self.index = index
            self.body = body
        }
    }
}
