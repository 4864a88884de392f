#if canImport(Glibc)
import Glibc
#endif

/// One process as the monitor saw it: its stat line, and what status, smaps_rollup and io
/// added where the kernel let the pilot read them.
struct ProcessSample: Sendable, Equatable {
    /// `/proc/<pid>/stat`.
    var stat: ProcStat
    /// `/proc/<pid>/status`; nil when it vanished between the two reads.
    var status: ProcStatus?
    /// `/proc/<pid>/smaps_rollup`; nil before Linux 4.14, for another user's process without
    /// CAP_SYS_PTRACE (EACCES), or for a zombie.
    var smaps: ProcSmapsRollup?
    /// `/proc/<pid>/io`; nil without CONFIG_TASK_IO_ACCOUNTING or permission (EACCES).
    var io: ProcIO?

    /// Resident bytes: status VmRSS, else the stat page count.
    func residentBytes(pageSize: UInt64) -> UInt64 {
        status?.residentBytes ?? stat.residentPages * pageSize
    }
}

/// Why one process could not be sampled; the sampler skips it and counts it.
enum ProcessSampleError: Error, CustomStringConvertible, Equatable {
    /// A file of the process could not be read for a reason other than its exit.
    case unreadable(SystemCallError)
    /// Its stat line did not parse.
    case malformedStat(path: String, ProcStat.ParseError)

    var description: String {
        switch self {
        case let .unreadable(error): "cannot sample process: \(error)"
        case let .malformedStat(path, error): "cannot sample process: \(path): \(error)"
        }
    }
}

/// Reads one process's files from a /proc tree under a root.
struct ProcessSampleReader: Sendable {
    /// Prefixes `/proc`.
    var root: RootedPath

    /// The process's sample; nil when it has exited (ENOENT, or ESRCH from a file opened as it
    /// went). Optional files that are refused (EACCES, EPERM) or malformed are left nil.
    func sample(_ pid: Int32) throws(ProcessSampleError) -> ProcessSample? {
        let statPath = root("/proc/\(pid)/stat")
        guard let text = try read(statPath) else { return nil }
        let stat: ProcStat
        do {
            stat = try ProcStat.parse(text)
        } catch {
            throw .malformedStat(path: statPath, error)
        }
        var sample = ProcessSample(stat: stat)
        sample.status = try optional("status").map(ProcStatus.parse)
        sample.smaps = try optional("smaps_rollup").flatMap { try? ProcSmapsRollup.parse($0) }
        sample.io = try optional("io").flatMap { try? ProcIO.parse($0) }
        return sample

        func optional(_ name: String) throws(ProcessSampleError) -> String? {
            do throws(ProcessSampleError) {
                return try read(root("/proc/\(pid)/\(name)"))
            } catch {
                if case let .unreadable(failure) = error, Self.refused(failure.errno) { return nil }
                throw error
            }
        }
    }

    /// The file's text; nil when the process is gone.
    private func read(_ path: String) throws(ProcessSampleError) -> String? {
        do {
            return try FileReader.readString(path)
        } catch {
            if Self.vanished(error.errno) { return nil }
            throw .unreadable(error)
        }
    }

    /// errno values that mean the process exited while it was being read.
    static func vanished(_ code: Int32) -> Bool {
        code == ENOENT || code == ESRCH || code == ENOTDIR
    }

    /// errno values that mean the kernel does not let the pilot read that file of that process,
    /// or does not have it (EINVAL: smaps_rollup of a kernel thread).
    static func refused(_ code: Int32) -> Bool {
        code == EACCES || code == EPERM || code == EINVAL
    }
}
