#if canImport(Glibc)
import Glibc
#endif

/// Why a container could not be started; a payload that ran and failed is a `ContainerExit`.
public enum ContainerError: Error, CustomStringConvertible, Equatable {
    /// The spec cannot be carried out as given (a NUL in a value, a relative bind destination).
    case invalidSpec(String)
    /// A system call of the set-up failed: the step, its errno, what it was about.
    case setupFailed(step: String, errno: Int32, detail: String)
    /// The command is not in the image (or not in its PATH).
    case commandNotFound(String)
    /// The command exists but cannot be executed (permissions, format).
    case commandNotExecutable(String, errno: Int32)
    /// The pilot could not start its own set-up process.
    case spawnFailed(call: String, errno: Int32)
    /// The set-up process ended without saying what happened (killed before it started the payload).
    case setupVanished(String)
    /// No backend can run containers on this node.
    case noRuntime(String)

    public var description: String {
        switch self {
        case let .invalidSpec(reason):
            return "container spec invalid: \(reason)"
        case let .setupFailed(step, errno, detail):
            return "container set-up failed at \(step)\(detail.isEmpty ? "" : " \(detail)"): \(Self.explain(errno, step: step))"
        case let .commandNotFound(command):
            return "command not found in the image: \(command)"
        case let .commandNotExecutable(command, errno):
            return "command cannot be executed: \(command): \(String(cString: strerror(errno)))"
        case let .spawnFailed(call, errno):
            return "cannot start the container set-up process: \(call): \(String(cString: strerror(errno)))"
        case let .setupVanished(reason):
            return "container set-up process ended early: \(reason)"
        case let .noRuntime(reason):
            return "no container runtime usable on this node: \(reason)"
        }
    }

    /// strerror, plus the usual cause where an errno alone misleads (namespaces refused by a
    /// pod's seccomp profile or a sysctl).
    static func explain(_ errno: Int32, step: String) -> String {
        let text = String(cString: strerror(errno))
        if step == "unshare", errno == EPERM || errno == ENOSPC || errno == EINVAL {
            return "\(text) (user namespaces refused: a RuntimeDefault seccomp profile, "
                + "user.max_user_namespaces=0, or a threaded caller)"
        }
        return text
    }
}
