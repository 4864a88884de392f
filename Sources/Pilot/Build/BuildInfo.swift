/// What this binary is: its version and how it was linked.
struct BuildInfo: Codable, Sendable, Equatable {
    /// The pilot's own version.
    static let pilotVersion = "0.1.0"

    /// The pilot's version.
    var version: String
    /// `x86_64` or `aarch64`: the architecture this binary was compiled for.
    var arch: String
    /// True when this binary needs no shared libraries (the static build).
    var staticallyLinked: Bool
    /// The C libraries inside it.
    var libraries: LinkedLibraries

    enum CodingKeys: String, CodingKey {
        case version, arch, libraries
        case staticallyLinked = "statically_linked"
    }

    /// Describes the running binary.
    static func current() -> BuildInfo {
        BuildInfo(
            version: pilotVersion,
            arch: compiledArch,
            staticallyLinked: isStaticExecutable,
            libraries: .current()
        )
    }

    private static var compiledArch: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }

    /// A static executable has no program interpreter, so the dynamic loader never mapped itself:
    /// `/proc/self/maps` then names no `ld-linux`.
    private static var isStaticExecutable: Bool {
        guard let maps = try? FileReader.readString("/proc/self/maps") else { return false }
        return !maps.contains("ld-linux")
    }
}
