import Foundation
import Payload
import Testing

@Suite("cgroup usage and layout parsing")
struct CgroupUsageTests {
    /// /proc/self/cgroup on the project's hybrid test VM.
    static let hybrid = """
    9:name=systemd:/
    8:pids:/
    7:blkio:/
    6:freezer:/
    5:devices:/
    4:memory:/process_api/84479b8c36bf094be61cfd6783567a7f
    3:cpuset:/
    2:cpuacct:/
    1:cpu:/
    0::/

    """

    @Test("v2 usage from captured cpu.stat, memory.events and memory.peak")
    func v2Usage() throws {
        let usage = CgroupUsage(v2: [
            "cpu.stat": try Fixtures.text("cgroupv2_cpu.stat_throttled_netdata12595.txt"),
            "memory.events": try Fixtures.text("cgroupv2_memory.events_oom_kill5_docker_slips.txt"),
            "memory.peak": try Fixtures.text("cgroupv2_memory.peak_docker_slips.txt"),
            "pids.peak": "17\n",
        ])
        #expect(usage.cpuMicroseconds == 73_899)
        #expect(usage.oomKills == 5 && usage.oomKilled)
        #expect(usage.memoryLimitHits == 51_807)
        #expect(usage.peakMemoryBytes == 8_590_934_016)
        #expect(usage.peakProcesses == 17)
        #expect(usage.throttledMicroseconds != nil)
    }

    @Test("v2 without an OOM kill, and with files missing")
    func v2Quiet() {
        let usage = CgroupUsage(v2: ["memory.events": "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\noom_group_kill 0\n"])
        #expect(usage.oomKills == 0 && !usage.oomKilled)
        #expect(usage.peakMemoryBytes == nil && usage.cpuMicroseconds == nil)
    }

    @Test("v1 usage: cpuacct in nanoseconds, the OOM counter of memory.oom_control")
    func v1Usage() throws {
        let usage = CgroupUsage(v1: [
            "memory.max_usage_in_bytes": "67108864\n",
            "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
            "memory.failcnt": "120\n",
            "cpuacct.usage": "2500000000\n", "cpuacct.usage_user": "2000000000\n", "cpuacct.usage_sys": "500000000\n",
            "cpu.stat": try Fixtures.text("cgroupv1_cpu.stat_throttled_netdata12595.txt"),
            "pids.peak": "16\n",
        ])
        #expect(usage.peakMemoryBytes == 67_108_864)
        #expect(usage.oomKills == 2 && usage.oomKilled)
        #expect(usage.cpuMicroseconds == 2_500_000 && usage.userMicroseconds == 2_000_000 && usage.systemMicroseconds == 500_000)
        #expect(usage.throttledMicroseconds == 127_918)
        #expect(usage.peakProcesses == 16)
    }

    @Test("old v1 kernels: cpuacct.stat ticks, failcnt stands in for the OOM counter")
    func v1Fallbacks() {
        let usage = CgroupUsage(v1: [
            "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n", "memory.failcnt": "3\n",
            "cpuacct.usage": "1000\n", "cpuacct.stat": "user 250\nsystem 30\n",
        ])
        #expect(usage.oomKills == nil && usage.memoryLimitHits == 3 && usage.oomKilled)
        #expect(usage.userMicroseconds == 2_500_000 && usage.systemMicroseconds == 300_000)
        #expect(!CgroupUsage(v1: ["memory.failcnt": "0\n"]).oomKilled)
    }

    @Test("a hybrid host is v1 for memory, pids, cpu and cpuacct; name=systemd and blkio are left out")
    func hybridLayout() {
        let layout = CgroupLayout.of(CgroupFiles.memberships(Self.hybrid))
        #expect(layout == .v1([
            .init(controllers: ["pids"], path: "/"),
            .init(controllers: ["memory"], path: "/process_api/84479b8c36bf094be61cfd6783567a7f"),
            .init(controllers: ["cpuacct"], path: "/"),
            .init(controllers: ["cpu"], path: "/"),
        ]))
    }

    @Test("unified hosts and pods are v2; nothing usable is nil")
    func unifiedLayout() {
        #expect(CgroupLayout.of(CgroupFiles.memberships("0::/kubepods.slice/pod1/ctr\n")) == .v2(path: "/kubepods.slice/pod1/ctr"))
        #expect(CgroupLayout.of(CgroupFiles.memberships("0::/\n")) == .v2(path: "/"))
        #expect(CgroupLayout.of(CgroupFiles.memberships("1:name=systemd:/x\n")) == nil)
        #expect(CgroupLayout.of([]) == nil)
    }

    @Test("where a v1 hierarchy and the process's cgroup may be")
    func candidates() {
        let cpu = CgroupLayout.Hierarchy(controllers: ["cpu", "cpuacct"], path: "/kubepods/pod1/abc")
        #expect(CgroupLayout.mountCandidates(for: cpu, root: "/sys/fs/cgroup")
            == ["/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct"])
        #expect(CgroupLayout.directoryCandidates(path: "/kubepods/pod1/abc", mount: "/m")
            == ["/m/kubepods/pod1/abc", "/m/pod1/abc", "/m/abc", "/m"])
        #expect(CgroupLayout.directoryCandidates(path: "/", mount: "/m") == ["/m"])
        #expect(CgroupLayout.directoryCandidates(path: "/../x", mount: "/m") == ["/m"])
        #expect(CgroupLayout.join("/sys/fs/cgroup/", "/a//b/") == "/sys/fs/cgroup/a/b")
    }

    @Test("errno classification tells the caller why there is no cgroup")
    func errors() {
        #expect(CgroupError.from(call: "mkdir", path: "/x", errno: EACCES) == .permissionDenied(call: "mkdir", path: "/x"))
        #expect(CgroupError.from(call: "write", path: "/x", errno: EROFS) == .readOnly(call: "write", path: "/x"))
        #expect(CgroupError.from(call: "mkdir", path: "/x", errno: EEXIST) == .alreadyExists(path: "/x"))
        #expect(CgroupError.from(call: "write", path: "/x", errno: EBUSY).errno == EBUSY)
        #expect(CgroupError.permissionDenied(call: "mkdir", path: "/x").description.contains("not root on cgroup v1"))
    }

    @Test("a CPU count becomes a quota over 100 ms, never under 1 ms")
    func cpuQuota() {
        #expect(CgroupFiles.CPUQuota(cpus: 1.5) == CgroupFiles.CPUQuota(quota: 150_000, period: 100_000))
        #expect(CgroupFiles.CPUQuota(cpus: 0.001).quota == 1_000)
    }
}
