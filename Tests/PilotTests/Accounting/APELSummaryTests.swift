import Foundation
import Testing
@testable import Pilot

@Suite("APEL summaries")
struct APELSummaryTests {
    static let october = UTCMonth(year: 2026, month: 10)

    /// A stored record like APEL.md's summary example: no DN, the production FQAN, 8 cores.
    static func record(id: Int, start: Int64, end: Int64, wall: Int64 = 9000, cpu: Int64 = 63000, processors: Int64 = 8,
                       fqan: String = "/atlas/Role=production/Capability=NULL") -> APELJobRecord {
        APELJobRecord(
            site: "UKI-EXAMPLE-SITE", submitHost: "pilot.example.org:443/EXAMPLE_K8S", machineName: "pilot-\(id)",
            queue: "EXAMPLE_K8S", localJobID: String(id), fqan: fqan, wallDuration: wall, cpuDuration: cpu,
            processors: processors, nodeCount: 1, startTime: start, endTime: end,
            infrastructureDescription: "APEL-KUBERNETES", infrastructureType: "grid", benchmark: AccountingSamples.benchmark)
    }

    static let referenceSummary = """
        APEL-summary-job-message: v0.2
        Site: UKI-EXAMPLE-SITE
        Month: 10
        Year: 2026
        VO: atlas
        VOGroup: /atlas
        VORole: Role=production
        SubmitHost: pilot.example.org:443/EXAMPLE_K8S
        InfrastructureType: grid
        ServiceLevelType: HEPscore23
        ServiceLevel: 15.2
        NodeCount: 1
        Processors: 8
        EarliestEndTime: 1790910900
        LatestEndTime: 1793400000
        WallDuration: 3600000
        CpuDuration: 25200000
        NumberOfJobs: 400
        %%

        """

    static let referenceSync = """
        APEL-sync-message: v0.1
        Site: UKI-EXAMPLE-SITE
        SubmitHost: pilot.example.org:443/EXAMPLE_K8S
        NumberOfJobs: 400
        Month: 10
        Year: 2026
        %%

        """

    @Test("400 jobs of October give APEL.md's summary and sync messages to the byte")
    func golden() throws {
        let first: Int64 = 1_790_910_900, last: Int64 = 1_793_400_000
        let records = (0..<400).map { i in
            let end = i == 0 ? first : (i == 399 ? last : first + Int64(i) * 6000)
            return Self.record(id: 1000 + i, start: end - 9000, end: end)
        }
        let result = try APELSummarizer.summarize(records.shuffled(), month: Self.october, now: AccountingSamples.now)
        #expect(result.messages == [Self.referenceSummary, Self.referenceSync])
        for message in result.messages { try APELFormatChecker.check(message) }
    }

    @Test("a job counts whole in the month it ended in, even when it started the month before")
    func monthBoundary() throws {
        let octoberStart = Self.october.start
        #expect(octoberStart == 1_790_812_800)  // 2026-10-01T00:00:00Z
        let records = [
            Self.record(id: 1, start: octoberStart - 7200, end: octoberStart + 7200, wall: 14400, cpu: 100_000),  // Sep 30 -> Oct 1
            Self.record(id: 2, start: octoberStart - 3600, end: octoberStart - 1, wall: 3599, cpu: 20_000),      // ends Sep 30 23:59:59
            Self.record(id: 3, start: Self.october.end - 60, end: Self.october.end, wall: 60, cpu: 60),           // ends Nov 1 00:00:00
            Self.record(id: 4, start: octoberStart, end: octoberStart, wall: 0, cpu: 0),                         // ends at the first second
        ]
        let october = try APELSummarizer.summarize(records, month: Self.october, now: AccountingSamples.now)
        let september = try APELSummarizer.summarize(records, month: UTCMonth(year: 2026, month: 9), now: AccountingSamples.now)
        let november = try APELSummarizer.summarize(records, month: Self.october.next, now: AccountingSamples.now)
        #expect(october.summaries.map(\.numberOfJobs) == [2])
        #expect(october.summaries.first?.wallDuration == 14400)
        #expect(october.summaries.first?.cpuDuration == 100_000)
        #expect(october.summaries.first?.earliestEndTime == octoberStart)
        #expect(october.summaries.first?.latestEndTime == octoberStart + 7200)
        #expect(september.summaries.map(\.wallDuration) == [3599])
        #expect(november.summaries.map(\.numberOfJobs) == [1])
        #expect(october.syncs.map(\.numberOfJobs) == [2])
        for message in october.messages + september.messages + november.messages {
            try APELFormatChecker.check(message, now: Date(timeIntervalSince1970: Double(AccountingSamples.now)))
        }
    }

