/// Totals of usage records by month, architecture and queue: what `pilot accounting report` prints.
struct UsageTotals: Codable, Sendable, Equatable {
    /// `YYYY-MM` of the jobs' end.
    var month: String
    /// `x86_64`, `aarch64`.
    var architecture: String
    /// The PanDA queue.
    var queue: String
    /// Jobs counted.
    var jobs: Int
    /// Wall seconds summed.
    var wallSeconds: Int64
    /// CPU seconds summed.
    var cpuSeconds: Int64
    /// Cores x wall seconds summed.
    var coreSeconds: Int64
    /// GPU-seconds summed.
    var gpuSeconds: Double
    /// Bytes staged in summed.
    var bytesIn: Int64
    /// Bytes staged out summed.
    var bytesOut: Int64
    /// The summed estimate over the jobs that have one; null when none has.
    @EncodedAsNull var cost: Double?
    /// The currency of `cost`.
    @EncodedAsNull var currency: String?
    /// Jobs with no estimate (no price table, or a price missing), left out of `cost`.
    var jobsWithoutCost: Int

    enum CodingKeys: String, CodingKey {
        case month, architecture, queue, jobs
        case wallSeconds = "wall_seconds"
        case cpuSeconds = "cpu_seconds"
        case coreSeconds = "core_seconds"
        case gpuSeconds = "gpu_seconds"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case cost, currency
        case jobsWithoutCost = "jobs_without_cost"
    }
}

/// Adds usage records up and lays the totals out.
enum UsageReport {
    /// One line per (month, architecture, queue), sorted; `month` keeps only that month.
    static func totals(_ records: [UsageRecord], month: UTCMonth? = nil) -> [UsageTotals] {
        var groups: [String: UsageTotals] = [:]
        for record in records where month.map({ $0.description == record.month }) ?? true {
            let key = "\(record.month)\n\(record.architecture)\n\(record.queue)"
            var totals = groups[key] ?? UsageTotals(
                month: record.month, architecture: record.architecture, queue: record.queue, jobs: 0, wallSeconds: 0,
                cpuSeconds: 0, coreSeconds: 0, gpuSeconds: 0, bytesIn: 0, bytesOut: 0, cost: nil, currency: nil,
                jobsWithoutCost: 0)
            totals.jobs += 1
            totals.wallSeconds += record.wallSeconds
            totals.cpuSeconds += record.cpuSeconds
            totals.coreSeconds += record.coreSeconds
            totals.gpuSeconds += record.gpuSeconds
            totals.bytesIn += record.bytesIn
            totals.bytesOut += record.bytesOut
            if let cost = record.cost, let total = cost.total {
                totals.cost = PriceTable.round((totals.cost ?? 0) + total)
                totals.currency = cost.currency
            } else {
                totals.jobsWithoutCost += 1
            }
            groups[key] = totals
        }
        return groups.values.sorted { ($0.month, $0.architecture, $0.queue) < ($1.month, $1.architecture, $1.queue) }
    }

    /// A table: hours with two decimals, gigabytes (10^9 bytes), the cost with its currency.
    static func table(_ totals: [UsageTotals]) -> String {
        let header = ["month", "arch", "queue", "jobs", "core-h", "cpu-h", "gpu-h", "GB in", "GB out", "cost"]
        var rows = [header]
        for line in totals {
            var cost = line.cost.map { NodeSummary.format($0) + (line.currency.map { " " + $0 } ?? "") } ?? "-"
            if line.jobsWithoutCost > 0, line.cost != nil { cost += " (\(line.jobsWithoutCost) unpriced)" }
            rows.append([
                line.month, line.architecture, line.queue, String(line.jobs),
                NodeSummary.format(Double(line.coreSeconds) / 3600), NodeSummary.format(Double(line.cpuSeconds) / 3600),
                NodeSummary.format(line.gpuSeconds / 3600), NodeSummary.format(Double(line.bytesIn) / 1e9),
                NodeSummary.format(Double(line.bytesOut) / 1e9), cost,
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
