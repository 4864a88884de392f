import Foundation
import Testing
@testable import Pilot

@Suite("Usage records and cost")
struct UsageRecordTests {
    static let prices = PriceTable(
        currency: "USD", coreHour: ["m7i.2xlarge": 0.0504, "*": 0.045], gpuHour: ["NVIDIA H100 80GB HBM3": 2.9], egressGB: 0.09)

    @Test("the example job's usage record, priced, to the byte: cores x hours, GPU-hours, GB out")
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
        #expect(try LedgerStore.json(record) == """
            {
              "architecture" : "x86_64",
              "bytes_in" : 1000000000,
              "bytes_out" : 2000000000,
              "core_seconds" : 72000,
              "cores" : 8,
              "cost" : {
                "compute" : 1.008,
                "currency" : "USD",
                "egress" : 0.18,
                "gpu" : 2.9,
                "missing" : [

                ],
                "total" : 4.088
              },
              "cpu_model" : "AMD EPYC 9654 96-Core Processor",
              "cpu_seconds" : 61200,
              "end_time" : 1791973800,
              "exit_code" : 0,
              "exit_state" : "finished",
              "gpu_model" : "NVIDIA H100 80GB HBM3",
              "gpu_seconds" : 3600,
              "instance_type" : "m7i.2xlarge",
              "max_rss_kib" : 15728640,
              "month" : "2026-10",
              "panda_id" : "6931245817",
              "queue" : "EXAMPLE_K8S",
              "site" : "UKI-EXAMPLE-SITE",
              "staged_in" : [
                {
                  "bytes" : 1000000000,
                  "endpoint" : "https://s3.example.org"
                }
              ],
              "staged_out" : [
                {
                  "bytes" : 2000000000,
                  "endpoint" : "https://s3.example.org"
                }
              ],
              "start_time" : 1791964800,
              "version" : 1,
              "wall_seconds" : 9000
            }

            """)
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
