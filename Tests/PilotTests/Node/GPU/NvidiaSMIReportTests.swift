import Testing
@testable import Pilot

/// What one `-q`, `-q -x` or table capture should parse to.
struct ReportCase: Sendable, CustomTestStringConvertible {
    var file: String
    var driver: String
    var cuda: String
    var attached: Int
    /// One entry per GPU block in the file.
    var gpus: [NvidiaSMIReport.GPU]
    var testDescription: String { file }
}

@Suite("nvidia-smi -q, -q -x, default table and --version")
struct NvidiaSMIReportTests {
    static let mib: UInt64 = 1 << 20
    static let zeroUUID = "GPU-00000000-0000-0000-0000-000000000000"

    static func gpu(
        _ index: Int? = nil, _ name: String, uuid: String? = nil, mib: UInt64, mig: String?, minor: Int? = nil,
        bus: String, truncated: Bool = false
    ) -> NvidiaSMIReport.GPU {
        NvidiaSMIReport.GPU(
            index: index, name: name, nameTruncated: truncated, uuid: uuid, memoryBytes: mib * Self.mib,
            migMode: mig, minor: minor, busID: bus)
    }

    static let h100UUIDs = [
        "GPU-ee7954ec-da95-fd7a-ddfd-c6b32cc2f8aa", "GPU-47daa2ad-a218-6286-252b-af45f0dfaf00",
        "GPU-167d8376-ee13-fca4-938a-a05167c43cdc", "GPU-afe9f2ed-9dd0-572c-3cd8-b42b58b3bc99",
        "GPU-2b6f61f9-8b00-3b57-d912-b62792120662", "GPU-980ea11b-91dc-db7b-72ac-0685abc43658",
        "GPU-4ef109e9-e925-4834-2b85-0771b4ef696c", "GPU-b0fe4996-1f7c-91f6-0ccd-08ae3b7e23c5",
    ]
    static let h100Buses = ["19", "3b", "4c", "5d", "9b", "bb", "cb", "db"].map { "0000:\($0):00.0" }

    static let queryTextCases: [ReportCase] = [
        ReportCase(
            file: "nvidia-smi_q_text_8xh100_drv535.161.08_gpud.txt", driver: "535.161.08", cuda: "12.2", attached: 8,
            gpus: (0..<8).map {
                gpu(nil, "NVIDIA H100 80GB HBM3", uuid: h100UUIDs[$0], mib: 81559, mig: "Disabled", minor: $0, bus: h100Buses[$0])
            }),
        ReportCase(
            file: "nvidia-smi_q_text_h100-80gb-hbm3_drv590.48.01_gpuexporter.txt", driver: "590.48.01", cuda: "13.1",
            attached: 1,
            gpus: [gpu(nil, "NVIDIA H100 80GB HBM3", uuid: zeroUUID, mib: 81559, mig: "Disabled", minor: 0, bus: "0000:00:09.0")]),
    ]

    static let queryXMLCases: [ReportCase] = [
        ReportCase(
            file: "nvidia-smi_q_x_a100-sxm4-mig_netdata.xml", driver: "510.47.03", cuda: "11.6", attached: 1,
            gpus: [gpu(nil, "NVIDIA A100-SXM4-40GB", uuid: "GPU-27b94a00-ed54-5c24-b1fd-1054085de32a", mib: 40960,
                       mig: "Enabled", minor: 0, bus: "0000:00:04.0")]),
        // SOURCES.md calls this 4× A100, and attached_gpus says 4, but the file holds one <gpu>.
        ReportCase(
            file: "nvidia-smi_q_x_a100-sxm4-v12_telegraf.xml", driver: "535.54.03", cuda: "12.2", attached: 4,
            gpus: [gpu(nil, "NVIDIA A100-SXM4-80GB", uuid: "GPU-513536b6-7d19-9063-b049-1e69664bb298", mib: 81920,
                       mig: "Enabled", minor: 1, bus: "0000:01:00.0")]),
        ReportCase(
            file: "nvidia-smi_q_x_a10g_telegraf.xml", driver: "515.105.01", cuda: "11.7", attached: 1,
            gpus: [gpu(nil, "NVIDIA A10G", uuid: "GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94", mib: 23028, mig: nil,
                       minor: 0, bus: "0000:00:1e.0")]),
        ReportCase(
            file: "nvidia-smi_q_x_tesla-p100_netdata.xml", driver: "510.47.03", cuda: "11.6", attached: 1,
            gpus: [gpu(nil, "Tesla P100-PCIE-16GB", uuid: "GPU-d3da8716-eaab-75db-efc1-60e88e1cd55e", mib: 16384,
                       mig: nil, minor: 0, bus: "0000:00:04.0")]),
        ReportCase(
            file: "nvidia-smi_q_x_tesla-t4_telegraf.xml", driver: "515.105.01", cuda: "11.7", attached: 1,
            gpus: [gpu(nil, "Tesla T4", uuid: "GPU-d37e67a5-91dd-3774-a5cb-99096249601a", mib: 15360, mig: nil,
                       minor: 0, bus: "0000:00:1e.0")]),
    ]

