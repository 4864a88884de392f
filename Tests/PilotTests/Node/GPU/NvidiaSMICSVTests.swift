import Testing
@testable import Pilot

/// What one `--query-gpu` capture should parse to.
struct CSVCase: Sendable, CustomTestStringConvertible {
    var file: String
    /// The query list for noheader captures; nil when the file has a header.
    var fields: [String]?
    var rowCount: Int
    var fieldCount: Int
    var name: String
    var uuid: String?
    var memoryBytes: UInt64?
    var driver: String?
    var computeCapability: String?
    var migMode: String?
    var busID: String?
    var testDescription: String { file }
}

@Suite("nvidia-smi --query-gpu csv")
struct NvidiaSMICSVTests {
    static let mib: UInt64 = 1 << 20
    /// Field list from influxdata/telegraf#6106, where the capture was made.
    static let telegraf6106Fields = [
        "fan.speed", "memory.total", "memory.used", "memory.free", "pstate", "temperature.gpu", "name", "uuid",
        "compute_mode", "utilization.gpu", "utilization.memory", "index", "power.draw", "pcie.link.gen.current",
        "pcie.link.width.current", "encoder.stats.sessionCount", "encoder.stats.averageFps",
        "encoder.stats.averageLatency", "clocks.current.graphics", "clocks.current.sm", "clocks.current.memory",
        "clocks.current.video",
    ]
    static let eessiFields = ["gpu_name", "count", "driver_version", "compute_cap"]
    static let zeroUUID = "GPU-00000000-0000-0000-0000-000000000000"

    static let cases: [CSVCase] = [
        CSVCase(file: "nvidia-smi_query-gpu_csv_header_h100-80gb-hbm3_drv590.48.01_gpuexporter.txt", rowCount: 1,
                fieldCount: 212, name: "NVIDIA H100 80GB HBM3", uuid: zeroUUID, memoryBytes: 81559 * mib,
                driver: "590.48.01", computeCapability: "9.0", migMode: "Disabled", busID: "0000:00:09.0"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_header_h100-mig_drv590.48.01_gpuexporter.txt", rowCount: 1,
                fieldCount: 212, name: "NVIDIA H100 80GB HBM3", uuid: zeroUUID, memoryBytes: 81559 * mib,
                driver: "590.48.01", computeCapability: "9.0", migMode: "Enabled", busID: "0000:00:09.0"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_header_h200_drv590.48.01_gpuexporter.txt", rowCount: 1,
                fieldCount: 212, name: "NVIDIA H200", uuid: zeroUUID, memoryBytes: 143771 * mib,
                driver: "590.48.01", computeCapability: "9.0", migMode: "Disabled", busID: "0000:83:00.0"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_header_l40s_drv595.80_gpuexporter.txt", rowCount: 1,
                fieldCount: 202, name: "NVIDIA L40S", uuid: zeroUUID, memoryBytes: 46068 * mib,
                driver: "595.80", computeCapability: "8.9", migMode: nil, busID: "0000:01:00.0"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_nounits_header_tesla-p100_netdata.txt", rowCount: 1,
                fieldCount: 15, name: "Tesla P100-PCIE-16GB", uuid: "GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_noheader_1xa100-sxm4-80gb_name-count-driver-cc_eessi.txt",
                fields: eessiFields, rowCount: 1, fieldCount: 4, name: "NVIDIA A100-SXM4-80GB",
                driver: "545.23.08", computeCapability: "8.0"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_noheader_4xa100-sxm4-80gb_name-count-driver-cc_eessi.txt",
                fields: eessiFields, rowCount: 4, fieldCount: 4, name: "NVIDIA A100-SXM4-80GB",
                driver: "545.23.08", computeCapability: "8.0"),
        CSVCase(file: "nvidia-smi_query-gpu_csv_noheader_nounits_gtx1060_windows_telegraf6106.txt",
                fields: telegraf6106Fields, rowCount: 1, fieldCount: 22, name: "GeForce GTX 1060 3GB",
                uuid: "GPU-647d1415-d8d5-e1b9-7251-0ad2bee4efe0", memoryBytes: 3072 * mib),
    ]

    static var files: [String] { cases.map(\.file) }

    @Test("every capture parses to the expected device", arguments: cases)
    func parsesCapture(_ expected: CSVCase) throws {
        let csv = try NvidiaSMICSV.parse(Fixtures.text(expected.file), fields: expected.fields)
        #expect(csv.rows.count == expected.rowCount)
        #expect(csv.fields.count == expected.fieldCount)
        let devices = csv.devices
        #expect(devices.map(\.index) == Array(0..<expected.rowCount))
        let first = try #require(devices.first)
        #expect(first.name == expected.name)
        #expect(first.uuid == expected.uuid)
        #expect(first.memoryBytes == expected.memoryBytes)
        #expect(first.driver == expected.driver)
        #expect(first.computeCapability == expected.computeCapability)
        #expect(first.migMode == expected.migMode)
        #expect(first.busID == expected.busID)
        #expect(devices.allSatisfy { $0.name == expected.name })
    }

    @Test func headerFieldsLoseTheirUnits() throws {
        let csv = try NvidiaSMICSV.parse(Fixtures.text(Self.cases[4].file))
        #expect(csv.fields.contains("memory.free"))
        #expect(csv.value("memory.free", row: 0) == "16280")
        #expect(csv.value("fan.speed", row: 0) == nil, "[N/A] is no value")
        #expect(csv.value("clocks.current.video", row: 0) == "835", "the last field survives the missing newline")
    }

    @Test func telegrafFieldListMatchesTheCapture() throws {
        let csv = try NvidiaSMICSV.parse(Fixtures.text(Self.cases[7].file), fields: Self.telegraf6106Fields)
        #expect(csv.value("memory.used", row: 0) == "1279")
        #expect(csv.value("memory.free", row: 0) == "1793")
        #expect(csv.value("pstate", row: 0) == "P8")
        #expect(csv.value("index", row: 0) == "0")
        #expect(csv.value("clocks.current.video", row: 0) == "556")
    }

    @Test func wrongFieldCountIsAnError() {
        #expect(throws: GPUParseError.fieldCount(line: 2, expected: 3, found: 2)) {
            try NvidiaSMICSV.parse("0, A, 10 MiB\n1, B\n", fields: ["index", "name", "memory.total"])
        }
    }

    @Test func probeQueryRowsBecomeDevices() throws {
        let text = """
            0, NVIDIA H100 80GB HBM3, GPU-a, 81559, 535.129.03, 9.0, [N/A], 00000000:19:00.0
            1, NVIDIA H100 80GB HBM3, GPU-b, [Not Supported], 535.129.03, 9.0, Enabled, 00000000:3B:00.0

            """
        let devices = try NvidiaSMICSV.parse(text, fields: NvidiaSMICSV.query).devices
        #expect(devices.count == 2)
        #expect(devices[0].memoryBytes == 81559 * Self.mib)
        #expect(devices[0].migMode == nil)
        #expect(devices[1].memoryBytes == nil)
        #expect(devices[1].migMode == "Enabled")
        #expect(devices[1].busID == "0000:3b:00.0")
    }

    @Test(arguments: [
        ("00000000:3B:00.0", "0000:3b:00.0"), ("0000:70:00.0", "0000:70:00.0"), ("04:00.0", "0000:04:00.0"),
        ("[N/A]", nil), ("garbage", nil), ("0000:4:00.0", nil),
    ] as [(String, String?)])
    func busIDsAreNormalised(_ raw: String, _ expected: String?) {
        #expect(NvidiaSMIValue.busID(raw) == expected)
    }
}
