import Foundation
import Testing
@testable import Pilot

@Suite("Usage records and cost")
struct UsageRecordTests {
    static let prices = PriceTable(
        currency: "USD", coreHour: ["m7i.2xlarge": 0.0504, "*": 0.045], gpuHour: ["NVIDIA H100 80GB HBM3": 2.9], egressGB: 0.09)

    @Test("the example job's usage record, priced: cores x hours, GPU-hours, GB out")
    func priced() throws {
        var facts = AccountingSamples.facts()
        facts.gpuModel = "NVIDIA H100 80GB HBM3"
        facts.gpuSeconds = 3600
        let record = UsageRecord(facts: facts, site: "UKI-EXAMPLE-SITE", prices: Self.prices)
        #expect(record.month == "2026-10")
        #expect(record.coreSeconds == 72000)
        #expect(record.cpuSeconds == 61200)
        #expect(record.bytesIn == 1_000_000_000 && record.bytesOut == 2_000_000_000)
        #expect(record.cost == UsageCost(currency: "USD", compute: 1.008, gpu: 2.9, egress: 0.18, total: 4.088, missing: []))
        let json = try JSONOutput.encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == [
            "version", "panda_id", "queue", "site", "exit_state", "exit_code", "start_time", "end_time", "month", "wall_seconds",
            "cpu_seconds", "cores", "core_seconds", "architecture", "cpu_model", "instance_type", "gpu_model", "gpu_seconds",
            "staged_in", "staged_out", "bytes_in", "bytes_out", "max_rss_kib", "cost",
        ])
        #expect(json.contains("\"staged_out\" : [\n    {\n      \"bytes\" : 2000000000,\n      \"endpoint\" : \"https://s3.example.org\""))
    }

    @Test("a price the table lacks makes that part and the total null, and is named")
    func missingPrice() {
        var facts = AccountingSamples.facts()
        facts.instanceType = "m5.large"
        facts.gpuSeconds = 7200
        facts.gpuModel = "NVIDIA L40S"
        let cost = PriceTable(coreHour: ["m7i.2xlarge": 0.05]).estimate(
            cores: 8, wallSeconds: 3600, instanceType: facts.instanceType, gpuModel: facts.gpuModel, gpuSeconds: 7200, bytesOut: 1)
        #expect(cost.compute == nil && cost.gpu == nil && cost.egress == nil && cost.total == nil)
        #expect(cost.missing == ["core_hour:m5.large", "gpu_hour:NVIDIA L40S", "egress_gb"])
        let wildcard = Self.prices.estimate(cores: 2, wallSeconds: 1800, instanceType: "m5.large", gpuModel: nil, gpuSeconds: 0, bytesOut: 0)
        #expect(wildcard.total == 0.045)
        #expect(UsageRecord(facts: facts, site: nil, prices: nil).cost == nil)
    }

    @Test("the report totals by month, architecture and queue")
    func report() {
        func usage(_ id: String, end: Int64, arch: String, queue: String, priced: Bool) -> UsageRecord {
            var facts = AccountingSamples.facts(id: id, end: end)
            facts.architecture = arch
            facts.queue = queue
            facts.wallSeconds = 3600
            return UsageRecord(facts: facts, site: nil, prices: priced ? Self.prices : nil)
        }
        let october: Int64 = 1_791_973_800, november: Int64 = 1_793_491_200 + 3600
        let records = [
            usage("1", end: october, arch: "x86_64", queue: "Q1", priced: true),
            usage("2", end: october, arch: "x86_64", queue: "Q1", priced: false),
            usage("3", end: october, arch: "aarch64", queue: "Q1", priced: true),
            usage("4", end: november, arch: "x86_64", queue: "Q2", priced: true),
        ]
        let totals = UsageReport.totals(records)
        #expect(totals.map { "\($0.month) \($0.architecture) \($0.queue) \($0.jobs)" } == [
            "2026-10 aarch64 Q1 1", "2026-10 x86_64 Q1 2", "2026-11 x86_64 Q2 1",
        ])
        let x86 = totals[1]
        #expect(x86.coreSeconds == 2 * 8 * 3600)
        #expect(x86.cost == 0.5832 && x86.jobsWithoutCost == 1 && x86.currency == "USD")
        #expect(UsageReport.totals(records, month: UTCMonth(year: 2026, month: 11)).map(\.queue) == ["Q2"])
        #expect(UsageReport.table(Array(totals.prefix(2))) == """
            month    arch     queue  jobs  core-h  cpu-h  gpu-h  GB in  GB out  cost
            2026-10  aarch64  Q1     1     8       17     0      1      2       0.58 USD
            2026-10  x86_64   Q1     2     16      34     0      2      4       0.58 USD (1 unpriced)

            """)
    }
}
