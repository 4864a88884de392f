/// Everything a backend needs to run one payload in a nested container.
///
/// Backend-neutral: the builtin runtime turns it into a launch plan for its C set-up code, the
/// apptainer backend into a command line. Paths under `rootfs` and bind sources are host paths;
/// bind destinations and `workingDirectory` are paths inside the container.
public struct ContainerSpec: Sendable, Equatable {
    /// The unpacked image: a directory holding the container's `/` (see `ImageStore`).
    public var rootfs: String
    /// Host paths made visible inside, in order (a later bind may sit inside an earlier one).
    public var binds: [Bind]
    /// The payload's whole environment: nothing of the pilot's is inherited.
    public var environment: [EnvironmentVariable]
    /// The payload's current directory inside the container.
    public var workingDirectory: String
    /// The program and its arguments; a program without `/` is searched in the environment's PATH.
    public var command: [String]
    /// Which system calls the payload may not make.
    public var seccomp: SeccompChoice
    /// Whether the payload may create namespaces of its own (ATLAS payloads sometimes start containers).
    public var allowNestedNamespaces: Bool
    /// Memory, process and CPU limits, and rlimits.
    public var limits: ResourceLimits
    /// Which of the pod's NVIDIA GPUs the payload sees.
    public var gpus: GPURequest
    /// The host name inside the container (its own UTS namespace).
    public var hostname: String
    /// Whether the image's `/` is mounted read-only (binds keep their own mode).
    public var readOnlyRoot: Bool
    /// The uid and gid the payload runs as; nil runs it as the pilot's own user (root: without capabilities).
    public var user: ContainerUser? = nil

    public init(
        rootfs: String, binds: [Bind] = [], environment: [EnvironmentVariable] = [],
        workingDirectory: String = "/srv", command: [String], seccomp: SeccompChoice = .default,
        allowNestedNamespaces: Bool = false, limits: ResourceLimits = ResourceLimits(),
        gpus: GPURequest = .none, hostname: String = "pilot-payload", readOnlyRoot: Bool = true
    ) {
        self.rootfs = rootfs
        self.binds = binds
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.command = command
        self.seccomp = seccomp
        self.allowNestedNamespaces = allowNestedNamespaces
        self.limits = limits
        self.gpus = gpus
        self.hostname = hostname
        self.readOnlyRoot = readOnlyRoot
    }
}

/// A numeric user and group for the payload.
public struct ContainerUser: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
}

/// A host path bound into the container.
public struct Bind: Sendable, Equatable, CustomStringConvertible {
    /// The host path (file or directory).
    public var source: String
    /// The absolute path inside the container.
    public var destination: String
    /// Whether writes through the bind fail with EROFS.
    public var readOnly: Bool

    public init(source: String, destination: String, readOnly: Bool) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }

    /// `SRC:DST:ro` or `SRC:DST:rw`, as apptainer's `-B` and `pilot exec --bind` write it.
    public var description: String { "\(source):\(destination):\(readOnly ? "ro" : "rw")" }
}

/// One `NAME=value` of the payload's environment.
public struct EnvironmentVariable: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The seccomp filter to load before the payload's `execve`.
public enum SeccompChoice: Sendable, Equatable {
    /// The pilot's deny-list (CONTAINERS.md section 4): mounts, kernel, keys, admin calls fail with EPERM.
    case `default`
    /// No filter at all.
    case none
    /// A policy file (see `SeccompPolicy`).
    case file(String)
}

/// Limits applied to the whole payload tree; nil means not limited by the pilot.
public struct ResourceLimits: Sendable, Equatable {
    /// Memory (RSS + page cache the cgroup charges) in bytes; over it the kernel's OOM killer acts.
    public var memoryBytes: UInt64?
    /// Most processes and threads at once.
    public var pids: Int?
    /// CPU bandwidth in cores (1.5 = one and a half cores).
    public var cpus: Double?
    /// Open files per process (RLIMIT_NOFILE).
    public var openFiles: UInt64?
    /// Core dump size (RLIMIT_CORE); 0 by default, a payload's core would fill the work dir.
    public var coreBytes: UInt64?

    public init(memoryBytes: UInt64? = nil, pids: Int? = nil, cpus: Double? = nil, openFiles: UInt64? = nil, coreBytes: UInt64? = 0) {
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.cpus = cpus
        self.openFiles = openFiles
        self.coreBytes = coreBytes
    }
}

/// Which GPUs the payload asks for.
public enum GPURequest: Sendable, Equatable {
    /// No GPU device, library or variable inside.
    case none
    /// Every GPU the pod can use.
    case all
    /// These GPUs, by index or UUID (`0,2` or `GPU-…`), as NVIDIA_VISIBLE_DEVICES names them.
    case list([String])
}
