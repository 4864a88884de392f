/// The fields of `/proc/<pid>/stat` the job monitor uses (proc(5), "/proc/pid/stat").
///
/// Times are in clock ticks (`sysconf(_SC_CLK_TCK)`, 100 on every Linux architecture in use);
/// `TreeSample` turns them into seconds.
struct ProcStat: Sendable, Equatable {
    /// Field 1, the process ID.
    var pid: Int32
    /// Field 2 without its parentheses: the executable's name, up to 15 bytes, which may itself
    /// contain spaces and parentheses.
    var command: String
    /// Field 3: R, S, D, Z (zombie), T, t, X, I…
    var state: Character
    /// Field 4, the parent's process ID.
    var parentPID: Int32
    /// Field 14: ticks in user mode.
    var userTicks: UInt64
    /// Field 15: ticks in the kernel.
    var systemTicks: UInt64
    /// Field 16: user ticks of children this process waited for; an exited child's CPU lands here.
    var childrenUserTicks: UInt64
    /// Field 17: kernel ticks of children this process waited for.
    var childrenSystemTicks: UInt64
    /// Field 20: threads in the process.
    var threads: Int
    /// Field 22: when the process started, in ticks after boot; with the PID it names the process
    /// uniquely (a PID may be reused).
    var startTicks: UInt64
    /// Field 23: virtual memory size in bytes.
    var virtualBytes: UInt64
    /// Field 24: resident set in pages.
    var residentPages: UInt64

    /// Whether the process has exited and waits for its parent to reap it.
    var isZombie: Bool { state == "Z" || state == "X" }

    /// CPU ticks of the process and of the children it reaped.
    var totalTicks: UInt64 { userTicks + systemTicks + childrenUserTicks + childrenSystemTicks }

    /// Why a stat line could not be read.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        /// No `(comm)` between the PID and the state.
        case missingCommand(String)
        /// Fewer fields than the kernel has written since 2.6.
        case tooFewFields(Int)
        /// A field that should be a number is not.
        case notANumber(field: Int, value: String)

        var description: String {
            switch self {
            case let .missingCommand(line): "no (comm) in stat line: \(line.prefix(80))"
            case let .tooFewFields(count): "stat line has \(count) fields, expected at least 24"
            case let .notANumber(field, value): "stat field \(field) is not a number: \(value)"
            }
        }
    }

    /// Parses one stat line.
    ///
    /// The command is everything between the first `(` and the *last* `)`: a program may name
    /// itself `a) (b`, so splitting the whole line on spaces would shift every later field.
    static func parse(_ text: String) throws(ParseError) -> ProcStat {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            throw .missingCommand(text)
        }
        let pidText = text[..<open].trimmed
        guard let pid = Int32(pidText) else { throw .notANumber(field: 1, value: pidText) }
        let command = String(text[text.index(after: open)..<close])
        // rest[0] is field 3 (state), so field n is rest[n - 3].
        let rest = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard rest.count >= 22 else { throw .tooFewFields(rest.count + 2) }

        func number<T: FixedWidthInteger>(_ field: Int, as _: T.Type = T.self) throws(ParseError) -> T {
            let value = rest[field - 3]
            guard let number = T(value) else { throw .notANumber(field: field, value: String(value)) }
            return number
        }
        return ProcStat(
            pid: pid, command: command, state: rest[0].first ?? "?",
            parentPID: try number(4), userTicks: try number(14), systemTicks: try number(15),
            childrenUserTicks: nonNegative(try number(16)), childrenSystemTicks: nonNegative(try number(17)),
            threads: try number(20), startTicks: try number(22), virtualBytes: try number(23),
            residentPages: nonNegative(try number(24))
        )
    }

    /// cutime, cstime and rss are signed in the kernel's format; negative never happens in
    /// practice, and zero is the honest reading if it did.
    private static func nonNegative(_ value: Int64) -> UInt64 {
        UInt64(max(0, value))
    }
}
