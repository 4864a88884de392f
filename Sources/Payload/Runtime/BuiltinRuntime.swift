#if canImport(Glibc)
import Glibc
#endif

/// The pilot's own container runtime: namespaces, a pivot_root into the image, seccomp, an init.
///
/// Root runs without a user namespace and drops every capability before exec; anyone else gets a
/// user namespace mapping their own uid and gid, so files the payload writes are theirs on the host.
public struct BuiltinRuntime: Sendable {
    /// Starts the set-up process.
    public var launcher: ContainerLauncher
    /// Where the per-container staging directory (an empty mount point) is made.
    public var stagingParent: String
    /// The uid and gid the pilot runs as.
    public var identity: (uid: UInt32, gid: UInt32)

    public init(launcher: ContainerLauncher = ContainerLauncher(), stagingParent: String = "/tmp",
                identity: (uid: UInt32, gid: UInt32) = (getuid(), getgid())) {
        self.launcher = launcher
        self.stagingParent = stagingParent
        self.identity = identity
    }

    /// What the container needs besides the spec: the compiled seccomp program, the cgroup to
    /// join, and binds and variables contributed by the node (GPUs).
    public struct Extras: Sendable {
        public var seccompProgram: [UInt8]?
        public var cgroupProcs: [String]
        public var binds: [Bind]
        public var environment: [EnvironmentVariable]

        public init(seccompProgram: [UInt8]? = nil, cgroupProcs: [String] = [], binds: [Bind] = [], environment: [EnvironmentVariable] = []) {
            self.seccompProgram = seccompProgram
            self.cgroupProcs = cgroupProcs
            self.binds = binds
            self.environment = environment
        }
    }

    /// The launch plan for a spec, with `staging` as the root's mount point.
    public func plan(for spec: ContainerSpec, staging: String, extras: Extras = Extras()) -> LaunchPlan {
        var plan = LaunchPlan()
        plan.namespaces = [.mount, .pid, .ipc, .uts]
        if identity.uid == 0 {
            plan.dropCapabilities = true
        } else {
            plan.namespaces.insert(.user)
            plan.identity = identity
        }
        plan.hostname = spec.hostname
        plan.cgroupProcs = extras.cgroupProcs
        plan.mounts = [.root(image: spec.rootfs, staging: staging, readOnly: spec.readOnlyRoot)]
            + (spec.binds + extras.binds).map { .bind($0) }
        plan.pivot = true
        plan.workingDirectory = spec.workingDirectory
        plan.environment = Self.merged(spec.environment, extras.environment)
        plan.rlimits = Self.rlimits(spec.limits)
        plan.seccompProgram = extras.seccompProgram
        plan.runAs = identity.uid == 0 ? spec.user : nil  // an unprivileged pilot's payload is already that user
        plan.command = spec.command
        return plan
    }

    /// Starts the payload; the staging directory is removed when the container is gone.
    public func start(_ spec: ContainerSpec, extras: Extras = Extras()) throws(ContainerError) -> ContainerProcess {
        guard !spec.command.isEmpty else { throw .invalidSpec("no command to run") }
        if let user = spec.user, identity.uid != 0, user.uid != identity.uid || user.gid != identity.gid {
            throw .invalidSpec("only root can run the payload as another user (uid \(user.uid)); this pilot runs as uid \(identity.uid)")
        }
        var info = stat()
        guard stat(spec.rootfs, &info) == 0 else { throw .setupFailed(step: "open image", errno: errno, detail: spec.rootfs) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .setupFailed(step: "open image", errno: ENOTDIR, detail: spec.rootfs) }
        let staging = try makeStaging()
        return try launcher.start(plan(for: spec, staging: staging, extras: extras)) { rmdir(staging) }
    }

    /// Whether this node lets the pilot make the namespaces and mounts a container needs: nil when
    /// it does, else the reason (e.g. user namespaces refused by the pod's seccomp profile).
    public func probe() -> String? {
        let staging: String
        do { staging = try makeStaging() } catch { return error.description }
        var plan = LaunchPlan()
        plan.namespaces = [.mount, .pid, .ipc, .uts]
        if identity.uid != 0 {
            plan.namespaces.insert(.user)
            plan.identity = identity
        }
        // An empty image (the staging directory itself) exercises every mount a container needs.
        plan.mounts = [.root(image: staging, staging: staging, readOnly: true)]
        plan.pivot = true
        plan.probe = true
        do {
            _ = try launcher.start(plan) { rmdir(staging) }.wait()
            return nil
        } catch {
            return error.description
        }
    }

    private func makeStaging() throws(ContainerError) -> String {
        var template = Array("\(stagingParent)/pilot-root-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .setupFailed(step: "mkdtemp", errno: errno, detail: stagingParent)
        }
        return String(cString: made)
    }

    /// Node variables (GPU visibility) are set unless the spec sets them; PATH-like ones append.
    static func merged(_ spec: [EnvironmentVariable], _ node: [EnvironmentVariable]) -> [EnvironmentVariable] {
        var out = spec
        for variable in node {
            if let index = out.firstIndex(where: { $0.name == variable.name }) {
                if variable.name == "PATH" || variable.name == "LD_LIBRARY_PATH" {
                    out[index].value += out[index].value.isEmpty ? variable.value : ":" + variable.value
                }
            } else {
                out.append(variable)
            }
        }
        return out
    }

    static func rlimits(_ limits: ResourceLimits) -> [LaunchPlan.ResourceLimit] {
        var out: [LaunchPlan.ResourceLimit] = []
        if let core = limits.coreBytes { out.append(.init(resource: Int32(RLIMIT_CORE.rawValue), soft: core, hard: core)) }
        if let files = limits.openFiles { out.append(.init(resource: Int32(RLIMIT_NOFILE.rawValue), soft: files, hard: files)) }
        return out
    }
}
