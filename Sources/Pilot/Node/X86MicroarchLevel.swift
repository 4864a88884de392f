/// The x86-64 psABI micro-architecture levels, decided from cpuinfo flags.
///
/// The flag sets are the psABI's (and glibc's `get-isa-level.h`), spelled as `/proc/cpuinfo` spells
/// them (`pni` is SSE3, `abm` is LZCNT). Each level needs every lower one.
enum X86MicroarchLevel: Int, CaseIterable, Comparable, Sendable {
    case v1 = 1, v2, v3, v4

    /// The name PanDA and pilot3 use, `x86-64-vN`.
    var name: String { "x86-64-v\(rawValue)" }

    /// The flags this level adds to the one below it.
    var requiredFlags: [String] {
        switch self {
        case .v1: ["cmov", "cx8", "fpu", "fxsr", "lm", "mmx", "sse", "sse2", "syscall"]
        case .v2: ["cx16", "lahf_lm", "pni", "popcnt", "sse4_1", "sse4_2", "ssse3"]
        case .v3: ["abm", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "xsave"]
        case .v4: ["avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512vl"]
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level a set of flags reaches, and what it lacks for the next one.
    struct Assessment: Equatable, Sendable {
        /// The highest level whose flags (and every lower level's) are all present; nil below v1.
        var level: X86MicroarchLevel?
        /// Flags missing for the next level, sorted; empty at v4.
        var missingForNext: [String]
    }

    /// Finds the highest level the flags satisfy.
    static func assess(flags: some Sequence<String>) -> Assessment {
        let present = Set(flags)
        var reached: X86MicroarchLevel?
        for level in allCases {
            let missing = level.requiredFlags.filter { !present.contains($0) }
            if !missing.isEmpty { return Assessment(level: reached, missingForNext: missing) }
            reached = level
        }
        return Assessment(level: reached, missingForNext: [])
    }
}
