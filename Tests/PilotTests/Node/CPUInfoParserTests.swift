import Testing
@testable import Pilot

/// What each captured x86 CPU description must parse to (levels from the psABI table in
/// shared/reference/HARDWARE.md §1, names and counts read off the files).
struct X86Expectation: Sendable, CustomTestStringConvertible {
    var fixture: String
    var vendor: String
    var model: String
    var logical: Int
    var level: String
    var missing: [String]
    var testDescription: String { fixture }
}

private let avx512 = ["avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512vl"]
private let v3 = ["abm", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "xsave"]

let x86Expectations: [X86Expectation] = [
    .init(fixture: "cpuinfo_amd_epyc_7451_zen1_full96_utillinux.txt", vendor: "AuthenticAMD",
          model: "AMD EPYC 7451 24-Core Processor", logical: 96, level: "x86-64-v3", missing: avx512),
    .init(fixture: "cpuinfo_amd_epyc_9654_zen4_avx512_rocky85_archspec.txt", vendor: "AuthenticAMD",
          model: "AMD EPYC 9654 96-Core Processor", logical: 1, level: "x86-64-v4", missing: []),
    .init(fixture: "cpuinfo_amd_epyc_9v33x_zen4_avx512_azure_alma8_eessi.txt", vendor: "AuthenticAMD",
          model: "AMD EPYC 9V33X 96-Core Processor", logical: 1, level: "x86-64-v4", missing: []),
    .init(fixture: "cpuinfo_amd_opteron_6136_k10_no_sse42_archspec.txt", vendor: "AuthenticAMD",
          model: "AMD Opteron(tm) Processor 6136", logical: 1, level: "x86-64-v1",
          missing: ["sse4_1", "sse4_2", "ssse3"]),
    .init(fixture: "cpuinfo_intel_xeon_8488c_sapphirerapids_aws_rocky8_eessi.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) Platinum 8488C", logical: 1, level: "x86-64-v4", missing: []),
    .init(fixture: "cpuinfo_intel_xeon_gold_6132_skylake_avx512_rhel7_archspec.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) Gold 6132 CPU @ 2.60GHz", logical: 1, level: "x86-64-v4", missing: []),
    .init(fixture: "cpuinfo_intel_xeon_platinum_8260M_cascadelake_centos7_archspec.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) Platinum 8260M CPU @ 2.40GHz", logical: 1, level: "x86-64-v4", missing: []),
    .init(fixture: "cpuinfo_intel_xeon_platinum_8480_sapphirerapids_archspec.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) Platinum 8480+", logical: 1, level: "x86-64-v4", missing: []),
    .init(fixture: "cpuinfo_intel_xeon_x7550_nehalem_full64_utillinux.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) CPU X7550 @ 2.00GHz", logical: 64, level: "x86-64-v2", missing: v3),
    .init(fixture: "cpuinfo_qemu_virtual_cpu_2.5_amd_host_procs6-7_adoptium316.txt", vendor: "AuthenticAMD",
          model: "QEMU Virtual CPU version 2.5+", logical: 2, level: "x86-64-v1",
          missing: ["popcnt", "sse4_1", "sse4_2", "ssse3"]),
    .init(fixture: "cpuinfo_qemu_virtual_cpu_2.5_no_ssse3_sse4_popcnt_veos.txt", vendor: "GenuineIntel",
          model: "QEMU Virtual CPU version 2.5+", logical: 1, level: "x86-64-v1",
          missing: ["popcnt", "sse4_1", "sse4_2", "ssse3"]),
    .init(fixture: "cpuinfo_virtualbox_guest_i5-3317U_no_sse41_sse42_popcnt_utillinux.txt", vendor: "GenuineIntel",
          model: "Intel(R) Core(TM) i5-3317U CPU @ 1.70GHz", logical: 2, level: "x86-64-v1",
          missing: ["cx16", "popcnt", "sse4_1", "sse4_2"]),
    .init(fixture: "lscpu_amd_epyc_7v12_zen2_azure_centos7_eessi.txt", vendor: "AuthenticAMD",
          model: "AMD EPYC 7V12 64-Core Processor", logical: 120, level: "x86-64-v3", missing: avx512),
    .init(fixture: "lscpu_amd_epyc_7v73x_zen3_azure_centos7_eessi.txt", vendor: "AuthenticAMD",
          model: "AMD EPYC 7V73X 64-Core Processor", logical: 120, level: "x86-64-v3", missing: avx512),
    .init(fixture: "lscpu_intel_xeon_8259cl_cascadelake_aws_rocky8_eessi.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", logical: 16, level: "x86-64-v4", missing: []),
    .init(fixture: "lscpu_intel_xeon_8375c_icelake_aws_rocky8_eessi.txt", vendor: "GenuineIntel",
          model: "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", logical: 16, level: "x86-64-v4", missing: []),
]

