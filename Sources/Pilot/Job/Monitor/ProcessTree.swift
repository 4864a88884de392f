#if canImport(Glibc)
import Glibc
#endif

/// Finds the descendants of a process: pure walks over parent/child relations, and a reader
/// that takes them from a /proc tree under a root.
enum ProcessTree {
    /// Every descendant of `root`, breadth first, found by asking `children` for each process's
    /// children; `root` itself is not included. A PID met twice (a reused PID, a racing read)
    /// is taken once, so the walk always ends.
    static func descendants(of root: Int32, children: (Int32) -> [Int32]) -> [Int32] {
        var found: [Int32] = []
        var seen: Set<Int32> = [root]
        var queue = [root]
        while !queue.isEmpty {
            let parent = queue.removeFirst()
            for child in children(parent) where seen.insert(child).inserted {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }

    /// Every descendant of `root` given each process's parent (the PPid of every process, as a
    /// scan of /proc/*/stat yields it).
    static func descendants(of root: Int32, parents: [Int32: Int32]) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for (pid, parent) in parents { children[parent, default: []].append(pid) }
        return descendants(of: root) { children[$0]?.sorted() ?? [] }
    }

    /// The PIDs in a `children` file: space-separated, often with a trailing space.
    static func parseChildren(_ text: String) -> [Int32] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int32($0) }
    }
}

/// Lists a process's descendants from a /proc tree.
///
/// `/proc/<pid>/task/<tid>/children` (Linux 3.5+, CONFIG_PROC_CHILDREN) names the children of
/// each thread directly, so a walk reads a few files per process; where the kernel lacks it,
/// every `/proc/*/stat` is read for its PPid. Processes that exit during the walk are normal
/// and are skipped.
struct ProcessTreeReader: Sendable {
    /// Prefixes `/proc`.
    var root: RootedPath

    /// The descendants of `pid`, not `pid` itself; empty when it has exited.
    func descendants(of pid: Int32) -> [Int32] {
        if hasChildrenFiles(pid) {
            return ProcessTree.descendants(of: pid) { children(of: $0) }
        }
        return ProcessTree.descendants(of: pid, parents: scanParents())
    }

    /// Whether this kernel offers `children` files, judged on the root process's first thread.
    private func hasChildrenFiles(_ pid: Int32) -> Bool {
        var info = stat()
        return stat(root("/proc/\(pid)/task/\(pid)/children"), &info) == 0
    }

    /// The children of every thread of `pid` (a child belongs to the thread that forked it).
    func children(of pid: Int32) -> [Int32] {
        guard let threads = try? FileReader.directoryEntries(root("/proc/\(pid)/task")) else { return [] }
        var result: [Int32] = []
        for thread in threads {
            guard let text = try? FileReader.readString(root("/proc/\(pid)/task/\(thread)/children")) else { continue }
            result += ProcessTree.parseChildren(text)
        }
        return result
    }

    /// The PPid of every process in /proc; those that vanish or cannot be parsed are left out.
    func scanParents() -> [Int32: Int32] {
        guard let names = try? FileReader.directoryEntries(root("/proc")) else { return [:] }
        var parents: [Int32: Int32] = [:]
        for name in names {
            guard let pid = Int32(name),
                  let text = try? FileReader.readString(root("/proc/\(name)/stat")),
                  let stat = try? ProcStat.parse(text)
            else { continue }
            parents[pid] = stat.parentPID
        }
        return parents
    }
}
