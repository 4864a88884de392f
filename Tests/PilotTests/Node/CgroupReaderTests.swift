import Testing
@testable import Pilot

@Suite("cgroup limits from a fake root")
struct CgroupReaderTests {
    @Test("a Kubernetes pod on cgroup v2 with a private namespace")
    func podNamespaceV2() throws {
        let root = try FakeRoot()
        try root.write("/proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n")
        try root.write("/proc/self/cgroup", "0::/\n")
        try root.copy(fixture: "cgroupv2_cpu.max_0.42cpu_podman_systemd_runc2243.txt", to: "/sys/fs/cgroup/cpu.max")
        try root.copy(fixture: "cgroupv2_memory.max_42MiB_podman_runc2243.txt", to: "/sys/fs/cgroup/memory.max")
        try root.write("/sys/fs/cgroup/cpuset.cpus.effective", "0-3\n")
        let limits = try CgroupReader(root: RootedPath(root: root.path)).read()
        #expect(limits.version == 2)
        #expect(limits.path == "/")
        #expect(limits.cpuQuota?.quota == 42_000)
        #expect(limits.memoryLimit == 44_040_192)
        #expect(limits.cpuset == [0, 1, 2, 3])
    }

    @Test("v2: the tightest limit over the ancestors wins, a child's max does not hide a parent's limit")
    func ancestorsV2() throws {
        let root = try FakeRoot()
        try root.write("/proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        try root.write("/proc/self/cgroup", "0::/kubepods/pod1/ctr\n")
        try root.write("/sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "max\n")
        try root.write("/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "max 100000\n")
        try root.copy(fixture: "cgroupv2_memory.max_128MiB_podman_sclorg201.txt", to: "/sys/fs/cgroup/kubepods/pod1/memory.max")
        try root.write("/sys/fs/cgroup/kubepods/pod1/cpu.max", "200000 100000\n")
        try root.copy(fixture: "cgroupv2_memory.max_8GiB_docker_slips.txt", to: "/sys/fs/cgroup/kubepods/memory.max")
        try root.write("/sys/fs/cgroup/kubepods/cpu.max", "400000 100000\n")
        let limits = try CgroupReader(root: RootedPath(root: root.path)).read()
        #expect(limits.memoryLimit == 134_217_728)
        #expect(limits.cpuQuota?.cpus == 2)
        #expect(limits.path == "/kubepods/pod1/ctr")
    }

    @Test("v1 hybrid: controllers' own mounts, host paths mapped through the mount root")
    func hybridV1() throws {
        let root = try FakeRoot()
        try root.write("/proc/self/mountinfo", """
            31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
            32 31 0:29 /kubepods/pod1 /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
            35 31 0:32 /kubepods/pod1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
            41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw

            """)
        try root.write("/proc/self/cgroup", "5:cpu,cpuacct:/kubepods/pod1/ctr\n4:memory:/kubepods/pod1/ctr\n0::/\n")
        try root.copy(fixture: "cgroupv1_proc_cgroups_k8s_pod_adoptium638.txt", to: "/proc/cgroups")
        try root.copy(fixture: "cgroupv1_memory.soft_limit_in_bytes_unlimited_kata2500.txt",
                      to: "/sys/fs/cgroup/memory/ctr/memory.limit_in_bytes")
        try root.write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/ctr/cpu.cfs_quota_us", "-1\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/ctr/cpu.cfs_period_us", "100000\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "150000\n")
        try root.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n")
        let limits = try CgroupReader(root: RootedPath(root: root.path)).read()
        #expect(limits.version == 1)
        #expect(limits.memoryLimit == 1_073_741_824)
        #expect(limits.cpuQuota?.cpus == 1.5)
        #expect(limits.v1Controllers.contains("memory"))
        #expect(limits.cpuset == nil)
    }

    @Test("a cgroup path outside the mounted subtree falls back to the mount point")
    func foreignPath() {
        let reader = CgroupReader(root: RootedPath(root: "/r"))
        let mount = MountInfo.Entry(root: "/kubepods/pod1", mountPoint: "/sys/fs/cgroup", options: [], fsType: "cgroup2", source: "cgroup2", superOptions: [])
        #expect(reader.ancestors(of: "/other/ctr", in: mount) == ["/r/sys/fs/cgroup"])
        #expect(reader.ancestors(of: "/kubepods/pod1/a/b", in: mount)
                == ["/r/sys/fs/cgroup/a/b", "/r/sys/fs/cgroup/a", "/r/sys/fs/cgroup"])
        #expect(reader.ancestors(of: "/../x", in: MountInfo.Entry(root: "/", mountPoint: "/sys/fs/cgroup", options: [], fsType: "cgroup2", source: "cgroup2", superOptions: []))
                == ["/r/sys/fs/cgroup"])
    }

    @Test("no cgroup file system: no limits, no error")
    func noCgroups() throws {
        let root = try FakeRoot()
        try root.write("/proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n")
        try root.write("/proc/self/cgroup", "")
        let limits = try CgroupReader(root: RootedPath(root: root.path)).read()
        #expect(limits == CgroupLimits())
    }
}
