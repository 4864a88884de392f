import Payload
import Testing

@Suite("cgroup files")
struct CgroupFilesTests {
    @Test("v2 cpu.max: a quota, or max for none")
    func cpuMax() throws {
        let limited = try #require(CgroupFiles.cpuMax(try Fixtures.text("cgroupv2_cpu.max_0.42cpu_podman_systemd_runc2243.txt")))
        #expect(limited == CgroupFiles.CPUQuota(quota: 42_000, period: 100_000))
        #expect(abs(limited.cpus - 0.42) < 1e-9)
        #expect(CgroupFiles.cpuMax(try Fixtures.text("cgroupv2_cpu.max_unlimited_max_podman_cgroupfs_runc2243.txt")) == nil)
        #expect(CgroupFiles.cpuMax("200000 100000\n")?.cpus == 2)
    }

    @Test("v1 CFS quota: -1 means none")
    func cfsQuota() {
        #expect(CgroupFiles.cfsQuota(quota: "-1\n", period: "100000\n") == nil)
        #expect(CgroupFiles.cfsQuota(quota: "150000\n", period: "100000\n")?.cpus == 1.5)
    }

    @Test("memory limits in bytes", arguments: [
        ("cgroupv2_memory.max_42MiB_podman_runc2243.txt", UInt64(44_040_192)),
        ("cgroupv2_memory.max_128MiB_podman_sclorg201.txt", UInt64(134_217_728)),
        ("cgroupv2_memory.max_8GiB_docker_slips.txt", UInt64(8_589_934_592)),
        ("cgroupv2_memory.peak_docker_slips.txt", UInt64(8_590_934_016)),
    ])
    func memoryLimit(fixture: String, bytes: UInt64) throws {
        #expect(CgroupFiles.memoryLimit(try Fixtures.text(fixture)) == bytes)
    }

    @Test("v1's page-aligned LONG_MAX and v2's max mean unlimited")
    func unlimitedMemory() throws {
        #expect(CgroupFiles.memoryLimit(try Fixtures.text("cgroupv1_memory.soft_limit_in_bytes_unlimited_kata2500.txt")) == nil)
        #expect(CgroupFiles.memoryLimit("max\n") == nil)
    }

    @Test("counters of cpu.stat and memory.events")
    func counters() throws {
        let v2 = CgroupFiles.counters(try Fixtures.text("cgroupv2_cpu.stat_throttled_netdata12595.txt"))
        #expect(v2["usage_usec"] == 73_899)
        #expect(v2["nr_throttled"] == 3)
        let noQuota = CgroupFiles.counters(try Fixtures.text("cgroupv2_cpu.stat_no_quota_kepler159.txt"))
        #expect(noQuota["nr_periods"] == 0)
        #expect(noQuota["user_usec"] == 5_555_530_859)
        let v1 = CgroupFiles.counters(try Fixtures.text("cgroupv1_cpu.stat_throttled_netdata12595.txt"))
        #expect(v1["throttled_time"] == 127_918_677)
        let events = CgroupFiles.counters(try Fixtures.text("cgroupv2_memory.events_oom_kill5_docker_slips.txt"))
        #expect(events["oom_kill"] == 5)
        #expect(events["max"] == 51_807)
    }

    @Test("/proc/cgroups tells which controllers sit on a v1 hierarchy")
    func procCgroups() throws {
        let table = CgroupFiles.controllers(try Fixtures.text("cgroupv1_proc_cgroups_k8s_pod_adoptium638.txt"))
        #expect(table["memory"] == 10)
        #expect(table["cpu"] == 5)
        #expect(table["cpuacct"] == 5)
        #expect(table.count == 13)
        #expect(CgroupFiles.controllers("#subsys_name hierarchy num_cgroups enabled\ncpu 0 1 1\nio 0 1 1\n")["cpu"] == 0)
    }

    @Test("/proc/self/cgroup lines, v1 and v2")
    func memberships() {
        let lines = CgroupFiles.memberships("5:cpu,cpuacct:/kubepods/pod1/abc\n0::/\n1:name=systemd:/x\n")
        #expect(lines.count == 3)
        #expect(lines[0] == CgroupFiles.Membership(hierarchy: 5, controllers: ["cpu", "cpuacct"], path: "/kubepods/pod1/abc"))
        #expect(lines[1].hierarchy == 0 && lines[1].controllers.isEmpty && lines[1].path == "/")
    }
}
