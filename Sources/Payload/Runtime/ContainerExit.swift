/// How a payload ended and what it used: a result, whatever the exit code.
public struct ContainerExit: Sendable, Equatable {
    /// Normal exit with a code, or death by a signal.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// How the payload's main process ended.
    public var termination: Termination
    /// Wall-clock seconds from start to the end of the payload.
    public var wallSeconds: Double
    /// User CPU seconds of the whole payload tree (every process reaped inside the container).
    public var userCPUSeconds: Double
    /// System CPU seconds of the whole payload tree.
    public var systemCPUSeconds: Double
    /// The peak memory: of the whole tree where a cgroup measured it, else of its largest process.
    public var maxRSSKilobytes: UInt64
    /// Whether the payload's memory limit made the kernel kill it.
    public var outOfMemory: Bool
    /// Whether the pilot killed it (a kill request, a timeout), as opposed to it dying by itself.
    public var killedByPilot: Bool

    public init(
        termination: Termination, wallSeconds: Double, userCPUSeconds: Double = 0, systemCPUSeconds: Double = 0,
        maxRSSKilobytes: UInt64 = 0, outOfMemory: Bool = false, killedByPilot: Bool = false
    ) {
        self.termination = termination
        self.wallSeconds = wallSeconds
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
        self.maxRSSKilobytes = maxRSSKilobytes
        self.outOfMemory = outOfMemory
        self.killedByPilot = killedByPilot
    }

    /// The shell's view: the exit code, or 128 + the signal number.
    public var exitCode: Int32 {
        switch termination {
        case let .exited(code): code
        case let .signaled(signal): 128 + signal
        }
    }

    /// Decodes a wait(2) status.
    public static func termination(waitStatus status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
