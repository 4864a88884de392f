#if canImport(Glibc)
import Glibc
#endif

/// What the C set-up code (Sources/CContainerInit, forked by `ContainerLauncher`) does, in order.
///
/// Encoded as NUL-terminated tokens, each operation a keyword and a fixed number of arguments, and
/// handed to the forked set-up process in memory; `plan.c` is the reader. Keeping the decisions here and only the
/// mechanism in C means everything but the system calls is tested in Swift.
public struct LaunchPlan: Sendable, Equatable {
    /// Namespaces to unshare.
    public var namespaces: Namespaces = []
    /// The user and group mapped to themselves in a new user namespace (unprivileged runs).
    public var identity: (uid: UInt32, gid: UInt32)? = nil
    /// The UTS namespace's host name.
    public var hostname: String? = nil
    /// `cgroup.procs` files the process joins before unsharing (see `CgroupLimiter`).
    public var cgroupProcs: [String] = []
    /// File-system steps, applied in the new mount namespace.
    public var mounts: [MountStep] = []
    /// Whether to pivot_root into the root step's staging directory.
    public var pivot = false
    /// The payload's current directory.
    public var workingDirectory: String? = nil
    /// The payload's whole environment.
    public var environment: [EnvironmentVariable] = []
    /// rlimits set just before exec.
    public var rlimits: [ResourceLimit] = []
    /// A seccomp BPF program (`struct sock_filter` array) loaded just before exec.
    public var seccompProgram: [UInt8]? = nil
    /// The uid and gid the payload runs as (a root pilot's choice); nil keeps the pilot's.
    public var runAs: ContainerUser? = nil
    /// Whether to empty every capability set before exec (a payload run by root).
    public var dropCapabilities = false
    /// Only check that the namespaces and mounts can be made; run nothing.
    public var probe = false
    /// The payload's program and arguments.
    public var command: [String] = []

    public init() {}

    public static func == (a: LaunchPlan, b: LaunchPlan) -> Bool {
        a.namespaces == b.namespaces && a.identity?.uid == b.identity?.uid && a.identity?.gid == b.identity?.gid
            && a.hostname == b.hostname && a.cgroupProcs == b.cgroupProcs && a.mounts == b.mounts
            && a.pivot == b.pivot && a.workingDirectory == b.workingDirectory && a.environment == b.environment
            && a.rlimits == b.rlimits && a.seccompProgram == b.seccompProgram
            && a.runAs == b.runAs && a.dropCapabilities == b.dropCapabilities && a.probe == b.probe && a.command == b.command
    }

    /// The namespaces the set-up code can unshare.
    public struct Namespaces: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let user = Namespaces(rawValue: 1)
        public static let mount = Namespaces(rawValue: 2)
        public static let pid = Namespaces(rawValue: 4)
        public static let ipc = Namespaces(rawValue: 8)
        public static let uts = Namespaces(rawValue: 16)
        public static let network = Namespaces(rawValue: 32)

        var names: [String] {
            [(Namespaces.user, "user"), (.mount, "mount"), (.pid, "pid"), (.ipc, "ipc"), (.uts, "uts"), (.network, "net")]
                .filter { contains($0.0) }.map(\.1)
        }
    }

    /// One file-system step.
    public enum MountStep: Sendable, Equatable {
        /// A tmpfs at `staging` holding the image's top-level entries, /proc, /sys, /dev, /tmp.
        case root(image: String, staging: String, readOnly: Bool)
        /// A bind under the root step's staging directory.
        case bind(Bind)
        /// An empty tmpfs at this path inside the container.
        case tmpfs(String)
    }

    /// One rlimit: its `RLIMIT_*` number and soft and hard values (nil: unlimited).
    public struct ResourceLimit: Sendable, Equatable {
        public var resource: Int32
        public var soft: UInt64?
        public var hard: UInt64?

        public init(resource: Int32, soft: UInt64?, hard: UInt64?) {
            self.resource = resource
            self.soft = soft
            self.hard = hard
        }
    }

    /// The bytes `plan.c` reads; throws when a value cannot be carried (a NUL inside, no command).
    public func encoded() throws(ContainerError) -> [UInt8] {
        var out: [UInt8] = []
        func token(_ value: String, _ field: String) throws(ContainerError) {
            guard !value.utf8.contains(0) else { throw .invalidSpec("\(field) contains a NUL byte") }
            out.append(contentsOf: value.utf8)
            out.append(0)
        }
        if !namespaces.isEmpty { try token("ns", ""); try token(namespaces.names.joined(separator: ","), "namespaces") }
        if let identity { try token("map", ""); try token(String(identity.uid), ""); try token(String(identity.gid), "") }
        if let hostname { try token("hostname", ""); try token(hostname, "hostname") }
        for procs in cgroupProcs { try token("cgroup", ""); try token(procs, "cgroup") }
        for step in mounts {
            switch step {
            case let .root(image, staging, readOnly):
                try token("root", ""); try token(image, "image"); try token(staging, "staging"); try token(readOnly ? "1" : "0", "")
            case let .bind(bind):
                guard bind.destination.hasPrefix("/") else { throw .invalidSpec("bind destination \(bind.destination) is not absolute") }
                try token("bind", ""); try token(bind.source, "bind source"); try token(bind.destination, "bind destination")
                try token(bind.readOnly ? "1" : "0", "")
            case let .tmpfs(path):
                try token("tmpfs", ""); try token(path, "tmpfs")
            }
        }
        if pivot { try token("pivot", "") }
        if let workingDirectory { try token("chdir", ""); try token(workingDirectory, "working directory") }
        for variable in environment {
            guard !variable.name.isEmpty, !variable.name.contains("=") else {
                throw .invalidSpec("environment variable name '\(variable.name)' is empty or contains '='")
            }
            try token("env", ""); try token("\(variable.name)=\(variable.value)", "environment")
        }
        for limit in rlimits {
            try token("rlimit", ""); try token(String(limit.resource), "")
            try token(limit.soft.map(String.init) ?? "-1", ""); try token(limit.hard.map(String.init) ?? "-1", "")
        }
        if let program = seccompProgram {
            guard !program.isEmpty, program.count % 8 == 0 else { throw .invalidSpec("seccomp program of \(program.count) bytes is not a filter") }
            try token("seccomp", ""); try token(Digest.hex(program), "seccomp")
        }
        if let runAs { try token("user", ""); try token(String(runAs.uid), ""); try token(String(runAs.gid), "") }
        if dropCapabilities { try token("drop-caps", "") }
        if probe { try token("probe", "") }
        if !command.isEmpty {
            try token("argv", ""); try token(String(command.count), "")
            for argument in command { try token(argument, "command") }
        } else if !probe {
            throw .invalidSpec("no command to run")
        }
        try token("end", "")
        return out
    }
}
