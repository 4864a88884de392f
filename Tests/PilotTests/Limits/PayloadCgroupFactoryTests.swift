import Foundation
import Payload
import Testing

/// The payload cgroup on fake trees (`FakeCgroupTree`): v2 delegation with and without the
/// pilot in the parent, v1 hierarchies, and the reasons to go without.
@Suite("payload cgroup on a fake tree")
struct PayloadCgroupFactoryTests {
    static let limits = ResourceLimits(memoryBytes: 64 << 20, pids: 16, cpus: 1.5)

    @Test("v2 pod: the pilot in the parent moves to a leaf after EBUSY, then the limits are written")
    func v2BusyParent() throws {
        let tree = try FakeCgroupTree(unified: true)
        try tree.addCgroup("", controllers: ["cpuset", "cpu", "io", "memory", "pids"], procs: [1, 7])
        let factory = PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "0::/\n", kernel: tree)
        let cgroup = try factory.create(name: "payload-1", limits: Self.limits)

        #expect(cgroup.version == .v2)
        #expect(cgroup.joinFiles == [tree.root + "/payload-1/cgroup.procs"])
        #expect(cgroup.directories.first?.controllers == ["memory", "pids", "cpu"])
        #expect(cgroup.unenforcedLimits.isEmpty)
        #expect(CgroupFiles.processIDs(tree.text("/pilot/cgroup.procs") ?? "") == [1, 7])
        #expect(CgroupFiles.processIDs(tree.text("/cgroup.procs") ?? "") == [])
        #expect(CgroupFiles.controllerList(tree.text("/cgroup.subtree_control") ?? "") == ["memory", "pids", "cpu"])
        #expect(tree.text("/payload-1/memory.max") == "67108864")
        #expect(tree.text("/payload-1/memory.swap.max") == "0")
        #expect(tree.text("/payload-1/pids.max") == "16")
        #expect(tree.text("/payload-1/cpu.max") == "150000 100000")
        // The first +memory failed with EBUSY and was written again after the move.
        #expect(tree.writes.filter { $0 == ("/cgroup.subtree_control", "+memory") }.count == 2)
        #expect(tree.writes.filter { $0 == ("/cgroup.subtree_control", "+pids") }.count == 1)
        #expect(tree.writes.contains { $0 == ("/pilot/cgroup.procs", "7") })
    }

    @Test("v2: the payload joins, is OOM-killed, usage says so, teardown uses cgroup.kill, leaves the pilot, may run twice")
    func v2Lifecycle() throws {
        let tree = try FakeCgroupTree(unified: true)
        try tree.addCgroup("/pod", controllers: ["memory", "pids", "cpu"], procs: [1])
        let cgroup = try PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "0::/pod\n", kernel: tree)
            .create(name: "job-42", limits: Self.limits)
        try tree.write(cgroup.joinFiles[0], "4242")
        try tree.write(cgroup.joinFiles[0], "4243")
        #expect(try cgroup.processes() == [4242, 4243])
        try tree.put("/pod/job-42/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n")
        try tree.put("/pod/job-42/memory.peak", "67108864\n")
        try tree.put("/pod/job-42/cpu.stat", "usage_usec 900\nuser_usec 700\nsystem_usec 200\n")

        let usage = try cgroup.usage()
        #expect(usage.oomKilled && usage.oomKills == 1)
        #expect(usage.peakMemoryBytes == 67_108_864)
        #expect(usage.cpuMicroseconds == 900 && usage.userMicroseconds == 700)

        try cgroup.tearDown(timeout: .seconds(2))
        #expect(tree.writes.contains { $0 == ("/pod/job-42/cgroup.kill", "1") })
        #expect(tree.killed == [4242, 4243])
        #expect(!tree.exists(tree.root + "/pod/job-42"))
        #expect(CgroupFiles.processIDs(tree.text("/pod/pilot/cgroup.procs") ?? "") == [1])
        try cgroup.tearDown(timeout: .seconds(2))
    }

    @Test("v2: controllers already on and an empty parent need no move; a missing cpu leaves cpus unenforced")
    func v2AlreadyDelegated() throws {
        let tree = try FakeCgroupTree(unified: true)
        try tree.addCgroup("/user.slice/pilot.service", controllers: ["memory", "pids"])
        try tree.put("/user.slice/pilot.service/cgroup.subtree_control", "memory pids\n")
        let cgroup = try PayloadCgroupFactory(
            mountRoot: tree.root, procSelfCgroup: "0::/user.slice/pilot.service\n", kernel: tree
        ).create(name: "p", limits: Self.limits)
        #expect(cgroup.unenforcedLimits == ["cpus (no cpu controller)"])
        #expect(!tree.exists(tree.root + "/user.slice/pilot.service/pilot"))
        #expect(!tree.writes.contains { $0.0.hasSuffix("cgroup.subtree_control") })
    }

    @Test("v2 without delegation, a read-only mount, a name in use: typed reasons, nothing left behind")
    func v2Refusals() throws {
        let tree = try FakeCgroupTree(unified: true)
        try tree.addCgroup("/pod", controllers: [])
        let factory = PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "0::/pod\n", kernel: tree)
        #expect(throws: CgroupError.controllersNotDelegated(parent: tree.root + "/pod", missing: ["memory", "pids", "cpu"])) {
            try factory.create(name: "p", limits: Self.limits)
        }

        try tree.put("/pod/cgroup.controllers", "memory\n")
        tree.refuse("/pod/cgroup.subtree_control", with: .readOnly(call: "write", path: "subtree_control"))
        #expect(throws: CgroupError.readOnly(call: "write", path: "subtree_control")) {
            try factory.create(name: "p", limits: Self.limits)
        }

        let other = try FakeCgroupTree(unified: true)
        try other.addCgroup("/pod", controllers: ["memory"])
        try other.addCgroup("/pod/p")
        let again = PayloadCgroupFactory(mountRoot: other.root, procSelfCgroup: "0::/pod\n", kernel: other)
        #expect(throws: CgroupError.alreadyExists(path: other.root + "/pod/p")) { try again.create(name: "p", limits: Self.limits) }
        #expect(throws: CgroupError.cgroupNotFound(path: other.root + "/elsewhere")) {
            try PayloadCgroupFactory(mountRoot: other.root, procSelfCgroup: "0::/elsewhere\n", kernel: other).create(name: "p", limits: Self.limits)
        }
    }

    @Test("names must be one path component and not the supervisor leaf", arguments: ["", ".", "..", "a/b", "pilot"])
    func invalidNames(name: String) throws {
        let tree = try FakeCgroupTree(unified: true)
        #expect(throws: CgroupError.invalidName(name)) {
            try PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "0::/\n", kernel: tree).create(name: name, limits: Self.limits)
        }
    }

    @Test("no usable line in /proc/self/cgroup")
    func noMembership() throws {
        let tree = try FakeCgroupTree(unified: true)
        #expect(throws: CgroupError.noMembership("1:name=systemd:/")) {
            try PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "1:name=systemd:/\n", kernel: tree).create(name: "p", limits: Self.limits)
        }
    }

    @Test("v1: a child per hierarchy, memsw equal to the limit, CFS quota; teardown kills round by round")
    func v1Hierarchies() throws {
        let tree = try FakeCgroupTree(unified: false)
        try tree.addCgroup("/memory/job", controllers: ["memory"])
        try tree.addCgroup("/pids/job", controllers: ["pids"])
        try tree.addCgroup("/cpu,cpuacct/job", controllers: ["cpu", "cpuacct"])
        let proc = "4:memory:/job\n3:pids:/job\n2:cpu,cpuacct:/job\n1:name=systemd:/job\n0::/job\n"
        let cgroup = try PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: proc, kernel: tree)
            .create(name: "p1", limits: Self.limits)

        #expect(cgroup.version == .v1)
        #expect(cgroup.joinFiles == ["/memory/job/p1", "/pids/job/p1", "/cpu,cpuacct/job/p1"].map { tree.root + $0 + "/cgroup.procs" })
        #expect(tree.text("/memory/job/p1/memory.limit_in_bytes") == "67108864")
        #expect(tree.text("/memory/job/p1/memory.memsw.limit_in_bytes") == "67108864")
        #expect(tree.text("/pids/job/p1/pids.max") == "16")
        #expect(tree.text("/cpu,cpuacct/job/p1/cpu.cfs_quota_us") == "150000")
        #expect(tree.text("/cpu,cpuacct/job/p1/cpu.cfs_period_us") == "100000")
        let order = tree.writes.map(\.0).filter { $0.hasPrefix("/memory/") }
        #expect(order == ["/memory/job/p1/memory.limit_in_bytes", "/memory/job/p1/memory.memsw.limit_in_bytes"])

        for file in cgroup.joinFiles { try tree.write(file, "900") }
        try tree.write(cgroup.joinFiles[0], "901")
        try tree.put("/memory/job/p1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
        try tree.put("/cpu,cpuacct/job/p1/cpuacct.usage", "3000000\n")
        let usage = try cgroup.usage()
        #expect(usage.oomKilled && usage.cpuMicroseconds == 3_000)

        try cgroup.tearDown(timeout: .seconds(2))
        #expect(Set(tree.killed) == [900, 901])
        for directory in cgroup.directories { #expect(!tree.exists(directory.path)) }
    }

    @Test("v1 in a container whose mount shows only its own subtree: the mount is the cgroup")
    func v1ContainerView() throws {
        let tree = try FakeCgroupTree(unified: false)
        try tree.addCgroup("/memory", controllers: ["memory"])
        let cgroup = try PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "4:memory:/docker/0123abcd\n", kernel: tree)
            .create(name: "p", limits: Self.limits)
        #expect(cgroup.directories == [.init(path: tree.root + "/memory/p", controllers: ["memory"])])
        #expect(cgroup.unenforcedLimits == ["pids (no pids controller)", "cpus (no cpu controller)"])
    }

    @Test("v1 as a user: mkdir is refused, the directories made so far are removed")
    func v1NotRoot() throws {
        let tree = try FakeCgroupTree(unified: false)
        try tree.addCgroup("/memory", controllers: ["memory"])
        try tree.addCgroup("/pids", controllers: ["pids"])
        tree.refuse("/pids/p", with: .permissionDenied(call: "mkdir", path: "/pids/p"))
        #expect(throws: CgroupError.permissionDenied(call: "mkdir", path: "/pids/p")) {
            try PayloadCgroupFactory(mountRoot: tree.root, procSelfCgroup: "4:memory:/\n3:pids:/\n", kernel: tree)
                .create(name: "p", limits: Self.limits)
        }
        #expect(!tree.exists(tree.root + "/memory/p"))
    }
}
