#if canImport(Glibc)
import Glibc
#endif
import CContainerInit

/// Starts `pilot __container-init` with a launch plan: the plan in a memfd on fd 3, a status pipe
/// on fd 4, a lifeline pipe on fd 5 whose write end the pilot keeps (if the pilot dies, so does
/// the container).
public struct ContainerLauncher: Sendable {
    /// The pilot executable that runs the set-up (itself, except in tests, which run the built pilot).
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

    /// Spawns the set-up process and waits until the payload has started (or the set-up failed).
    /// `cleanup` runs once the set-up process is gone (removing its staging directory).
    public func start(_ plan: LaunchPlan, cleanup: @escaping @Sendable () -> Void = {}) throws(ContainerError) -> ContainerProcess {
        let bytes: [UInt8]
        do { bytes = try plan.encoded() } catch { cleanup(); throw error }
        let planFD: Int32
        do { planFD = try Self.memfd(bytes) } catch { cleanup(); throw error }
        defer { close(planFD) }
        var status: [Int32] = [0, 0], lifeline: [Int32] = [0, 0]
        guard pilot_pipe_cloexec(&status) == 0 else { cleanup(); throw .spawnFailed(call: "pipe2", errno: errno) }
        guard pilot_pipe_cloexec(&lifeline) == 0 else {
            let saved = errno
            close(status[0]); close(status[1])
            cleanup()
            throw .spawnFailed(call: "pipe2", errno: saved)
        }
        // Above 9 so that dup2 onto 3, 4, 5 always copies (dup2 of a fd onto itself keeps CLOEXEC).
        let high = [planFD, status[1], lifeline[0]].map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        defer { high.forEach { close($0) }; close(status[1]); close(lifeline[0]) }
        let started = Self.monotonicSeconds()
        let pid: pid_t
        do {
            pid = try spawn(fds: high)
        } catch {
            close(status[0]); close(lifeline[1])
            cleanup()
            throw error
        }
        let process = ContainerProcess(pid: pid, statusFD: status[0], lifelineFD: lifeline[1], startedAt: started, cleanup: cleanup)
        try process.awaitStart(command: plan.command.first ?? "")
        return process
    }

    private func spawn(fds: [Int32]) throws(ContainerError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attributes) }
        for (index, fd) in fds.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, Int32(3 + index)) }
        if let standardOutput { posix_spawn_file_actions_adddup2(&actions, standardOutput, 1) }
        if let standardError { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        // A clean signal state, and a process group of its own: a terminal's ^C reaches the pilot,
        // which decides what the payload gets.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(initExecutable), strdup("__container-init"), nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid = pid_t()
        let rc = posix_spawn(&pid, initExecutable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw .spawnFailed(call: "posix_spawn \(initExecutable)", errno: rc) }
        return pid
    }

    private static func memfd(_ bytes: [UInt8]) throws(ContainerError) -> Int32 {
        let fd = pilot_memfd_cloexec("pilot-launch-plan")
        guard fd >= 0 else { throw .spawnFailed(call: "memfd_create", errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let saved = errno
                close(fd)
                throw .spawnFailed(call: "write launch plan", errno: saved)
            }
            offset += n
        }
        return fd
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