    static let tableCases: [ReportCase] = [
        ReportCase(
            file: "nvidia-smi_table_8xh100_drv550.90.07_gpud.txt", driver: "550.90.07", cuda: "12.4", attached: 8,
            gpus: (0..<8).map { gpu($0, "NVIDIA H100 80GB HBM3", mib: 81559, mig: "Disabled", bus: h100Buses[$0]) }),
        ReportCase(
            file: "nvidia-smi_table_geforce_truncated_name_fan_ERR_drv525.125.06_gpud.txt", driver: "525.125.06",
            cuda: "12.0", attached: 1,
            gpus: [gpu(0, "NVIDIA GeForce ...", mib: 23028, mig: nil, bus: "0000:01:00.0", truncated: true)]),
        ReportCase(
            file: "nvidia-smi_table_h100-80gb-hbm3_drv590.48.01_gpuexporter.txt", driver: "590.48.01", cuda: "13.1",
            attached: 1, gpus: [gpu(0, "NVIDIA H100 80GB HBM3", mib: 81559, mig: "Disabled", bus: "0000:00:09.0")]),
        ReportCase(
            file: "nvidia-smi_table_h100-mig_drv590.48.01_gpuexporter.txt", driver: "590.48.01", cuda: "13.1",
            attached: 1, gpus: [gpu(0, "NVIDIA H100 80GB HBM3", mib: 81559, mig: "Enabled", bus: "0000:00:09.0")]),
        ReportCase(
            file: "nvidia-smi_table_h200_drv590.48.01_gpuexporter.txt", driver: "590.48.01", cuda: "13.1",
            attached: 1, gpus: [gpu(0, "NVIDIA H200", mib: 143771, mig: "Disabled", bus: "0000:83:00.0")]),
        ReportCase(
            file: "nvidia-smi_table_l40s_drv595.80_gpuexporter.txt", driver: "595.80", cuda: "13.2",
            attached: 1, gpus: [gpu(0, "NVIDIA L40S", mib: 46068, mig: nil, bus: "0000:01:00.0")]),
        // Old layout without the MIG M. row; the excerpt has no closing border.
        ReportCase(
            file: "nvidia-smi_table_tesla-k80_gce_drv410.104_openmm2386_excerpt.txt", driver: "410.104",
            cuda: "10.0", attached: 1, gpus: [gpu(0, "Tesla K80", mib: 11441, mig: nil, bus: "0000:00:04.0")]),
        ReportCase(
            file: "nvidia-smi_table_v100-sxm2-32gb_truncated_name_drv525.105.17_wan21issue5.txt",
            driver: "525.105.17", cuda: "12.0", attached: 1,
            gpus: [gpu(0, "Tesla V100-SXM2...", mib: 32768, mig: nil, bus: "0000:00:09.0", truncated: true)]),
    ]

    static let versionFile = "nvidia-smi_version_h100_drv590.48.01_gpuexporter.txt"

    static var files: [String] {
        (queryTextCases + queryXMLCases + tableCases).map(\.file) + [versionFile]
    }

    static func check(_ report: NvidiaSMIReport, _ expected: ReportCase) {
        #expect(report.driverVersion == expected.driver)
        #expect(report.cudaVersion == expected.cuda)
        #expect(report.attachedGPUs == expected.attached)
        #expect(report.gpus.count == expected.gpus.count)
        for (got, want) in zip(report.gpus, expected.gpus) {
            #expect(got == want)
        }
    }

    @Test("-q text", arguments: queryTextCases)
    func queryText(_ expected: ReportCase) throws {
        Self.check(try NvidiaSMIReport.parseQueryText(Fixtures.text(expected.file)), expected)
    }

    @Test("-q -x", arguments: queryXMLCases)
    func queryXML(_ expected: ReportCase) throws {
        Self.check(try NvidiaSMIReport.parseQueryXML(Fixtures.text(expected.file)), expected)
    }

    @Test("default table", arguments: tableCases)
    func table(_ expected: ReportCase) throws {
        Self.check(try NvidiaSMIReport.parseTable(Fixtures.text(expected.file)), expected)
    }

    @Test func versionOutputGivesDriverAndCUDA() throws {
        let report = try NvidiaSMIReport.parseVersionOutput(Fixtures.text(Self.versionFile))
        #expect(report.driverVersion == "590.48.01")
        #expect(report.cudaVersion == "13.1")
    }

    @Test func textAndXMLAgreeOnDevices() throws {
        let xml = try NvidiaSMIReport.parseQueryXML(Fixtures.text("nvidia-smi_q_x_tesla-t4_telegraf.xml"))
        let device = try #require(xml.devices.first)
        #expect(device.index == 0)
        #expect(device.driver == "515.105.01")
        #expect(device.memoryBytes == 15360 * Self.mib)
    }

    @Test(arguments: [
        ("<nvidia_smi_log><gpu><uuid>x</uuid></nvidia_smi_log>", "nvidia-smi xml: </nvidia_smi_log> closes <gpu>"),
        ("<nvidia_smi_log><driver_version>1", "nvidia-smi xml: <driver_version> is never closed"),
        ("<other/>", "nvidia-smi xml: no <nvidia_smi_log> element"),
        ("<nvidia_smi_log><gpu", "nvidia-smi xml: document ends inside a tag"),
    ])
    func brokenXMLIsAnError(_ text: String, _ message: String) {
        #expect {
            try NvidiaSMIReport.parseQueryXML(text)
        } throws: { error in
            (error as? GPUParseError)?.description == message
        }
    }

    @Test func xmlEntitiesAreDecoded() throws {
        let report = try NvidiaSMIReport.parseQueryXML(
            "<?xml version=\"1.0\" ?><!-- c --><nvidia_smi_log><gpu id=\"x\"><product_name>A &amp; B</product_name></gpu></nvidia_smi_log>")
        #expect(report.gpus.first?.name == "A & B")
    }

    @Test func tableWithoutBannerIsAnError() {
        #expect(throws: GPUParseError.self) { try NvidiaSMIReport.parseTable("No devices were found\n") }
    }
}
