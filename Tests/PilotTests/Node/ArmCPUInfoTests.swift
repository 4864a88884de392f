import Testing
@testable import Pilot

/// What each captured Arm CPU description must parse to (parts from HARDWARE.md §2).
struct ArmExpectation: Sendable, CustomTestStringConvertible {
    var fixture: String
    var implementer: String
    var part: String?
    var name: String
    var sve: Bool
    var sve2: Bool
    var extra: [String] = []
    var lacking: [String] = []
    var testDescription: String { fixture }
}

let armExpectations: [ArmExpectation] = [
    .init(fixture: "cpuinfo_ampere_altra_mtjade_neoverse_n1_lkml_1block.txt", implementer: "0x41", part: "0xd0c",
          name: "Neoverse-N1", sve: false, sve2: false, extra: ["atomics", "asimddp"], lacking: ["bf16"]),
    .init(fixture: "cpuinfo_aws_graviton2_neoverse_n1_archspec.txt", implementer: "0x41", part: "0xd0c",
          name: "Neoverse-N1", sve: false, sve2: false, extra: ["atomics", "lrcpc"], lacking: ["i8mm"]),
    .init(fixture: "cpuinfo_aws_graviton3_neoverse_v1_archspec.txt", implementer: "0x41", part: "0xd40",
          name: "Neoverse-V1", sve: true, sve2: false, extra: ["bf16", "i8mm", "svebf16"]),
    .init(fixture: "cpuinfo_gcp_axion_neoverse_v2_eessi.txt", implementer: "0x41", part: "0xd4f",
          name: "Neoverse-V2", sve: true, sve2: true, extra: ["svebitperm", "flagm2"]),
    .init(fixture: "cpuinfo_neoverse_v2_0xd4f_nosm4_archspec.txt", implementer: "0x41", part: "0xd4f",
          name: "Neoverse-V2", sve: true, sve2: true, lacking: ["sm4"]),
    .init(fixture: "cpuinfo_neoverse_v2_0xd4f_rhel9_archspec.txt", implementer: "0x41", part: "0xd4f",
          name: "Neoverse-V2", sve: true, sve2: true),
    .init(fixture: "cpuinfo_neoverse_v2_0xd4f_ubuntu2204_archspec.txt", implementer: "0x41", part: "0xd4f",
          name: "Neoverse-V2", sve: true, sve2: true),
    .init(fixture: "cpuinfo_nvidia_grace_neoverse_v2_jureca_rocky95_eessi.txt", implementer: "0x41", part: "0xd4f",
          name: "Neoverse-V2", sve: true, sve2: true, extra: ["sve2", "svesm4"]),
    .init(fixture: "cpuinfo_ampereone_ac3_archspec.txt", implementer: "0xc0", part: "0xac3",
          name: "AmpereOne", sve: false, sve2: false),
    .init(fixture: "lscpu_ampere_altra_neoverse_n1_azure_ubuntu20_eessi.txt", implementer: "0x41", part: "0xd0c",
          name: "Neoverse-N1", sve: false, sve2: false, extra: ["atomics"]),
]

@Suite("Arm CPU descriptions")
struct ArmCPUInfoTests {
    @Test("every captured Arm cpuinfo and lscpu file names its core and features", arguments: armExpectations)
    func parsesFixture(_ expected: ArmExpectation) throws {
        let cpu = try CPUInfoParser.parse(try Fixtures.text(expected.fixture))
        #expect(cpu.arch == .aarch64)
        #expect(cpu.logical >= 1)
        let report = CPUReport.assemble(cpu, online: nil, allowed: nil, limits: CgroupLimits())
        #expect(report.microarchLevel == nil)
        #expect(report.nextLevelMissing == nil)
        #expect(report.part == expected.name)
        #expect(report.model == expected.name)
        #expect(report.arm?.implementer == expected.implementer)
        #expect(report.arm?.part == expected.part)
        #expect(report.arm?.derived.sve == expected.sve)
        #expect(report.arm?.derived.sve2 == expected.sve2)
        #expect(report.arm?.derived.atomics == true)
        #expect(report.features.contains("asimd"))
        for feature in expected.extra { #expect(report.features.contains(feature), "\(feature)") }
        for feature in expected.lacking { #expect(!report.features.contains(feature), "\(feature)") }
    }

    @Test("every Arm fixture in shared/fixtures is covered by an expectation")
    func allFixturesCovered() throws {
        let arm = try Fixtures.names(prefixes: ["cpuinfo_", "lscpu_"]).filter { name in
            (try? CPUInfoParser.parse(Fixtures.text(name)).arch) == .aarch64
        }
        #expect(Set(arm) == Set(armExpectations.map(\.fixture)))
    }

    @Test("the implementer names its vendor")
    func vendors() throws {
        let arm = try CPUInfoParser.parse(try Fixtures.text("cpuinfo_nvidia_grace_neoverse_v2_jureca_rocky95_eessi.txt"))
        #expect(arm.vendor == "Arm")
        let ampere = try CPUInfoParser.parse(try Fixtures.text("cpuinfo_ampereone_ac3_archspec.txt"))
        #expect(ampere.vendor == "Ampere")
    }

    @Test("an unknown part keeps its number")
    func unknownPart() throws {
        let text = "processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU part\t: 0xfff\n"
        let report = CPUReport.assemble(try CPUInfoParser.parse(text), online: nil, allowed: nil, limits: CgroupLimits())
        #expect(report.part == "unknown (0xfff)")
        #expect(report.arm?.derived.atomics == false)
    }
}
