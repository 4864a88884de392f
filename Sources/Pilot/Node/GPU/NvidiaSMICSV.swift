/// `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]` output.
///
/// Fields are separated by `", "`, one row per GPU. With a header, field names come from it
/// (`memory.total [MiB]`); without one, from the query list the caller passed.
struct NvidiaSMICSV: Sendable, Equatable {
    /// Field names without their unit suffix, e.g. `memory.total`.
    var fields: [String]
    /// Raw values per row, trimmed, in field order.
    var rows: [[String]]

    /// The query `GPUProbe` runs on current drivers.
    static let query = [
        "index", "name", "uuid", "memory.total", "driver_version", "compute_cap",
        "mig.mode.current", "pci.bus_id",
    ]
    /// The fallback query for drivers that exit 2 on `compute_cap` or the MIG fields.
    static let legacyQuery = ["index", "name", "uuid", "memory.total", "driver_version", "pci.bus_id"]

    /// Other spellings nvidia-smi accepts for the same field (`gpu_name` is `name`).
    private static let aliases: [String: String] = [
        "gpu_name": "name", "gpu_uuid": "uuid", "gpu_bus_id": "pci.bus_id",
        "compute_capability": "compute_cap", "driver.version": "driver_version",
    ]

    /// Parses the output; `fields` is the query list when the output has no header, nil when it has one.
    static func parse(_ text: String, fields queried: [String]? = nil) throws(GPUParseError) -> NvidiaSMICSV {
        var lines = NvidiaSMIValue.lines(text).enumerated().filter { !NvidiaSMIValue.trim($0.element).isEmpty }
        let fields: [String]
        if let queried {
            fields = queried.map(canonical)
        } else {
            guard let header = lines.first else { throw .empty(what: "nvidia-smi csv") }
            fields = split(header.element).map { canonical(stripUnit($0)) }
            lines.removeFirst()
        }
        var rows: [[String]] = []
        for (number, line) in lines {
            let values = split(line)
            guard values.count == fields.count else {
                throw .fieldCount(line: number + 1, expected: fields.count, found: values.count)
            }
            rows.append(values)
        }
        return NvidiaSMICSV(fields: fields, rows: rows)
    }

    /// The value of a field in a row, nil when absent or `[N/A]`/`[Not Supported]`.
    func value(_ field: String, row: Int) -> String? {
        guard rows.indices.contains(row), let column = fields.firstIndex(of: Self.canonical(field)) else {
            return nil
        }
        return NvidiaSMIValue.clean(rows[row][column])
    }

    /// The rows as devices; a row without `index` gets its position, one without a name "unknown".
    var devices: [GPUDevice] {
        rows.indices.map { row in
            GPUDevice(
                index: value("index", row: row).flatMap { Int($0) } ?? row,
                name: value("name", row: row) ?? "unknown",
                uuid: value("uuid", row: row),
                memoryBytes: value("memory.total", row: row).flatMap { NvidiaSMIValue.bytes(fromMiB: $0) },
                driver: value("driver_version", row: row),
                computeCapability: value("compute_cap", row: row),
                migMode: value("mig.mode.current", row: row),
                busID: value("pci.bus_id", row: row).flatMap { NvidiaSMIValue.busID($0) },
                minor: nil
            )
        }
    }

    /// Values are separated by comma and space; a bare comma would split names such as "A, B".
    private static func split(_ line: some StringProtocol) -> [String] {
        line.split(separator: ", ", omittingEmptySubsequences: false).map { NvidiaSMIValue.trim($0) }
    }

    /// `memory.total [MiB]` → `memory.total`.
    private static func stripUnit(_ name: String) -> String {
        guard name.hasSuffix("]"), let open = name.lastIndex(of: "[") else { return name }
        return NvidiaSMIValue.trim(name[..<open])
    }

    private static func canonical(_ name: String) -> String {
        let lower = name.lowercased()
        return aliases[lower] ?? lower
    }
}
