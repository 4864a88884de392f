import CSeccomp

/// The libseccomp the payload runtime is linked against.
///
/// The runtime builds its filters with this library; `pilot version` reports it so a site can tell
/// which syscall tables a binary carries.
public enum SeccompLibrary {
    /// The library's version, as `major.minor.micro`.
    public static var version: String {
        guard let v = seccomp_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }
}
