import FoundationEssentials

/// A Docker/OCI seccomp profile, the JSON of moby's `profiles/seccomp/default.json` that sites
/// already keep for their containers (`pilot exec --seccomp FILE`).
///
/// Only the fields that shape a filter are read; `comment`, `listenerPath`, `flags` and other
/// keys are ignored. `policy(for:)` turns it into a `SeccompPolicy`.
public struct DockerSeccompProfile: Sendable, Equatable, Decodable {
    /// `SCMP_ACT_ERRNO`, `SCMP_ACT_ALLOW`, … for calls no entry matches.
    public var defaultAction: String
    /// The errno of a default `SCMP_ACT_ERRNO`; EPERM when absent.
    public var defaultErrnoRet: Int?
    /// The old flat list of architectures; read, not used (see `policy(for:)`).
    public var architectures: [String]?
    /// Native architectures and their companions; read, not used (see `policy(for:)`).
    public var archMap: [ArchitectureMapping]?
    /// The rules, in order.
    public var syscalls: [Entry]?

    /// One `archMap` element.
    public struct ArchitectureMapping: Sendable, Equatable, Decodable {
        /// A native architecture, `SCMP_ARCH_X86_64`.
        public var architecture: String
        /// Its companions, `SCMP_ARCH_X86`, `SCMP_ARCH_X32`.
        public var subArchitectures: [String]?
    }

    /// One element of `syscalls`.
    public struct Entry: Sendable, Equatable, Decodable {
        /// The system calls, by name.
        public var names: [String]?
        /// The old single-name form.
        public var name: String?
        /// `SCMP_ACT_…`.
        public var action: String
        /// The errno of `SCMP_ACT_ERRNO` (and the message of `SCMP_ACT_TRACE`); EPERM when absent.
        public var errnoRet: Int?
        /// Conditions on arguments.
        public var args: [Argument]?
        /// The entry applies only when all of these hold.
        public var includes: Condition?
        /// The entry does not apply when any of these holds.
        public var excludes: Condition?

        /// `names`, or the old `name`.
        public var syscallNames: [String] { names ?? name.map { [$0] } ?? [] }
    }

    /// One argument condition: `op` is `SCMP_CMP_EQ`, …; for `SCMP_CMP_MASKED_EQ` `value` is the
    /// mask and `valueTwo` the value the masked argument must equal.
    public struct Argument: Sendable, Equatable, Decodable {
        /// The argument's position, 0 to 5.
        public var index: UInt32
        /// The value compared with, or the mask of `SCMP_CMP_MASKED_EQ`.
        public var value: UInt64
        /// The value the masked argument must equal (`SCMP_CMP_MASKED_EQ` only).
        public var valueTwo: UInt64?
        /// `SCMP_CMP_NE`, `_LT`, `_LE`, `_EQ`, `_GE`, `_GT` or `_MASKED_EQ`.
        public var op: String
    }

    /// What `includes` and `excludes` test: capabilities, architectures (Go's names, `amd64`),
    /// and the running kernel's version.
    public struct Condition: Sendable, Equatable, Decodable {
        /// Capabilities, `CAP_SYS_ADMIN`.
        public var caps: [String]?
        /// Architectures by Go's names: `amd64`, `arm64`, `x32`, `386`.
        public var arches: [String]?
        /// A kernel version, `4.8`.
        public var minKernel: String?
    }

    /// Decodes a profile; `path` only names it in errors.
    public static func decode(_ bytes: some Collection<UInt8>, path: String) throws(SeccompError) -> DockerSeccompProfile {
        do {
            return try JSONDecoder().decode(DockerSeccompProfile.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .malformedProfile(path: path, reason: Self.reason(error))
        } catch {
            throw .malformedProfile(path: path, reason: "\(error)")
        }
    }

    /// Reads and decodes a profile file.
    public static func load(path: String) throws(SeccompError) -> DockerSeccompProfile {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableProfile(path: path, reason: "\(error)")
        }
        return try decode(bytes, path: path)
    }

    /// A short account of a decoding error: where in the document and what was wrong.
    private static func reason(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(at(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(at(context.codingPath)): \(context.debugDescription.lowercased())"
        case .dataCorrupted(let context):
            return "\(at(context.codingPath)): \(context.debugDescription.lowercased())"
        @unknown default: return "\(error)"
        }
    }
}
