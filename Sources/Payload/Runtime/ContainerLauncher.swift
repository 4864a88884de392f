#if canImport(Glibc)
import Glibc
#endif
import CContainerInit

/// Starts the set-up process for a launch plan: a fork of the pilot that runs only C
/// (Sources/CContainerInit), with a status pipe on fd 4 and a lifeline pipe on fd 5 whose write
/// end the pilot keeps (if the pilot dies, so does the container).
///
/// A fork rather than an exec of the pilot: the 22 MB static binary and the Swift runtime need not
/// start again, about 1.5 ms of every launch. glibc keeps malloc usable in the child of a threaded
/// process, and nothing of Swift runs there.
public struct ContainerLauncher: Sendable {
    /// The pilot executable, bound into apptainer containers for `__seccomp-exec`.
    public var initExecutable: String
    /// Where the payload's standard output and error go (nil: the pilot's own).
    public var standardOutput: Int32?
    public var standardError: Int32?

    public init(initExecutable: String = ContainerLauncher.ownExecutable(), standardOutput: Int32? = nil, standardError: Int32? = nil) {
        self.initExecutable = initExecutable
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The running executable's path, resolved now (an upgraded binary on disk must not change it).
    public static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe"
    }

    /// Forks the set-up process and waits until the payload has started (or the set-up failed).
    /// `cleanup` runs once the set-up process is gone (removing its staging directory).
    public func start(_ plan: LaunchPlan, cleanup: @escaping @Sendable () -> Void = {}) throws(ContainerError) -> ContainerProcess {
        let bytes: [UInt8]
        do { bytes = try plan.encoded() } catch { cleanup(); throw error }
        var status: [Int32] = [0, 0], lifeline: [Int32] = [0, 0]
        guard pilot_pipe_cloexec(&status) == 0 else { cleanup(); throw .spawnFailed(call: "pipe2", errno: errno) }
        guard pilot_pipe_cloexec(&lifeline) == 0 else {
            let saved = errno
            close(status[0]); close(status[1])
            cleanup()
            throw .spawnFailed(call: "pipe2", errno: saved)
        }
        let started = Self.monotonicSeconds()
        let pid = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                pilot_container_spawn($0.baseAddress, $0.count, status[1], lifeline[0], standardOutput ?? -1, standardError ?? -1)
            }
        }
        let forkErrno = errno
        close(status[1])
        close(lifeline[0])
        guard pid > 0 else {
            close(status[0]); close(lifeline[1])
            cleanup()
            throw .spawnFailed(call: "fork", errno: forkErrno)
        }
        let process = ContainerProcess(pid: pid, statusFD: status[0], lifelineFD: lifeline[1], startedAt: started, cleanup: cleanup)
        try process.awaitStart(command: plan.command.first ?? "")
        return process
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
