#if canImport(Glibc)
import Glibc
#endif
import Logging
import Payload

/// Runs one payload in a nested container with everything the node contributes: the image
/// unpacked, the seccomp program compiled, a cgroup for the limits and the accounting, the GPUs
/// asked for, and the backend chosen (apptainer where the node has it, else the builtin runtime).
///
/// Shared by `pilot exec` (by hand) and `pilot run` (a job's payload).
struct PayloadRunner: Sendable {
    var configuration: PilotConfiguration
    var environment: [String: String]
    var logger: Logger
    /// The pilot executable that performs the in-container set-up (tests point it at a built pilot).
    var initExecutable: String = ContainerLauncher.ownExecutable()
    /// Where image archives are unpacked, once per content digest.
    var imageCache: String
    /// Where the per-run scratch (staging mount point, seccomp file) is made.
    var scratchParent: String = "/tmp"
    /// When the payload gets a cgroup of its own.
    var cgroupPolicy: CgroupPolicy = .auto
    /// Where the payload's standard output and error go (nil: the pilot's own); `pilot validate`
    /// keeps them per run.
    var standardOutput: Int32? = nil
    var standardError: Int32? = nil

    /// When to make a cgroup for the payload: it enforces limits and measures the whole tree's
    /// peak memory and OOM kills, at the price of a few milliseconds (cgroup v1 migrations wait
    /// for an RCU grace period).
    enum CgroupPolicy: String, Sendable, CaseIterable {
        /// Only when limits are asked for (`pilot exec`'s default).
        case auto
        /// Whenever the node allows one (`pilot run`: accounting wants the tree's peak).
        case always
        /// Never; limits are then not enforced.
        case never
    }

    /// Starts the payload, supervises it to the end (signals forwarded, wall-time limit), and
    /// returns how it ended; throws only when it could not be started.
    func run(_ spec: ContainerSpec, runtime: RuntimeChoice, grace: Double, timeout: Double?) async throws(ExecError) -> ExecOutcome {
        let payload = try await launch(spec, runtime: runtime, grace: grace)
        payload.stopper.forward()
        if let timeout { payload.stopper.limitWallTime(timeout) }
        return await payload.finish()
    }

    /// Starts the payload and returns it running: the job loop watches it (`RunningPayload.pid`,
    /// `.cgroup`), stops it (`.stopper`) and collects its end (`finish`).
    func launch(_ spec: ContainerSpec, runtime: RuntimeChoice, grace: Double) async throws(ExecError) -> RunningPayload {
        var spec = spec
        spec.rootfs = try resolveImage(spec.rootfs)
        let backend = try await chooseBackend(runtime)
        let seccomp = try compileSeccomp(spec)
        let gpus = try await gpuPlan(spec.gpus, apptainer: backend.installation != nil)
        let cgroup = makeCgroup(spec.limits, wanted: cgroupPolicy)
        let started: StartedPayload
        do {
            started = try start(spec, backend: backend, seccomp: seccomp, gpus: gpus, cgroup: cgroup)
        } catch {
            try? cgroup?.tearDown()
            throw error
        }
        logger.info("payload started", metadata: [
            "pid": "\(started.process.pid)", "runtime": "\(backend.choice.rawValue)", "command": "\(spec.command.first ?? "")",
            "cgroup": "\(cgroup.map { $0.version == .v1 ? "v1" : "v2" } ?? "none")",
        ])
        let asked = spec.limits.memoryBytes != nil || spec.limits.pids != nil || spec.limits.cpus != nil
        return RunningPayload(
            process: started.process, stopper: ContainerStopper(process: started.process, grace: grace), cgroup: cgroup,
            runtime: backend.choice, limitsEnforced: cgroup != nil || !asked, cleanup: started.cleanup, runner: self)
    }

    /// The cgroup's view replaces the init's where it is better: the peak memory of the whole tree
    /// (rusage only knows the largest process) and whether the OOM killer acted.
    func finish(_ exit: ContainerExit, cgroup: PayloadCgroup) -> ContainerExit {
        var exit = exit
        do {
            let usage = try cgroup.usage()
            if let peak = usage.peakMemoryBytes, peak > 0 { exit.maxRSSKilobytes = peak / 1024 }
            exit.outOfMemory = usage.oomKilled
        } catch {
            logger.warning("cannot read the payload's cgroup usage", metadata: ["error": "\(error)"])
        }
        do { try cgroup.tearDown() } catch {
            logger.warning("cannot remove the payload's cgroup", metadata: ["error": "\(error)"])
        }
        return exit
    }

    /// A directory image as is; an archive unpacked into the cache.
    private func resolveImage(_ image: String) throws(ExecError) -> String {
        do {
            return try ImageStore(cacheDirectory: imageCache, logger: logger).rootfs(for: image)
        } catch {
            throw .image(error)
        }
    }

    /// The seccomp program for the spec; nil for `--seccomp none`.
    private func compileSeccomp(_ spec: ContainerSpec) throws(ExecError) -> SeccompProgram? {
        do {
            guard let policy = try SeccompPolicy.resolve(spec.seccomp, allowNestedNamespaces: spec.allowNestedNamespaces) else { return nil }
            let program = try policy.compile(withPFC: false)
            if !program.skippedSyscalls.isEmpty {
                logger.warning("seccomp profile names system calls this libseccomp does not know", metadata: ["skipped": "\(program.skippedSyscalls.joined(separator: ","))"])
            }
            return program
        } catch {
            throw .seccomp(error)
        }
    }

    /// A cgroup for the payload where the pilot can make one; its absence is logged, not fatal.
    private func makeCgroup(_ limits: ResourceLimits, wanted: CgroupPolicy) -> PayloadCgroup? {
        let asked = limits.memoryBytes != nil || limits.pids != nil || limits.cpus != nil
        if wanted == .never || (wanted == .auto && !asked) { return nil }
        let name = "pilot-payload-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            let cgroup = try PayloadCgroupFactory().create(name: name, limits: limits)
            if !cgroup.unenforcedLimits.isEmpty {
                logger.warning("limits not enforced by this cgroup", metadata: ["limits": "\(cgroup.unenforcedLimits.joined(separator: ","))"])
            }
            return cgroup
        } catch {
            logger.log(level: asked ? .warning : .debug, "payload runs without a cgroup of its own", metadata: ["reason": "\(error)"])
            return nil
        }
    }
}
