import Testing
@testable import Pilot

@Suite("os-release and meminfo")
struct OSAndMemoryTests {
    @Test("every captured os-release names its system", arguments: [
        ("os-release_almalinux9.2_linux-server-text.txt", "almalinux", "9.2", "AlmaLinux 9.2 (Turquoise Kodkod)"),
        ("os-release_centos7_pythondistro.txt", "centos", "7", "CentOS Linux 7 (Core)"),
        ("os-release_rhel9.6_pythondistro.txt", "rhel", "9.6", "Red Hat Enterprise Linux 9.6 (Plow)"),
        ("os-release_rocky9_el9_pythondistro.txt", "rocky", "9.3", "Rocky Linux 9.3 (Blue Onyx)"),
        ("os-release_scientific7.2_pythondistro.txt", "rhel", "7.2", "Scientific Linux 7.2 (Nitrogen)"),
        ("os-release_ubuntu22.04.5_gpud.txt", "ubuntu", "22.04", "Ubuntu 22.04.5 LTS"),
    ])
    func osRelease(fixture: String, id: String, version: String, pretty: String) throws {
        let os = OSRelease.parse(try Fixtures.text(fixture))
        #expect(os.id == id)
        #expect(os.versionID == version)
        #expect(os.prettyName == pretty)
    }

    @Test("ID_LIKE is split and escapes are undone")
    func osReleaseDetails() throws {
        #expect(OSRelease.parse(try Fixtures.text("os-release_centos7_pythondistro.txt")).idLike == ["rhel", "fedora"])
        let os = OSRelease.parse("# comment\nNAME='My \\\"OS\\\"'\nID=my\n")
        #expect(os.id == "my")
        #expect(os.idLike.isEmpty)
    }

    @Test("meminfo values are in bytes")
    func meminfo() throws {
        let info = try MemInfo.parse("MemTotal:       24684092 kB\nMemFree: 1 kB\nMemAvailable:   24080816 kB\nSwapTotal: 0 kB\n")
        #expect(info.total == 24_684_092 * 1024)
        #expect(info.available == 24_080_816 * 1024)
        #expect(info.swapTotal == 0)
        #expect(throws: MemInfo.ParseError.missingTotal) { try MemInfo.parse("MemFree: 1 kB\n") }
    }

    @Test("memory is bounded by the cgroup limit")
    func memoryAssembly() {
        let info = MemInfo(total: 8 << 30, available: nil, swapTotal: nil)
        #expect(MemoryReport.assemble(info, limit: 44_040_192).effectiveBytes == 44_040_192)
        #expect(MemoryReport.assemble(info, limit: nil).effectiveBytes == 8 << 30)
        #expect(MemoryReport.assemble(info, limit: 16 << 30).effectiveBytes == 8 << 30)
    }

    @Test("CPU lists expand ranges", arguments: [
        ("0-3,8", [0, 1, 2, 3, 8]), ("0", [0]), ("", []), ("2-3\n", [2, 3]), ("0-1,1-2", [0, 1, 2]),
    ])
    func cpuList(text: String, cpus: [Int]) {
        #expect(CPUList.parse(text) == cpus)
    }

    @Test("malformed CPU lists are rejected", arguments: ["a-b", "3-1", "1,,x", "1,,2", "-3", "2-"])
    func badCPUList(text: String) {
        #expect(CPUList.parse(text) == nil)
    }
}

@Suite("CPU and VM arithmetic")
struct NodeAssemblyTests {
    private let cpu = CPUDescription(arch: .aarch64, vendor: "Arm", model: "Neoverse-V1", features: ["asimd"],
                                     logical: 64, x86: nil, arm: ArmIdentity(implementer: 0x41, part: 0xd40))

    @Test("affinity is the allowed mask limited to online CPUs and the cpuset")
    func affinity() {
        let wide = CPUReport.assemble(cpu, online: [0, 1], allowed: Array(0..<64), limits: CgroupLimits())
        #expect(wide.affinity == 2 && wide.effective == 2 && wide.effectiveCores == 2)
        let cpuset = CPUReport.assemble(cpu, online: Array(0..<8), allowed: Array(0..<64),
                                        limits: CgroupLimits(cpuset: [2, 3, 4]))
        #expect(cpuset.affinity == 3)
    }

    @Test("a fractional quota is kept, and rounded down (at least 1) for scheduling")
    func quota() {
        let quota = CgroupLimits(cpuQuota: .init(quota: 250_000, period: 100_000))
        let report = CPUReport.assemble(cpu, online: Array(0..<8), allowed: Array(0..<8), limits: quota)
        #expect(report.effective == 2.5 && report.effectiveCores == 2)
        let tiny = CPUReport.assemble(cpu, online: nil, allowed: nil, limits: CgroupLimits(cpuQuota: .init(quota: 10_000, period: 100_000)))
        #expect(tiny.effective == 0.1 && tiny.effectiveCores == 1)
    }

    @Test("DMI names virtual machines, including Arm ones without a hypervisor flag", arguments: [
        ("Amazon EC2", "c7g.xlarge", true), ("Amazon EC2", "c7g.metal", false), ("Google", "Google Compute Engine", true),
        ("Microsoft Corporation", "Virtual Machine", true), ("Microsoft Corporation", "Surface Pro", false),
        ("QEMU", "Standard PC (Q35 + ICH9, 2009)", true), ("Dell Inc.", "PowerEdge R650", false),
    ])
    func dmi(vendor: String, product: String, virtual: Bool) {
        #expect(VirtualizationReport.isVirtualMachine(vendor: vendor, product: product) == virtual)
    }
}
