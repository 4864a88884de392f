#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A running container: its set-up process (outside every namespace it made), the status pipe
/// the container's init reports on, and the lifeline that ends it if the pilot dies.
public final class ContainerProcess: Sendable {
    /// The set-up process; a signal to it is forwarded to the payload, SIGKILL ends the container.
    public let pid: pid_t
    private let statusFD: Int32
    private let lifelineFD: Int32
    private let startedAt: Double
    private let cleanup: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        var buffered: [UInt8] = []
        var killedByPilot = false
        var finished: ContainerExit?
    }

    init(pid: pid_t, statusFD: Int32, lifelineFD: Int32, startedAt: Double, cleanup: @escaping @Sendable () -> Void) {
        self.pid = pid
        self.cleanup = cleanup
        self.statusFD = statusFD
        self.lifelineFD = lifelineFD
        self.startedAt = startedAt
    }

    deinit {
        close(statusFD)
        close(lifelineFD)
    }

    /// Reads status lines until the payload is running; throws the set-up's error otherwise.
    func awaitStart(command: String) throws(ContainerError) {
        while let line = readLine() {
            if line.hasPrefix("started") { return }
            if line.hasPrefix("error ") {
                reapQuietly()
                cleanup()
                throw Self.error(from: line, command: command)
            }
        }
        let status = reapQuietly()
        cleanup()
        throw .setupVanished("exit status \(status) before the payload started")
    }

    /// Sends a signal to the set-up process (forwarded to the payload's process group).
    public func signal(_ signal: Int32) {
        if signal == SIGKILL { state.withLock { $0.killedByPilot = true } }
        kill(pid, signal)
    }

    /// Marks the coming end as the pilot's doing (a kill request, a limit), for the result.
    public func markKilledByPilot() {
        state.withLock { $0.killedByPilot = true }
    }

    /// Blocks until the payload has ended and the container is gone; returns what it did.
    public func wait() -> ContainerExit {
        if let done = state.withLock({ $0.finished }) { return done }
        var result: ContainerExit?
        while let line = readLine() {
            if line.hasPrefix("result ") { result = Self.parseResult(line) }
        }
        let status = reapQuietly()
        cleanup()
        let wall = ContainerLauncher.monotonicSeconds() - startedAt
        var exit = result ?? ContainerExit(termination: ContainerExit.termination(waitStatus: status), wallSeconds: 0)
        exit.wallSeconds = wall
        exit.killedByPilot = state.withLock { $0.killedByPilot }
        state.withLock { $0.finished = exit }
        return exit
    }

    /// `result WAITSTATUS UTIME_US STIME_US MAXRSS_KB`, as init.c writes it.
    static func parseResult(_ line: String) -> ContainerExit? {
        let fields = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard fields.count == 4 else { return nil }
        return ContainerExit(
            termination: ContainerExit.termination(waitStatus: Int32(truncatingIfNeeded: fields[0])), wallSeconds: 0,
            userCPUSeconds: Double(fields[1]) / 1e6, systemCPUSeconds: Double(fields[2]) / 1e6,
            maxRSSKilobytes: UInt64(max(0, fields[3]))
        )
    }

    /// `error ERRNO STEP: DETAIL`, as die_step writes it.
    static func error(from line: String, command: String) -> ContainerError {
        let rest = line.dropFirst("error ".count)
        let number = Int32(rest.prefix { $0 != " " }) ?? 0
        let message = rest.drop { $0 != " " }.dropFirst()
        let step = String(message.prefix { $0 != ":" })
        var detail = String(message.drop { $0 != ":" }.dropFirst())
        while detail.hasPrefix(" ") { detail.removeFirst() }
        if step == "exec" {
            return number == ENOENT ? .commandNotFound(command) : .commandNotExecutable(command, errno: number)
        }
        return .setupFailed(step: step, errno: number, detail: detail)
    }

    private func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            if let line = state.withLock({ state -> String? in
                guard let newline = state.buffered.firstIndex(of: 10) else { return nil }
                let line = String(decoding: state.buffered[..<newline], as: UTF8.self)
                state.buffered.removeSubrange(...newline)
                return line
            }) {
                return line
            }
            let n = chunk.withUnsafeMutableBytes { read(statusFD, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return nil }
            state.withLock { $0.buffered.append(contentsOf: chunk[0..<n]) }
        }
    }

    @discardableResult
    private func reapQuietly() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return status
    }
}
