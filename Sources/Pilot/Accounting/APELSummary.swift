/// One summary record, `APEL-summary-job-message: v0.2` (APEL.md §3): the month-to-date total of
/// one group of jobs. The server REPLACEs on the group key, so every summary is a full running
/// total, never a delta.
///
/// `InfrastructureDescription` is left out (APEL before 2.5.0 rejects it in summaries);
/// `NodeCount`, `Processors` and the benchmark are always written (the server's columns are NOT
/// NULL).
struct APELSummaryRecord: Sendable, Equatable {
    /// The fields APEL groups by (`ReplaceSummary`'s key), less Site, Month and Year.
    struct Group: Hashable, Sendable {
        /// The owner's DN.
        var globalUserName: String?
        /// VO, VOGroup and VORole as the server derives them.
        var vo: APELVOAttributes
        /// The SubmitHost.
        var submitHost: String?
        /// `grid` or `local`.
        var infrastructureType: String?
        /// The per-core benchmark.
        var benchmark: APELBenchmark
        /// NodeCount, 0 when the records had none.
        var nodeCount: Int64
        /// Processors, 0 when the records had none.
        var processors: Int64
    }

    /// The GOCDB site name.
    var site: String
    /// The month summarised.
    var month: UTCMonth
    /// What the jobs have in common.
    var group: Group
    /// The first and last EndTime of the group's jobs, both inside the month.
    var earliestEndTime: Int64
    var latestEndTime: Int64
    /// Seconds and jobs summed over the group: the month's running total.
    var wallDuration: Int64
    var cpuDuration: Int64
    var numberOfJobs: Int64

    /// The message header.
    static let header = "APEL-summary-job-message: v0.2"

    /// The lines in APEL's order.
    var fields: [(key: String, value: String)] {
        let all: [(String, String?)] = [
            ("Site", site), ("Month", String(month.month)), ("Year", String(month.year)),
            ("GlobalUserName", group.globalUserName), ("VO", group.vo.vo), ("VOGroup", group.vo.voGroup),
            ("VORole", group.vo.voRole), ("SubmitHost", group.submitHost), ("InfrastructureType", group.infrastructureType),
            ("ServiceLevelType", group.benchmark.kind.rawValue), ("ServiceLevel", group.benchmark.value),
            ("NodeCount", String(group.nodeCount)), ("Processors", String(group.processors)),
            ("EarliestEndTime", String(earliestEndTime)), ("LatestEndTime", String(latestEndTime)),
            ("WallDuration", String(wallDuration)), ("CpuDuration", String(cpuDuration)),
            ("NumberOfJobs", String(numberOfJobs)),
        ]
        return all.compactMap { key, value in value.map { (key, $0) } }
    }
}

/// The sync record, `APEL-sync-message: v0.1`: how many jobs a SubmitHost ran in a month, for the
/// portal's completeness check. One goes with each month's summaries.
struct APELSyncRecord: Sendable, Equatable {
    /// The GOCDB site name.
    var site: String
    /// The SubmitHost counted.
    var submitHost: String?
    /// Jobs of the month from that SubmitHost.
    var numberOfJobs: Int64
    /// The month counted.
    var month: UTCMonth

    /// The message header.
    static let header = "APEL-sync-message: v0.1"

    /// The lines in APEL's order.
    var fields: [(key: String, value: String)] {
        let all: [(String, String?)] = [
            ("Site", site), ("SubmitHost", submitHost), ("NumberOfJobs", String(numberOfJobs)),
            ("Month", String(month.month)), ("Year", String(month.year)),
        ]
        return all.compactMap { key, value in value.map { (key, $0) } }
    }
}

/// Builds a month's summaries and sync records from stored job records.
enum APELSummarizer {
    /// What `summarize` produces for one month.
    struct Result: Sendable, Equatable {
        /// One summary per group, sorted.
        var summaries: [APELSummaryRecord]
        /// One sync record per site and SubmitHost.
        var syncs: [APELSyncRecord]

        /// The summary messages, then the sync message(s), each within APEL's batch limits.
        var messages: [String] {
            APELMessage.batches(header: APELSummaryRecord.header, records: summaries.map(\.fields))
                + APELMessage.batches(header: APELSyncRecord.header, records: syncs.map(\.fields))
        }
    }

    /// Why a month cannot be summarised.
    enum Failure: Error, CustomStringConvertible, Equatable {
        /// APEL refuses summaries of a month that has not begun.
        case monthInFuture(UTCMonth)

        var description: String {
            switch self {
            case .monthInFuture(let month): "month \(month) has not begun: APEL refuses summaries of future months"
            }
        }
    }

    /// The month's totals: every record whose EndTime falls in the UTC month counts whole (a job
    /// that started the month before included), grouped by APEL's summary key; sorted so the
    /// output is stable. A job stored twice under one LocalJobId counts once (the last).
    static func summarize(_ records: [APELJobRecord], month: UTCMonth, now: Int64) throws(Failure) -> Result {
        guard month.start <= now else { throw .monthInFuture(month) }
        var unique: [String: APELJobRecord] = [:]
        for record in records where month.contains(record.endTime) {
            unique[record.site + "\n" + record.localJobID] = record
        }
        var summaries: [String: [APELSummaryRecord.Group: APELSummaryRecord]] = [:]
        var syncs: [String: [String: APELSyncRecord]] = [:]
        for record in unique.values {
            let group = APELSummaryRecord.Group(
                globalUserName: record.globalUserName, vo: APELVOAttributes(fqan: record.fqan, vo: record.vo),
                submitHost: record.submitHost, infrastructureType: record.infrastructureType,
                benchmark: record.benchmark, nodeCount: record.nodeCount ?? 0, processors: record.processors ?? 0)
            var summary = summaries[record.site, default: [:]][group] ?? APELSummaryRecord(
                site: record.site, month: month, group: group, earliestEndTime: record.endTime,
                latestEndTime: record.endTime, wallDuration: 0, cpuDuration: 0, numberOfJobs: 0)
            summary.earliestEndTime = min(summary.earliestEndTime, record.endTime)
            summary.latestEndTime = max(summary.latestEndTime, record.endTime)
            summary.wallDuration += record.wallDuration
            summary.cpuDuration += record.cpuDuration
            summary.numberOfJobs += 1
            summaries[record.site, default: [:]][group] = summary
            var sync = syncs[record.site, default: [:]][record.submitHost ?? ""]
                ?? APELSyncRecord(site: record.site, submitHost: record.submitHost, numberOfJobs: 0, month: month)
            sync.numberOfJobs += 1
            syncs[record.site, default: [:]][record.submitHost ?? ""] = sync
        }
        let orderedSummaries = summaries.values.flatMap { $0.values }
            .sorted { lhs, rhs in lhs.fields.map { "\($0.key)=\($0.value)" }.lexicographicallyPrecedes(rhs.fields.map { "\($0.key)=\($0.value)" }) }
        let orderedSyncs = syncs.values.flatMap { $0.values }
            .sorted { ($0.site, $0.submitHost ?? "") < ($1.site, $1.submitHost ?? "") }
        return Result(summaries: orderedSummaries, syncs: orderedSyncs)
    }
}
