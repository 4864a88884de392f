/// Parses `/proc/self/mountinfo` (proc(5)): which file system is mounted where.
enum MountInfo {
    /// One mount, the fields pilot reads.
    struct Entry: Equatable, Sendable {
        /// The directory inside the file system that is mounted (field 4).
        var root: String
        /// Where it is mounted (field 5).
        var mountPoint: String
        /// Per-mount options (field 6), e.g. `ro`, `nosuid`.
        var options: [String]
        /// The file system type after the ` - ` separator (`fuse`, `cgroup2`, `ext4`, ...).
        var fsType: String
        /// The mount source (`cvmfs2`, `/dev/sda1`, `cgroup`).
        var source: String
        /// Per-superblock options; for v1 cgroups they name the controllers.
        var superOptions: [String]
    }

    /// Every well-formed line; malformed ones are skipped.
    static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { return nil }
            let head = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            guard head.count >= 6, tail.count >= 3 else { return nil }
            return Entry(
                root: unescape(head[3]), mountPoint: unescape(head[4]),
                options: head[5].split(separator: ",").map(String.init), fsType: String(tail[0]),
                source: unescape(tail[1]), superOptions: tail[2].split(separator: ",").map(String.init)
            )
        }
    }

    /// The last mount at exactly `path`: later lines are mounted over earlier ones.
    static func mount(at path: String, in entries: [Entry]) -> Entry? {
        entries.last { $0.mountPoint == path }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    private static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var out = ""
        var rest = field[...]
        while let slash = rest.firstIndex(of: "\\") {
            out += rest[..<slash]
            let code = rest[rest.index(after: slash)...].prefix(3)
            if code.count == 3, let value = UInt8(code, radix: 8) {
                out.append(Character(Unicode.Scalar(value)))
                rest = rest[rest.index(slash, offsetBy: 4)...]
            } else {
                out.append("\\")
                rest = rest[rest.index(after: slash)...]
            }
        }
        return out + rest
    }
}