    @Test("each summary is the full running total, recomputed, never a delta")
    func runningTotal() throws {
        let start = Self.october.start + 86400
        var records = [Self.record(id: 1, start: start, end: start + 9000), Self.record(id: 2, start: start, end: start + 9000)]
        let before = try APELSummarizer.summarize(records, month: Self.october, now: AccountingSamples.now)
        records.append(Self.record(id: 3, start: start, end: start + 9000))
        let after = try APELSummarizer.summarize(records, month: Self.october, now: AccountingSamples.now)
        #expect(before.summaries.map(\.wallDuration) == [18000])
        #expect(after.summaries.map(\.wallDuration) == [27000])
        #expect(after.summaries.map(\.numberOfJobs) == [3])
        #expect(after.syncs.map(\.numberOfJobs) == [3])
    }

    @Test("jobs group by APEL's summary key: cores and role split groups; one LocalJobId counts once")
    func grouping() throws {
        let start = Self.october.start + 86400
        let records = [
            Self.record(id: 1, start: start, end: start + 100, processors: 8),
            Self.record(id: 2, start: start, end: start + 100, processors: 1),
            Self.record(id: 3, start: start, end: start + 100, fqan: "/atlas/Role=pilot/Capability=NULL"),
            Self.record(id: 3, start: start, end: start + 100, fqan: "/atlas/Role=pilot/Capability=NULL"),
        ]
        let result = try APELSummarizer.summarize(records, month: Self.october, now: AccountingSamples.now)
        #expect(result.summaries.count == 3)
        #expect(result.summaries.map(\.numberOfJobs).reduce(0, +) == 3)
        #expect(Set(result.summaries.compactMap(\.group.vo.voRole)) == ["Role=production", "Role=pilot"])
        #expect(result.syncs.map(\.numberOfJobs) == [3])
        for message in result.messages { try APELFormatChecker.check(message) }
    }

    @Test("a month that has not begun is refused, as the server refuses it")
    func futureMonth() {
        #expect(throws: APELSummarizer.Failure.monthInFuture(UTCMonth(year: 2026, month: 12))) {
            try APELSummarizer.summarize([], month: UTCMonth(year: 2026, month: 12), now: AccountingSamples.now)
        }
    }

    @Test("more than 1000 summaries are split into messages of at most 1000 records")
    func batches() throws {
        let start = Self.october.start + 86400
        let records = (1...2500).map { Self.record(id: $0, start: start, end: start + 100, processors: Int64($0)) }
        let result = try APELSummarizer.summarize(records, month: Self.october, now: AccountingSamples.now)
        let summaryMessages = result.messages.filter { $0.hasPrefix(APELSummaryRecord.header) }
        #expect(summaryMessages.count == 3)
        #expect(summaryMessages.map { $0.components(separatedBy: "\n%%\n").count - 1 } == [1000, 1000, 500])
        for message in result.messages { try APELFormatChecker.check(message) }
    }

    @Test("months parse as YYYY-MM and hold the right seconds", arguments: [
        ("2026-10", 1_790_812_800, 1_793_491_200), ("2024-02", 1_706_745_600, 1_709_251_200), ("2026-12", 1_796_083_200, 1_798_761_600),
    ])
    func months(text: String, start: Int64, end: Int64) throws {
        let month = try UTCMonth(parsing: text)
        #expect(month.start == start)
        #expect(month.end == end)
        #expect(UTCMonth(containing: end - 1) == month)
        #expect(month.description == text)
        let (checkerStart, checkerEnd) = APELFormatChecker.monthBounds(year: month.year, month: month.month)
        #expect((checkerStart, checkerEnd) == (start, end))
    }

    @Test("bad months are refused", arguments: ["2026-13", "2026-1", "26-10", "2026/10", "", "1969-12"])
    func badMonths(text: String) {
        #expect(throws: UTCMonth.ParseError.self) { try UTCMonth(parsing: text) }
    }
}
