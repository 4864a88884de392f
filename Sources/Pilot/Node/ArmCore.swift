/// Names for Arm implementers and cores, and the features derived from `Features`.
///
/// `CPU architecture` reads 8 even on Armv9 cores, so the part number and the feature list are what
/// tell cores apart; no single "level" is derived (the features are reported as they are).
enum ArmCore {
    /// Implementer codes (MIDR_EL1 bits 31:24) and their owners.
    static let implementers: [Int: String] = [
        0x41: "Arm", 0x42: "Broadcom", 0x43: "Cavium", 0x46: "Fujitsu", 0x48: "HiSilicon",
        0x4e: "NVIDIA", 0x50: "APM", 0x51: "Qualcomm", 0x61: "Apple", 0x6d: "Microsoft",
        0xc0: "Ampere",
    ]

    /// Known cores by implementer and part, in the spelling lscpu uses.
    static let parts: [Int: [Int: String]] = [
        0x41: [
            0xd03: "Cortex-A53", 0xd07: "Cortex-A57", 0xd08: "Cortex-A72", 0xd0b: "Cortex-A76",
            0xd0c: "Neoverse-N1", 0xd40: "Neoverse-V1", 0xd49: "Neoverse-N2", 0xd4f: "Neoverse-V2",
            0xd8e: "Neoverse-N3", 0xd84: "Neoverse-V3",
        ],
        0x43: [0x0af: "ThunderX2"],
        0x46: [0x001: "A64FX"],
        0x48: [0xd01: "Kunpeng-920"],
        0x4e: [0x004: "Carmel"],
        0x50: [0x000: "X-Gene"],
        0xc0: [0xac3: "AmpereOne", 0xac4: "AmpereOne-AC04"],
    ]

    /// The implementer's name, or its hex code when unknown.
    static func implementerName(_ code: Int) -> String {
        implementers[code] ?? hex(code, digits: 2)
    }

    /// The core's name, or `unknown (0x…)` keeping the part number, or nil when no part is known.
    static func coreName(_ identity: ArmIdentity) -> String? {
        guard let part = identity.part else { return nil }
        if let implementer = identity.implementer, let name = parts[implementer]?[part] { return name }
        return "unknown (\(hex(part, digits: 3)))"
    }

    /// The implementer code for an lscpu `Vendor ID` (`ARM`, `Ampere`, ...).
    static func implementer(named name: String) -> Int? {
        implementers.first { $0.value.lowercased() == name.lowercased() }?.key
    }

    /// The part number for an lscpu `Model name` under a known implementer.
    static func part(named name: String, implementer: Int) -> Int? {
        parts[implementer]?.first { $0.value.lowercased() == name.lowercased() }?.key
    }

    /// Capabilities a payload's build may select on, derived from the kernel's hwcap names.
    struct DerivedFeatures: Codable, Equatable, Sendable {
        /// Scalable Vector Extension.
        var sve: Bool
        /// SVE2 (Armv9).
        var sve2: Bool
        /// Large System Extensions atomics (`atomics`, Armv8.1).
        var atomics: Bool
        /// BFloat16 instructions.
        var bf16: Bool
        /// Int8 matrix multiply.
        var i8mm: Bool
        /// Dot product (`asimddp`).
        var dotprod: Bool
        /// Pointer authentication (`paca` and `pacg`).
        var pointerAuth: Bool

        enum CodingKeys: String, CodingKey {
            case sve, sve2, atomics, bf16, i8mm, dotprod
            case pointerAuth = "pointer_auth"
        }
    }

    /// Reads the derived booleans off a feature list.
    static func derive(_ features: [String]) -> DerivedFeatures {
        let f = Set(features)
        return DerivedFeatures(
            sve: f.contains("sve"), sve2: f.contains("sve2"), atomics: f.contains("atomics"),
            bf16: f.contains("bf16"), i8mm: f.contains("i8mm"), dotprod: f.contains("asimddp"),
            pointerAuth: f.contains("paca") && f.contains("pacg")
        )
    }

    /// `0x41` (implementers, 2 digits) or `0xd4f` (parts, 3 digits), as cpuinfo prints them.
    static func hex(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
