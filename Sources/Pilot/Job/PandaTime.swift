#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Times as PanDA reads them.
///
/// `update_job` parses `start_time`/`end_time` with `"%Y-%m-%d %H:%M:%S"` (UTC) and silently drops
/// anything else, which is why pilot3's epoch floats never arrive (PANDA.md §5).
enum PandaTime {
    /// `2026-11-28 16:05:09`, UTC, whole seconds (truncated).
    static func format(_ date: Date) -> String {
        let fields = utc(date)
        return "\(fields.year)-\(two(fields.month))-\(two(fields.day)) \(two(fields.hour)):\(two(fields.minute)):\(two(fields.second))"
    }

    /// `2026-11-28T16:05:09+00:00`: ISO 8601 for the legacy API's `timestamp` and Harvester's files.
    static func iso8601(_ date: Date) -> String {
        let fields = utc(date)
        return "\(fields.year)-\(two(fields.month))-\(two(fields.day))T\(two(fields.hour)):\(two(fields.minute)):\(two(fields.second))+00:00"
    }

    /// Whether `text` is in the server's `%Y-%m-%d %H:%M:%S` form with fields in range.
    static func isServerFormat(_ text: String) -> Bool {
        let parts = Array(text.utf8)
        guard parts.count == 19 else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        guard digits.allSatisfy({ parts[$0] >= UInt8(ascii: "0") && parts[$0] <= UInt8(ascii: "9") }),
              parts[4] == UInt8(ascii: "-"), parts[7] == UInt8(ascii: "-"), parts[10] == UInt8(ascii: " "),
              parts[13] == UInt8(ascii: ":"), parts[16] == UInt8(ascii: ":")
        else { return false }
        func number(_ range: Range<Int>) -> Int { Int(String(decoding: parts[range], as: UTF8.self)) ?? -1 }
        return (1...12).contains(number(5..<7)) && (1...31).contains(number(8..<10))
            && (0...23).contains(number(11..<13)) && (0...59).contains(number(14..<16)) && (0...61).contains(number(17..<19))
    }

    private static func utc(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var broken = tm()
        gmtime_r(&seconds, &broken)
        return (Int(broken.tm_year) + 1900, Int(broken.tm_mon) + 1, Int(broken.tm_mday),
                Int(broken.tm_hour), Int(broken.tm_min), Int(broken.tm_sec))
    }

    private static func two(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
