import Testing
@testable import Pilot

@Suite("mountinfo")
struct MountInfoTests {
    static let text = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        35 31 0:32 /kubepods/pod1 /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
        41 31 0:38 / /mnt/with\\040space rw - cgroup2 cgroup2 rw,nsdelegate
        88 30 0:52 / /cvmfs/atlas.cern.ch ro,nosuid,nodev,relatime - fuse cvmfs2 ro,user_id=0,group_id=0,default_permissions,allow_other
        90 30 0:60 / /cvmfs/sft.cern.ch ro - fuse.squashfuse squashfuse ro,user_id=0
        not a mountinfo line
        """

    @Test("fields before and after the separator, octal escapes, bad lines skipped")
    func parse() {
        let mounts = MountInfo.parse(Self.text)
        #expect(mounts.count == 5)
        #expect(mounts[1] == MountInfo.Entry(root: "/kubepods/pod1", mountPoint: "/sys/fs/cgroup/memory",
                                             options: ["rw", "relatime"], fsType: "cgroup", source: "cgroup",
                                             superOptions: ["rw", "memory"]))
        #expect(mounts[2].mountPoint == "/mnt/with space")
        #expect(mounts[3].fsType == "fuse" && mounts[3].source == "cvmfs2" && mounts[3].options.first == "ro")
        #expect(mounts[4].fsType == "fuse.squashfuse")
    }

    @Test("the mount at a path is the last one stacked there")
    func mountAt() {
        let stacked = Self.text + "\n99 30 0:61 / /cvmfs/atlas.cern.ch rw - tmpfs tmpfs rw\n"
        let entries = MountInfo.parse(stacked)
        #expect(MountInfo.mount(at: "/cvmfs/atlas.cern.ch", in: entries)?.fsType == "tmpfs")
        #expect(MountInfo.mount(at: "/cvmfs/none", in: entries) == nil)
    }
}
