/// The memory figures of `/proc/<pid>/status`, in bytes (proc(5)); nil where the line is absent,
/// as it is for a zombie or a kernel thread.
struct ProcStatus: Sendable, Equatable {
    /// `VmRSS`: resident memory now.
    var residentBytes: UInt64?
    /// `VmHWM`: the most resident memory the process ever had.
    var residentPeakBytes: UInt64?
    /// `VmSize`: virtual memory now.
    var virtualBytes: UInt64?
    /// `VmPeak`: the most virtual memory the process ever had.
    var virtualPeakBytes: UInt64?
    /// `VmSwap`: anonymous memory swapped out.
    var swapBytes: UInt64?
    /// `Threads`.
    var threads: Int?

    /// Reads `Key:\tvalue kB` lines.
    static func parse(_ text: String) -> ProcStatus {
        let fields = ProcFields.parse(text)
        return ProcStatus(
            residentBytes: fields["VmRSS"], residentPeakBytes: fields["VmHWM"], virtualBytes: fields["VmSize"],
            virtualPeakBytes: fields["VmPeak"], swapBytes: fields["VmSwap"], threads: fields["Threads"].map { Int($0) }
        )
    }
}

/// The totals of `/proc/<pid>/smaps_rollup` (Linux 4.14+), in bytes.
///
/// PSS divides each shared page among the processes mapping it, so the PSS of a tree adds up
/// to what it really holds, where summed RSS counts shared libraries once per process.
struct ProcSmapsRollup: Sendable, Equatable {
    /// `Pss`: proportional set size.
    var proportionalBytes: UInt64
    /// `Rss`, as smaps counts it.
    var residentBytes: UInt64?
    /// `Swap`.
    var swapBytes: UInt64?
    /// `SwapPss`: swap divided like PSS (Linux 4.3+).
    var swapProportionalBytes: UInt64?

    /// Why a rollup could not be read.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        /// No `Pss:` line: not a smaps file, or the process had no memory left to report.
        case missingPss

        var description: String { "no Pss line in smaps_rollup" }
    }

    /// Reads the rollup's `Key:   value kB` lines; the address-range header line is skipped.
    static func parse(_ text: String) throws(ParseError) -> ProcSmapsRollup {
        let fields = ProcFields.parse(text)
        guard let pss = fields["Pss"] else { throw .missingPss }
        return ProcSmapsRollup(
            proportionalBytes: pss, residentBytes: fields["Rss"], swapBytes: fields["Swap"],
            swapProportionalBytes: fields["SwapPss"]
        )
    }
}

/// The I/O counters of `/proc/<pid>/io`, in bytes (proc(5)).
///
/// A process's counters include those of the children it reaped, so the counters of a tree's
/// surviving ancestors keep what their exited descendants did.
struct ProcIO: Sendable, Equatable {
    /// `rchar`: bytes asked of read(2) and similar, page cache hits included.
    var readChars: UInt64
    /// `wchar`: bytes passed to write(2) and similar.
    var writtenChars: UInt64
    /// `read_bytes`: bytes fetched from storage.
    var readBytes: UInt64
    /// `write_bytes`: bytes sent towards storage.
    var writtenBytes: UInt64

    /// Why an io file could not be read.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        /// One of the four counters is missing.
        case missingCounter(String)

        var description: String {
            switch self {
            case let .missingCounter(name): "no \(name) line in io"
            }
        }
    }

    /// Reads `name: value` lines.
    static func parse(_ text: String) throws(ParseError) -> ProcIO {
        let fields = ProcFields.parse(text)
        func counter(_ name: String) throws(ParseError) -> UInt64 {
            guard let value = fields[name] else { throw .missingCounter(name) }
            return value
        }
        return ProcIO(
            readChars: try counter("rchar"), writtenChars: try counter("wchar"),
            readBytes: try counter("read_bytes"), writtenBytes: try counter("write_bytes")
        )
    }

    /// The counters of several processes added.
    static func + (lhs: ProcIO, rhs: ProcIO) -> ProcIO {
        ProcIO(
            readChars: lhs.readChars &+ rhs.readChars, writtenChars: lhs.writtenChars &+ rhs.writtenChars,
            readBytes: lhs.readBytes &+ rhs.readBytes, writtenBytes: lhs.writtenBytes &+ rhs.writtenBytes
        )
    }

    /// No I/O.
    static let zero = ProcIO(readChars: 0, writtenChars: 0, readBytes: 0, writtenBytes: 0)
}

/// The `Key: number [kB]` lines shared by status, smaps_rollup and io.
enum ProcFields {
    /// Each key's number, in bytes when the line says `kB`; lines whose value does not start
    /// with a number (`State:	R (running)`, `Name:	sh`) are left out. The first value
    /// of a key wins.
    static func parse(_ text: String) -> [String: UInt64] {
        var fields: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmed
            let words = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            // Keys are single words; this skips smaps_rollup's address-range header.
            guard !key.isEmpty, !key.contains(" "), fields[key] == nil, let first = words.first,
                  let number = UInt64(first)
            else {
                continue
            }
            fields[key] = words.count > 1 && words[1] == "kB" ? number * 1024 : number
        }
        return fields
    }
}
