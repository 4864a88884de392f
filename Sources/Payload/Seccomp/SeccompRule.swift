/// What the kernel does with a system call a filter matches.
public enum SeccompAction: Sendable, Equatable, CustomStringConvertible {
    /// The call runs.
    case allow
    /// The call fails at once with this errno (EPERM = 1, ENOSYS = 38).
    case errno(UInt16)
    /// The calling thread is killed (SIGSYS); libseccomp's and Docker's `SCMP_ACT_KILL`.
    case killThread
    /// The whole process is killed.
    case killProcess
    /// SIGSYS is delivered, for a handler to see.
    case trap
    /// The call runs and is logged by the kernel's audit.
    case log
    /// A ptrace tracer is told, with this message; without one the call fails with ENOSYS.
    case trace(UInt16)

    /// The Docker/libseccomp spelling (`SCMP_ACT_ERRNO(1)`).
    public var description: String {
        switch self {
        case .allow: "SCMP_ACT_ALLOW"
        case .errno(let code): "SCMP_ACT_ERRNO(\(code))"
        case .killThread: "SCMP_ACT_KILL_THREAD"
        case .killProcess: "SCMP_ACT_KILL_PROCESS"
        case .trap: "SCMP_ACT_TRAP"
        case .log: "SCMP_ACT_LOG"
        case .trace(let message): "SCMP_ACT_TRACE(\(message))"
        }
    }
}

/// How a system call argument is compared with a value.
public enum SeccompComparison: Sendable, Equatable {
    /// `argument != value`.
    case notEqual
    /// `argument < value`.
    case lessThan
    /// `argument <= value`.
    case lessOrEqual
    /// `argument == value`.
    case equal
    /// `argument >= value`.
    case greaterOrEqual
    /// `argument > value`.
    case greaterThan
    /// `argument & mask == value`.
    case maskedEqual(mask: UInt64)
}

/// One condition on a system call argument, e.g. `flags & CLONE_NEWUSER == CLONE_NEWUSER`.
public struct SeccompArgumentCheck: Sendable, Equatable {
    /// The argument's position, 0 to 5.
    public var index: UInt32
    /// The comparison.
    public var comparison: SeccompComparison
    /// The value the argument (or its masked bits) is compared with.
    public var value: UInt64

    public init(index: UInt32, _ comparison: SeccompComparison, _ value: UInt64) {
        self.index = index
        self.comparison = comparison
        self.value = value
    }
}

/// An action for some system calls, taken when every argument check holds.
public struct SeccompRule: Sendable, Equatable {
    /// System call names as libseccomp spells them; names it does not know are skipped.
    public var syscalls: [String]
    /// What happens to a matching call.
    public var action: SeccompAction
    /// Conditions that must all hold; empty means every call of these names.
    public var arguments: [SeccompArgumentCheck]
    /// Where the rule came from, for errors and warnings (`syscalls[3]` of a profile, a family name).
    public var origin: String

    public init(_ syscalls: [String], _ action: SeccompAction, arguments: [SeccompArgumentCheck] = [], origin: String) {
        self.syscalls = syscalls
        self.action = action
        self.arguments = arguments
        self.origin = origin
    }
}
