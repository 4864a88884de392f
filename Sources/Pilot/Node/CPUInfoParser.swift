/// Parses `/proc/cpuinfo` (x86 and Arm layouts) and `lscpu` output into a `CPUDescription`.
enum CPUInfoParser {
    /// Why a text could not be read as a CPU description.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        /// No processor block and no lscpu header: not a CPU description at all.
        case noProcessors
        /// Processors were listed but neither x86 `flags`/`vendor_id` nor Arm `Features`/`CPU implementer`.
        case unknownArchitecture

        var description: String {
            switch self {
            case .noProcessors: "no processor entries found"
            case .unknownArchitecture: "neither x86 nor arm64 fields found"
            }
        }
    }

    /// Reads either format; `lscpu` output is recognised by its `Architecture:` line.
    static func parse(_ text: String) throws(ParseError) -> CPUDescription {
        let isLscpu = text.split(separator: "\n", maxSplits: 2).contains { $0.hasPrefix("Architecture:") }
        return isLscpu ? try parseLscpu(text) : try parseCPUInfo(text)
    }

    /// Reads `/proc/cpuinfo`: one block per logical processor, separated by blank lines.
    static func parseCPUInfo(_ text: String) throws(ParseError) -> CPUDescription {
        let blocks = KeyValueText.blocks(text).filter { $0["processor"] != nil }
        guard let first = blocks.first else { throw .noProcessors }

        if first["vendor_id"] != nil || first["flags"] != nil {
            let sockets = Set(blocks.compactMap { $0["physical id"] }).count
            return CPUDescription(
                arch: .x86_64,
                vendor: first["vendor_id"],
                model: first["model name"].map(collapsingSpaces),
                features: commonWords(blocks.map { $0["flags"] ?? "" }),
                logical: blocks.count,
                sockets: sockets > 0 ? sockets : nil,
                coresPerSocket: first["cpu cores"].flatMap { Int($0) },
                x86: X86Identity(
                    family: first["cpu family"].flatMap { Int($0) },
                    model: first["model"].flatMap { Int($0) },
                    stepping: first["stepping"].flatMap { Int($0) }
                ),
                arm: nil
            )
        }
        if first["CPU implementer"] != nil || first["Features"] != nil {
            let identity = ArmIdentity(
                implementer: first["CPU implementer"].flatMap(parseInteger),
                part: first["CPU part"].flatMap(parseInteger),
                variant: first["CPU variant"].flatMap(parseInteger),
                revision: first["CPU revision"].flatMap(parseInteger)
            )
            return CPUDescription(
                arch: .aarch64,
                vendor: identity.implementer.map(ArmCore.implementerName),
                model: first["model name"].map(collapsingSpaces) ?? ArmCore.coreName(identity),
                features: commonWords(blocks.map { $0["Features"] ?? "" }),
                logical: blocks.count,
                sockets: nil,
                coresPerSocket: nil,
                x86: nil,
                arm: identity
            )
        }
        throw .unknownArchitecture
    }

    /// Reads `lscpu` output: one `Key: value` per line, flags on the `Flags:` line.
    static func parseLscpu(_ text: String) throws(ParseError) -> CPUDescription {
        let fields = KeyValueText.blocks(text).first ?? [:]
        let flags = commonWords([fields["Flags"] ?? ""])
        let logical = fields["CPU(s)"].flatMap { Int($0) } ?? 0
        guard logical > 0 else { throw .noProcessors }
        let sockets = fields["Socket(s)"].flatMap { Int($0) }
        let cores = fields["Core(s) per socket"].flatMap { Int($0) }

        switch fields["Architecture"] {
        case "x86_64":
            return CPUDescription(
                arch: .x86_64, vendor: fields["Vendor ID"], model: fields["Model name"].map(collapsingSpaces),
                features: flags, logical: logical, sockets: sockets, coresPerSocket: cores,
                x86: X86Identity(
                    family: fields["CPU family"].flatMap { Int($0) },
                    model: fields["Model"].flatMap { Int($0) },
                    stepping: fields["Stepping"].flatMap { Int($0) }
                ),
                arm: nil
            )
        case "aarch64":
            // lscpu prints names, not MIDR numbers: map them back so both formats agree.
            let implementer = fields["Vendor ID"].flatMap(ArmCore.implementer(named:))
            let part = implementer.flatMap { id in
                fields["Model name"].flatMap { ArmCore.part(named: $0, implementer: id) }
            }
            return CPUDescription(
                arch: .aarch64, vendor: implementer.map(ArmCore.implementerName) ?? fields["Vendor ID"],
                model: fields["Model name"], features: flags, logical: logical,
                sockets: sockets, coresPerSocket: cores, x86: nil,
                arm: ArmIdentity(implementer: implementer, part: part, variant: nil, revision: nil)
            )
        default:
            throw .unknownArchitecture
        }
    }

    /// Words present in every list, sorted: hypervisors may mask flags on some vCPUs only.
    private static func commonWords(_ lists: [String]) -> [String] {
        guard let first = lists.first else { return [] }
        var common = Set(first.split(separator: " ").map(String.init))
        for list in lists.dropFirst() {
            common.formIntersection(list.split(separator: " ").map(String.init))
        }
        return common.sorted()
    }

    /// Intel pads some model names (`CPU           X7550  @ 2.00GHz`); one space is enough.
    static func collapsingSpaces(_ text: String) -> String {
        text.split(separator: " ").joined(separator: " ")
    }

    /// Reads `0x41` or `8` as an integer.
    static func parseInteger(_ text: String) -> Int? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }
}
