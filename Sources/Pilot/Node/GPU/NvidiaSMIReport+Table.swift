/// The default-table reader.
extension NvidiaSMIReport {
    /// Parses the default `nvidia-smi` table: the banner line and the first (GPU) table.
    ///
    /// Each GPU is a block of 2 rows (old layout) or 3 rows (with the `MIG M.` row) between
    /// `+---+` borders. Names longer than the column are cut to "…...", and the table
    /// stops wherever the text does (captured excerpts may lack the closing border).
    static func parseTable(_ text: String) throws(GPUParseError) -> NvidiaSMIReport {
        var report = NvidiaSMIReport()
        let lines = NvidiaSMIValue.lines(text)
        guard let banner = lines.firstIndex(where: { $0.contains("Driver Version:") }) else {
            throw .malformedLine(what: "nvidia-smi table", line: 1, text: String(lines.first ?? ""))
        }
        report.driverVersion = word(after: "Driver Version:", in: lines[banner])
        report.cudaVersion = word(after: "CUDA Version:", in: lines[banner])
        guard let ruler = lines[banner...].firstIndex(where: { $0.hasPrefix("|===") }) else {
            throw .malformedLine(what: "nvidia-smi table", line: banner + 1, text: "no header ruler")
        }
        let hasMIGRow = lines[banner..<ruler].contains { $0.contains("MIG M.") }
        var block: [[String]] = []
        for (offset, line) in lines[(ruler + 1)...].enumerated() {
            if line.hasPrefix("|") {
                block.append(line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map(String.init))
                continue
            }
            if !block.isEmpty {
                report.gpus.append(try gpu(from: block, hasMIGRow: hasMIGRow, line: ruler + offset + 1))
                block = []
            }
            if !line.hasPrefix("+") { break }  // a blank line ends the GPU table
        }
        if !block.isEmpty {
            report.gpus.append(try gpu(from: block, hasMIGRow: hasMIGRow, line: lines.count))
        }
        report.attachedGPUs = report.gpus.count
        return report
    }

    /// One GPU block: row 1 has index, name, persistence and bus id; row 2 the memory; row 3 MIG M.
    private static func gpu(from rows: [[String]], hasMIGRow: Bool, line: Int) throws(GPUParseError) -> GPU {
        guard rows.count >= 2, rows[0].count >= 3, rows[1].count >= 3 else {
            throw .malformedLine(what: "nvidia-smi table", line: line, text: rows.first?.joined(separator: "|") ?? "")
        }
        let first = rows[0][0].split(separator: " ")
        guard first.count >= 3, let index = Int(first[0]) else {
            throw .malformedLine(what: "nvidia-smi table", line: line, text: rows[0][0])
        }
        // The last word is the persistence mode; the name is everything between.
        let name = first[1..<(first.count - 1)].joined(separator: " ")
        var gpu = GPU(index: index, name: name, nameTruncated: name.hasSuffix("..."))
        gpu.busID = rows[0][1].split(separator: " ").first.flatMap { NvidiaSMIValue.busID($0) }
        // "   1MiB /  81559MiB" → the total after the slash.
        if let slash = rows[1][1].firstIndex(of: "/") {
            gpu.memoryBytes = NvidiaSMIValue.bytes(fromMiB: rows[1][1][rows[1][1].index(after: slash)...])
        }
        if hasMIGRow, rows.count >= 3, rows[2].count >= 3 {
            gpu.migMode = NvidiaSMIValue.clean(rows[2][2])
        }
        return gpu
    }

    /// The word after a label: "Driver Version: 550.90.07   CUDA…" → "550.90.07".
    private static func word(after label: String, in line: some StringProtocol) -> String? {
        guard let range = line.firstRange(of: label) else { return nil }
        return line[range.upperBound...].split(separator: " ").first.flatMap { NvidiaSMIValue.clean($0) }
    }
}
