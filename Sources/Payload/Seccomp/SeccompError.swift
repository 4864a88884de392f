#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a seccomp policy could not be read or turned into a BPF program.
public enum SeccompError: Error, Equatable, CustomStringConvertible {
    /// A libseccomp (or memfd, read) call failed.
    case library(call: String, errno: Int32, detail: String)
    /// libseccomp refused a rule (a bad argument index, a conflicting rule).
    case ruleRejected(entry: String, syscall: String, errno: Int32)
    /// The policy file could not be read.
    case unreadableProfile(path: String, reason: String)
    /// The policy file is not JSON of the Docker/OCI seccomp profile shape.
    case malformedProfile(path: String, reason: String)
    /// An entry names an action this pilot does not know.
    case unknownAction(entry: String, action: String)
    /// An entry names an action that cannot work here (`SCMP_ACT_NOTIFY` needs a listener).
    case unsupportedAction(entry: String, action: String, reason: String)
    /// An argument condition names a comparison this pilot does not know.
    case unknownComparison(entry: String, op: String)
    /// An argument index outside 0...5.
    case badArgumentIndex(entry: String, index: UInt32)
    /// The ERRNO or TRACE value does not fit 16 bits.
    case badActionValue(entry: String, value: Int)
    /// The program is longer than the kernel takes (BPF_MAXINSNS, 4096 instructions).
    case programTooLarge(instructions: Int)

    public var description: String {
        switch self {
        case .library(let call, let code, let detail):
            "seccomp: \(call) failed (\(detail)): \(Self.text(code))"
        case .ruleRejected(let entry, let syscall, let code):
            "seccomp: libseccomp refused the rule for \(syscall) in \(entry): \(Self.text(code))"
        case .unreadableProfile(let path, let reason):
            "seccomp: cannot read the profile \(path): \(reason)"
        case .malformedProfile(let path, let reason):
            "seccomp: \(path) is not a seccomp profile: \(reason)"
        case .unknownAction(let entry, let action):
            "seccomp: unknown action \(action) in \(entry)"
        case .unsupportedAction(let entry, let action, let reason):
            "seccomp: action \(action) in \(entry) is not supported: \(reason)"
        case .unknownComparison(let entry, let op):
            "seccomp: unknown argument comparison \(op) in \(entry)"
        case .badArgumentIndex(let entry, let index):
            "seccomp: argument index \(index) in \(entry) is not between 0 and 5"
        case .badActionValue(let entry, let value):
            "seccomp: errno or trace value \(value) in \(entry) is not between 0 and 65535"
        case .programTooLarge(let instructions):
            "seccomp: the filter has \(instructions) bpf instructions, the kernel takes at most 4096"
        }
    }

    private static func text(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased() + " (errno \(code))"
    }
}