@Suite("x86 CPU descriptions")
struct X86CPUInfoTests {
    @Test("every captured x86 cpuinfo and lscpu file parses to its level", arguments: x86Expectations)
    func parsesFixture(_ expected: X86Expectation) throws {
        let cpu = try CPUInfoParser.parse(try Fixtures.text(expected.fixture))
        #expect(cpu.arch == .x86_64)
        #expect(cpu.vendor == expected.vendor)
        #expect(cpu.model == expected.model)
        #expect(cpu.logical == expected.logical)
        #expect(cpu.arm == nil)
        let report = CPUReport.assemble(cpu, online: nil, allowed: nil, limits: CgroupLimits())
        #expect(report.microarchLevel == expected.level)
        #expect(report.nextLevelMissing == expected.missing)
        #expect(report.part == nil)
    }

    @Test("every captured CPU description parses", arguments: try Fixtures.names(prefixes: ["cpuinfo_", "lscpu_"]))
    func everyFixtureParses(_ name: String) throws {
        _ = try CPUInfoParser.parse(try Fixtures.text(name))
    }

    @Test("every x86 fixture in shared/fixtures is covered by an expectation")
    func allFixturesCovered() throws {
        let x86 = try Fixtures.names(prefixes: ["cpuinfo_", "lscpu_"]).filter { name in
            (try? CPUInfoParser.parse(Fixtures.text(name)).arch) == .x86_64
        }
        #expect(Set(x86) == Set(x86Expectations.map(\.fixture)))
    }

    @Test("the flags are the intersection over every processor block")
    func flagIntersection() throws {
        let text = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            flags\t\t: fpu sse sse2 avx2 hypervisor

            processor\t: 1
            vendor_id\t: GenuineIntel
            flags\t\t: fpu sse sse2 hypervisor
            """
        let cpu = try CPUInfoParser.parse(text)
        #expect(cpu.features == ["fpu", "hypervisor", "sse", "sse2"])
        #expect(cpu.logical == 2)
    }

    @Test("the full Zen 1 file counts sockets and cores")
    func topology() throws {
        let cpu = try CPUInfoParser.parse(try Fixtures.text("cpuinfo_amd_epyc_7451_zen1_full96_utillinux.txt"))
        #expect(cpu.sockets == 2)
        #expect(cpu.coresPerSocket == 24)
        #expect(cpu.x86 == X86Identity(family: 23, model: 1, stepping: 2))
    }

    @Test("text that is no CPU description is rejected", arguments: ["", "hello\n", "processor : 0\nfoo : bar\n"])
    func rejectsGarbage(_ text: String) {
        #expect(throws: CPUInfoParser.ParseError.self) { try CPUInfoParser.parse(text) }
    }
}

@Suite("x86-64 micro-architecture levels")
struct X86MicroarchLevelTests {
    @Test("each level needs every flag of itself and the levels below")
    func levelsAreCumulative() {
        var flags: [String] = []
        for level in X86MicroarchLevel.allCases {
            #expect(X86MicroarchLevel.assess(flags: flags).level == (level == .v1 ? nil : X86MicroarchLevel(rawValue: level.rawValue - 1)))
            flags += level.requiredFlags
            #expect(X86MicroarchLevel.assess(flags: flags).level == level)
            for dropped in level.requiredFlags {
                let short = flags.filter { $0 != dropped }
                #expect(X86MicroarchLevel.assess(flags: short).missingForNext == [dropped])
            }
        }
    }

    @Test("v4 flags without v3 stay below v3")
    func gapsStopTheClimb() {
        let flags = X86MicroarchLevel.v1.requiredFlags + X86MicroarchLevel.v2.requiredFlags
            + X86MicroarchLevel.v4.requiredFlags
        #expect(X86MicroarchLevel.assess(flags: flags).level == .v2)
    }
}
