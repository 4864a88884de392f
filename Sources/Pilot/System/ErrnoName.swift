#if canImport(Glibc)
import Glibc
#endif

/// Symbolic names for the errno values pilot's probes meet, for messages a person can search for.
enum ErrnoName {
    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EACCES: "EACCES", EBUSY: "EBUSY",
        ENOTDIR: "ENOTDIR", EINVAL: "EINVAL", ENOSPC: "ENOSPC", EROFS: "EROFS", ELOOP: "ELOOP",
        ENODATA: "ENODATA", ENOTCONN: "ENOTCONN", ETIMEDOUT: "ETIMEDOUT", ESTALE: "ESTALE",
        ENODEV: "ENODEV", ENOTSUP: "ENOTSUP", EINTR: "EINTR", ENXIO: "ENXIO", E2BIG: "E2BIG",
        ERANGE: "ERANGE",
    ]

    /// `ELOOP (Too many levels of symbolic links)`, or `errno 200 (...)` for others.
    static func describe(_ code: Int32) -> String {
        "\(names[code] ?? "errno \(code)") (\(String(cString: strerror(code))))"
    }

    /// The symbolic name alone, e.g. `ENOTCONN`.
    static func name(_ code: Int32) -> String {
        names[code] ?? "errno \(code)"
    }
}
