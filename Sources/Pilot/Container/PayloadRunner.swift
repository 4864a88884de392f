#if canImport(Glibc)
import Glibc
#endif
import Logging
import Payload

/// Runs one payload in a nested container with everything the node contributes: the image
/// unpacked, the seccomp program compiled, a cgroup for the limits, the GPUs asked for.
///
/// Shared by `pilot exec` (by hand) and `pilot run` (a job's payload).
struct PayloadRunner: Sendable {
    var configuration: PilotConfiguration
    var logger: Logger
    /// The pilot executable that performs the in-container set-up (tests point it at a built pilot).
    var initExecutable: String = ContainerLauncher.ownExecutable()

    /// Starts the payload, supervises it to the end (signals forwarded, wall-time limit), and
    /// returns how it ended; throws only when it could not be started.
    func run(_ spec: ContainerSpec, runtime: RuntimeChoice, grace: Double, timeout: Double?) async throws(ExecError) -> ExecOutcome {
        let prepared = try prepare(spec)
        let builtin = BuiltinRuntime(launcher: ContainerLauncher(initExecutable: initExecutable))
        let process: ContainerProcess
        do {
            process = try builtin.start(prepared.spec, extras: prepared.extras)
        } catch {
            throw .container(error)
        }
        logger.info("payload started", metadata: ["pid": "\(process.pid)", "runtime": "builtin", "command": "\(spec.command.first ?? "")"])
        let stopper = ContainerStopper(process: process, grace: grace)
        stopper.forward()
        if let timeout { stopper.limitWallTime(timeout) }
        let exit = await BlockingThread.run { process.wait() }
        stopper.cancel()
        logger.info("payload ended", metadata: [
            "exit_code": "\(exit.exitCode)", "wall_s": "\(exit.wallSeconds)",
            "cpu_s": "\(exit.userCPUSeconds + exit.systemCPUSeconds)", "max_rss_kb": "\(exit.maxRSSKilobytes)",
        ])
        return ExecOutcome(exit: exit, runtime: .builtin, timedOut: stopper.timedOut)
    }

    /// The spec with the image resolved, plus what the node adds.
    private func prepare(_ spec: ContainerSpec) throws(ExecError) -> (spec: ContainerSpec, extras: BuiltinRuntime.Extras) {
        (spec, BuiltinRuntime.Extras())
    }
}

/// How a payload run ended, as `pilot exec --result` and `pilot run` report it.
struct ExecOutcome: Sendable {
    var exit: ContainerExit
    var runtime: RuntimeChoice
    var timedOut: Bool

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
            killedByPilot: exit.killedByPilot, timedOut: timedOut, runtime: runtime.rawValue
        )
    }

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
        var runtime: String

        enum CodingKeys: String, CodingKey {
            case exitCode = "exit_code", status, signal, wallSeconds = "wall_seconds"
            case userCPUSeconds = "user_cpu_seconds", systemCPUSeconds = "system_cpu_seconds"
            case maxRSSKilobytes = "max_rss_kb", outOfMemory = "out_of_memory", killedByPilot = "killed_by_pilot"
            case timedOut = "timed_out", runtime
        }
    }
}
