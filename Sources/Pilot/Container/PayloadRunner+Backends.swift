#if canImport(Glibc)
import Glibc
#endif
import Payload

/// Choosing and starting a backend.
extension PayloadRunner {
    /// The backend a run uses; `installation` is set for apptainer.
    struct Backend: Sendable {
        var choice: RuntimeChoice
        var installation: ApptainerInstallation?
    }

    /// The GPUs for a run: what to bind (builtin) and which the pod can use (both backends).
    struct GPUs: Sendable {
        var plan: GPUBindPlan
        var visible: [VisibleGPU]
    }

    /// A started payload and what to remove once it is over.
    struct StartedPayload: Sendable {
        var process: ContainerProcess
        var cleanup: @Sendable () -> Void
    }

    /// `auto` takes apptainer where the node has a working one (what grid sites validate), else
    /// the builtin runtime; `apptainer` without one is an error naming every place looked at.
    func chooseBackend(_ choice: RuntimeChoice) async throws(ExecError) -> Backend {
        if choice == .builtin { return Backend(choice: .builtin) }
        let locator = ApptainerLocator(searchPath: environment["PATH"] ?? ContainerSpec.defaultPath, cvmfsRoot: configuration.cvmfsRoot)
        let availability = await ApptainerProbe(locator: locator, timeout: .seconds(30)).detect(runner: DeadlineHelperRunner())
        if let installation = availability.installation { return Backend(choice: .apptainer, installation: installation) }
        if choice == .apptainer { throw .container(.noRuntime("apptainer: \(availability)")) }
        logger.debug("no apptainer on this node; using the builtin runtime", metadata: ["apptainer": "\(availability)"])
        return Backend(choice: .builtin)
    }

    /// The pod's GPUs, detected only when the spec asks for some.
    func gpuPlan(_ request: GPURequest, apptainer: Bool) async throws(ExecError) -> GPUs {
        if request == .none { return GPUs(plan: .empty, visible: []) }
        let probe = GPUProbe(
            root: configuration.root, nvidiaSMI: configuration.nvidiaSMI,
            timeout: .milliseconds(Int64(configuration.nvidiaSMITimeout * 1000)), environment: environment, logger: logger)
        let devices = await probe.detect().devices
        let visible = devices.map(\.visibleGPU)
        // apptainer --nv binds the driver itself; only the selection is needed.
        if apptainer { return GPUs(plan: .empty, visible: visible) }
        do {
            let plan = try await GPUBindPlan.prepare(
                request: request, visible: visible, searchPath: environment["PATH"] ?? ContainerSpec.defaultPath,
                driverVersion: devices.first?.driver, root: configuration.root, runner: DeadlineHelperRunner(), timeout: .seconds(10))
            return GPUs(plan: plan, visible: visible)
        } catch {
            throw .gpu(error)
        }
    }

    /// Starts the payload on the chosen backend, joined to the cgroup.
    func start(_ spec: ContainerSpec, backend: Backend, seccomp: SeccompProgram?, gpus: GPUs, cgroup: PayloadCgroup?) throws(ExecError) -> StartedPayload {
        let launcher = ContainerLauncher(initExecutable: initExecutable, standardOutput: standardOutput, standardError: standardError)
        guard let installation = backend.installation else {
            let runtime = BuiltinRuntime(launcher: launcher, stagingParent: scratchParent)
            let extras = BuiltinRuntime.Extras(seccompProgram: seccomp?.bpf, cgroupProcs: cgroup?.joinFiles ?? [])
            do {
                return StartedPayload(process: try runtime.start(gpus.plan.applied(to: spec), extras: extras), cleanup: {})
            } catch {
                throw .container(error)
            }
        }
        if spec.user != nil {
            throw .container(.invalidSpec("the apptainer backend runs the payload as the pilot's user; --user needs --runtime builtin"))
        }
        // apptainer builds the container; the set-up process only joins the cgroup and supervises.
        let scratch = try makeScratch()
        let cleanup: @Sendable () -> Void = { Self.remove(scratch) }
        do {
            var wrapper: SeccompExecWrapper?
            if let seccomp {
                let filter = scratch + "/seccomp.bpf"
                try AtomicFile.write(seccomp.bpf, to: filter)
                wrapper = SeccompExecWrapper(pilotBinary: initExecutable, filterFile: filter)
            }
            let invocation = try ApptainerInvocation(
                spec: spec, apptainer: installation, seccomp: wrapper, visibleGPUs: gpus.visible,
                processEnvironment: ["PATH": environment["PATH"] ?? ContainerSpec.defaultPath])
            var plan = LaunchPlan()
            plan.cgroupProcs = cgroup?.joinFiles ?? []
            plan.environment = invocation.environment.sorted { $0.key < $1.key }.map { EnvironmentVariable(name: $0.key, value: $0.value) }
            plan.command = invocation.argv
            return StartedPayload(process: try launcher.start(plan), cleanup: cleanup)
        } catch let error as ApptainerInvocationError {
            cleanup()
            throw .apptainer(error)
        } catch let error as ContainerError {
            cleanup()
            throw .container(error)
        } catch {
            cleanup()
            throw .container(.setupFailed(step: "write seccomp filter", errno: (error as? SystemCallError)?.errno ?? EIO, detail: scratch))
        }
    }

    private func makeScratch() throws(ExecError) -> String {
        var template = Array("\(scratchParent)/pilot-apptainer-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .container(.setupFailed(step: "mkdtemp", errno: errno, detail: scratchParent))
        }
        chmod(made, 0o755)
        return String(cString: made)
    }

    private static func remove(_ scratch: String) {
        unlink(scratch + "/seccomp.bpf")
        rmdir(scratch)
    }
}
