#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Payload

/// `pilot exec`: runs one payload in a nested container by hand, as `pilot run` runs a job's.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        // Parsed on its own by `PilotMain` (the launch path); its usage and help still say `pilot exec`.
        _superCommandName: "pilot",
        abstract: "Run a command in a nested container: its own image, binds, a clean environment, seccomp, limits.",
        discussion: """
            Exits with the command's exit code, or 128+N when a signal N ended it. The pilot's own \
            failures use the codes docker and env(1) use: 125 the container could not be set up, \
            126 the command cannot be executed, 127 the command is not in the image; 64 bad arguments.
            """,
        version: BuildInfo.pilotVersion
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The image: an unpacked root directory, or an OCI layout / docker-save / rootfs tarball.")
    var image: String

    @Option(name: .long, help: "SRC[:DST[:ro|rw]] bound into the container (repeatable; read-write unless ro).")
    var bind: [String] = []

    @Option(name: .long, help: "Host directory bound read-write at /srv, the payload's working directory.")
    var workdir: String?

    @Option(name: .long, help: "Working directory inside (default /srv with --workdir, else /).")
    var pwd: String?

    @Option(name: .long, help: "NAME=value for the payload's environment (repeatable); nothing else is inherited.")
    var env: [String] = []

    @Option(name: .long, help: "default (the pilot's deny-list), none, or a Docker/OCI seccomp profile JSON file.")
    var seccomp: String = "default"

    @Flag(name: .customLong("allow-nested"), help: "Let the payload create namespaces (containers) of its own.")
    var allowNested = false

    @Option(name: .long, help: "Memory limit of the whole payload (bytes, or 512M, 2G); needs a cgroup the pilot can create.")
    var memory: String?

    @Option(name: .long, help: "Most processes and threads at once.")
    var pids: Int?

    @Option(name: .long, help: "CPU bandwidth in cores (e.g. 1.5).")
    var cpus: Double?

    @Option(name: .long, help: "all, none, or a comma list of GPU indexes or UUIDs (default none).")
    var gpus: String = "none"

    @Option(name: .long, help: "auto, builtin or apptainer (default auto: apptainer where the node has it).")
    var runtime: RuntimeChoice = .auto

    @Option(name: .long, help: "UID[:GID] the payload runs as (root only; default: the pilot's user, without capabilities).")
    var user: String?

    @Option(name: .long, help: "Host name inside the container.")
    var hostname: String = "pilot-payload"

    @Option(name: .long, help: "Seconds between SIGTERM and SIGKILL when the payload is stopped (default 10).")
    var grace: Double = 10

    @Option(name: .long, help: "Stop the payload after this many seconds of wall time.")
    var timeout: Double?

    @Option(name: .customLong("image-cache"), help: "Where image archives are unpacked (default /var/cache/pilot/images as root, else ~/.cache/pilot/images).")
    var imageCache: String?

    @Option(name: .long, help: "auto (only with --memory/--pids/--cpus), always (also measures the whole tree's peak memory), never.")
    var cgroup: PayloadRunner.CgroupPolicy = .auto

    @Option(name: .long, help: "Write the result (exit, signal, CPU, memory, OOM) as JSON to this file.")
    var result: String?

    @Argument(parsing: .postTerminator, help: "-- CMD [ARG...]: the command to run inside.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. pilot exec --image DIR -- /bin/sh -c 'echo hi'") }
        guard grace >= 0 else { throw ValidationError("--grace must not be negative") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if let pids, pids <= 0 { throw ValidationError("--pids must be positive") }
        if let cpus, cpus <= 0 { throw ValidationError("--cpus must be positive") }
    }

    func run() async throws {
        let context = try CommandContext.make(global: global, label: "pilot.exec")
        let spec: ContainerSpec
        do { spec = try makeSpec() } catch { throw CommandContext.fail(ExecError.container(error)) }
        let outcome: ExecOutcome
        do {
            outcome = try await PayloadRunner(
                configuration: context.configuration, environment: context.environment, logger: context.logger,
                imageCache: imageCache ?? Self.defaultImageCache(context.environment), cgroupPolicy: cgroup
            ).run(spec, runtime: runtime, grace: grace, timeout: timeout)
        } catch {
            throw CommandContext.fail(error)
        }
        if let result {
            do { try AtomicFile.write(JSONOutput.encode(outcome.report) + "\n", to: result) } catch {
                throw CommandContext.fail(ExecError.resultUnwritable(result, "\(error)"))
            }
        }
        // exit(3) rather than `throw ExitCode`: swift-argument-parser builds its help text for
        // every thrown exit code, a noticeable part of a short payload's launch.
        Glibc.exit(outcome.exit.exitCode)
    }

    /// The image cache when none is given: a system directory for root, the user's cache otherwise.
    static func defaultImageCache(_ environment: [String: String]) -> String {
        if getuid() == 0 { return "/var/cache/pilot/images" }
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/pilot/images" }
        return (environment["HOME"] ?? "/tmp") + "/.cache/pilot/images"
    }

    /// The spec these options describe.
    func makeSpec() throws(ContainerError) -> ContainerSpec {
        var binds = try bind.map { (text) throws(ContainerError) in try Bind(parsing: text) }
        if let workdir {
            guard workdir.hasPrefix("/") else { throw .invalidSpec("--workdir must be an absolute path") }
            binds.insert(Bind(source: workdir, destination: "/srv", readOnly: false), at: 0)
        }
        var environment = [
            EnvironmentVariable(name: "PATH", value: ContainerSpec.defaultPath),
            EnvironmentVariable(name: "HOME", value: workdir == nil ? "/" : "/srv"),
        ]
        for text in env {
            let variable = try EnvironmentVariable(parsing: text)
            environment.removeAll { $0.name == variable.name }
            environment.append(variable)
        }
        let seccompChoice: SeccompChoice = switch seccomp {
        case "default": .default
        case "none": .none
        default: .file(seccomp)
        }
        let limits = ResourceLimits(memoryBytes: try memory.map { (text) throws(ContainerError) in try ByteCount.parse(text) },
                                    pids: pids, cpus: cpus)
        var spec = ContainerSpec(
            rootfs: image, binds: binds, environment: environment,
            workingDirectory: pwd ?? (workdir == nil ? "/" : "/srv"), command: command, seccomp: seccompChoice,
            allowNestedNamespaces: allowNested, limits: limits, gpus: try GPURequest(parsing: gpus), hostname: hostname
        )
        if let user {
            let ids = user.split(separator: ":", omittingEmptySubsequences: false).map { UInt32($0) }
            guard (1...2).contains(ids.count), let uid = ids[0], let gid = ids.count == 2 ? ids[1] : uid else {
                throw .invalidSpec("--user '\(user)' is not UID[:GID] (numbers)")
            }
            spec.user = ContainerUser(uid: uid, gid: gid)
        }
        return spec
    }
}

extension PayloadRunner.CgroupPolicy: ExpressibleByArgument {
    static var allValueStrings: [String] { allCases.map(\.rawValue) }
    var defaultValueDescription: String { rawValue }
}

/// Which container runtime runs the payload.
enum RuntimeChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, builtin, apptainer

    static var allValueStrings: [String] { allCases.map(\.rawValue) }
    var defaultValueDescription: String { rawValue }
}
