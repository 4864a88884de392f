import Payload

/// How a payload run ended, as `pilot exec --result` and `pilot run` report it.
struct ExecOutcome: Sendable {
    var exit: ContainerExit
    var runtime: RuntimeChoice
    var timedOut: Bool
    /// False when limits were asked for but no cgroup could enforce them.
    var limitsEnforced: Bool

    /// The JSON form (`pilot exec --result FILE`).
    var report: Report {
        var signal: Int32?
        var code: Int32?
        switch exit.termination {
        case let .exited(value): code = value
        case let .signaled(value): signal = value
        }
        return Report(
            exitCode: exit.exitCode, status: code, signal: signal, wallSeconds: exit.wallSeconds,
            userCPUSeconds: exit.userCPUSeconds, systemCPUSeconds: exit.systemCPUSeconds,
            maxRSSKilobytes: exit.maxRSSKilobytes, outOfMemory: exit.outOfMemory,
            killedByPilot: exit.killedByPilot, timedOut: timedOut, limitsEnforced: limitsEnforced, runtime: runtime.rawValue
        )
    }

    /// `pilot exec --result` keys (README, "pilot exec").
    struct Report: Codable, Sendable, Equatable {
        var exitCode: Int32
        @EncodedAsNull var status: Int32?
        @EncodedAsNull var signal: Int32?
        var wallSeconds: Double
        var userCPUSeconds: Double
        var systemCPUSeconds: Double
        var maxRSSKilobytes: UInt64
        var outOfMemory: Bool
        var killedByPilot: Bool
        var timedOut: Bool
        var limitsEnforced: Bool
        var runtime: String

        enum CodingKeys: String, CodingKey {
            case exitCode = "exit_code", status, signal, wallSeconds = "wall_seconds"
            case userCPUSeconds = "user_cpu_seconds", systemCPUSeconds = "system_cpu_seconds"
            case maxRSSKilobytes = "max_rss_kb", outOfMemory = "out_of_memory", killedByPilot = "killed_by_pilot"
            case timedOut = "timed_out", limitsEnforced = "limits_enforced", runtime
        }
    }
}
