#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a profile's `includes` and `excludes` are evaluated against: the machine, the running
/// kernel and the payload's capabilities.
public struct SeccompHost: Sendable, Equatable {
    /// `uname -m`: `x86_64`, `aarch64`.
    public var machine: String
    /// The running kernel's version; nil when its release string has none.
    public var kernel: KernelVersion?
    /// The payload's capabilities (`CAP_SYS_ADMIN`, …): none, payloads run unprivileged.
    public var capabilities: Set<String>

    public init(machine: String, kernel: KernelVersion?, capabilities: Set<String> = []) {
        self.machine = machine
        self.kernel = kernel
        self.capabilities = capabilities
    }

    /// This machine and kernel, from uname(2); a payload without capabilities.
    public static var current: SeccompHost {
        var names = utsname()
        _ = uname(&names)
        let machine = withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return SeccompHost(machine: machine, kernel: KernelVersion(release))
    }

    /// The names a profile's `arches` may give this machine: Go's (`amd64`, Docker's own spelling)
    /// and the kernel's (`x86_64`).
    public var architectureNames: Set<String> {
        let go: [String: String] = [
            "x86_64": "amd64", "aarch64": "arm64", "i686": "386", "i386": "386", "armv7l": "arm",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "mips64": "mips64",
        ]
        return Set([machine] + (go[machine].map { [$0] } ?? []))
    }
}

/// A kernel version as `minKernel` compares it: `6.1` or `5.15.148`.
public struct KernelVersion: Sendable, Comparable, CustomStringConvertible {
    /// 6 of 6.18.44.
    public var major: Int
    /// 18 of 6.18.44.
    public var minor: Int
    /// 44 of 6.18.44; 0 when the release has none.
    public var patch: Int

    public init(major: Int, minor: Int, patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Reads the leading numbers of a release string (`6.18.44-fc-v657` is 6.18.44); nil when
    /// it does not start with `major.minor`.
    public init?(_ release: String) {
        let numbers = release.split(whereSeparator: { !$0.isNumber && $0 != "." }).first ?? ""
        let parts = numbers.split(separator: ".").prefix(3).map { Int($0) }
        guard parts.count >= 2, let major = parts[0], let minor = parts[1] else { return nil }
        self.init(major: major, minor: minor, patch: parts.count > 2 ? parts[2] ?? 0 : 0)
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}
