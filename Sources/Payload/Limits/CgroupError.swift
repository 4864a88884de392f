#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a payload cgroup could not be made, read or removed.
///
/// Every error from `PayloadCgroupFactory.create` is a reason to run the payload without a
/// cgroup of its own: the caller logs the description and goes on with rlimits alone.
public enum CgroupError: Error, Equatable, CustomStringConvertible {
    /// `/proc/self/cgroup` names neither a v1 hierarchy with memory, pids or cpu nor a v2 one.
    case noMembership(String)
    /// A v1 controller's hierarchy is not mounted under the root.
    case hierarchyNotMounted(controllers: [String], mountRoot: String)
    /// The process's own cgroup is not visible under the mount (another cgroup namespace).
    case cgroupNotFound(path: String)
    /// v2: the parent offers none of memory, pids and cpu (`cgroup.controllers`): nothing was delegated.
    case controllersNotDelegated(parent: String, missing: [String])
    /// EACCES or EPERM: not root on v1, a v2 subtree not delegated to this user.
    case permissionDenied(call: String, path: String)
    /// EROFS: the cgroup file system is mounted read-only (a container without cgroup write access).
    case readOnly(call: String, path: String)
    /// The payload's cgroup exists already (a name used twice, or left by a crashed pilot).
    case alreadyExists(path: String)
    /// A cgroup name must be one path component.
    case invalidName(String)
    /// Any other failure of a call on a path.
    case systemCall(call: String, path: String, errno: Int32)
    /// Processes were still in the cgroup when the teardown's time ran out.
    case stillPopulated(path: String, pids: [Int32])

    /// Classifies a failed call's errno.
    public static func from(call: String, path: String, errno code: Int32) -> CgroupError {
        switch code {
        case EACCES, EPERM: .permissionDenied(call: call, path: path)
        case EROFS: .readOnly(call: call, path: path)
        case EEXIST where call == "mkdir": .alreadyExists(path: path)
        default: .systemCall(call: call, path: path, errno: code)
        }
    }

    /// The errno behind the error, when there is one (EBUSY from `cgroup.subtree_control`).
    public var errno: Int32? {
        switch self {
        case .permissionDenied: EACCES
        case .readOnly: EROFS
        case .alreadyExists: EEXIST
        case .systemCall(_, _, let code): code
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .noMembership(let text):
            "cgroup: /proc/self/cgroup lists no memory, pids or cpu hierarchy and no v2 one: \(text.isEmpty ? "empty" : text)"
        case .hierarchyNotMounted(let controllers, let root):
            "cgroup: the \(controllers.joined(separator: ",")) hierarchy is not mounted under \(root)"
        case .cgroupNotFound(let path):
            "cgroup: this process's cgroup \(path) is not visible under the mount"
        case .controllersNotDelegated(let parent, let missing):
            "cgroup: \(parent) offers none of \(missing.joined(separator: ", ")) (not delegated)"
        case .permissionDenied(let call, let path):
            "cgroup: \(call) \(path): permission denied (not root on cgroup v1, or a v2 subtree not delegated)"
        case .readOnly(let call, let path):
            "cgroup: \(call) \(path): the cgroup file system is read-only"
        case .alreadyExists(let path):
            "cgroup: \(path) exists already"
        case .invalidName(let name):
            "cgroup: \"\(name)\" is not a valid cgroup name (one path component)"
        case .systemCall(let call, let path, let code):
            "cgroup: \(call) \(path) failed: \(String(cString: strerror(code)).lowercased()) (errno \(code))"
        case .stillPopulated(let path, let pids):
            "cgroup: \(path) still holds processes \(pids.map(String.init).joined(separator: " ")) after the teardown"
        }
    }
}
