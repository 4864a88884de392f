import Foundation

/// An independent reading of `../shared/reference/APEL.md`: parses a message the way the APEL
/// server's loader does and refuses what it (or its database) would refuse. Written apart from
/// the pilot's own record types, so a shared misreading cannot hide.
enum APELFormatChecker {
    /// A rule the message breaks.
    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    /// The rules of one record type.
    private struct Rules {
        var fields: [String]
        var mandatory: Set<String>
        var integers: Set<String>
        /// Integer fields limited to the server's INT columns (< 2^31).
        var int32: Set<String>
        var datetimes: Set<String>
        var floats: Set<String>
        var lengths: [String: Int]
    }

    private static let jobRules = Rules(
        fields: ["Site", "SubmitHost", "MachineName", "Queue", "LocalJobId", "LocalUserId", "GlobalUserName", "FQAN",
                 "VO", "VOGroup", "VORole", "WallDuration", "CpuDuration", "Processors", "NodeCount", "StartTime",
                 "EndTime", "InfrastructureDescription", "InfrastructureType", "MemoryReal", "MemoryVirtual",
                 "ServiceLevelType", "ServiceLevel", "SubmitHostType", "UpdateTime"],
        mandatory: ["Site", "LocalJobId", "WallDuration", "CpuDuration", "StartTime", "EndTime", "ServiceLevelType", "ServiceLevel"],
        integers: ["WallDuration", "CpuDuration", "Processors", "NodeCount", "MemoryReal", "MemoryVirtual"],
        int32: ["WallDuration", "CpuDuration", "Processors", "NodeCount", "MemoryReal", "MemoryVirtual"],
        datetimes: ["StartTime", "EndTime"], floats: ["ServiceLevel"],
        lengths: ["Site": 255, "SubmitHost": 255, "MachineName": 255, "Queue": 100, "LocalJobId": 255, "LocalUserId": 255,
                  "GlobalUserName": 255, "FQAN": 255, "VO": 255, "VOGroup": 255, "VORole": 255,
                  "InfrastructureDescription": 100, "InfrastructureType": 20])

    // InfrastructureDescription is left out on purpose: APEL before 2.5.0 rejects it here.
    private static let summaryRules = Rules(
        fields: ["Site", "Month", "Year", "GlobalUserName", "VO", "VOGroup", "VORole", "SubmitHost", "InfrastructureType",
                 "ServiceLevelType", "ServiceLevel", "NodeCount", "Processors", "EarliestEndTime", "LatestEndTime",
                 "WallDuration", "CpuDuration", "NumberOfJobs", "UpdateTime"],
        mandatory: ["Site", "Month", "Year", "WallDuration", "CpuDuration", "NumberOfJobs", "NodeCount", "Processors",
                    "ServiceLevelType", "ServiceLevel"],
        integers: ["Month", "Year", "NodeCount", "Processors", "WallDuration", "CpuDuration", "NumberOfJobs"],
        int32: ["Month", "Year", "NodeCount", "Processors"],
        datetimes: ["EarliestEndTime", "LatestEndTime"], floats: ["ServiceLevel"],
        lengths: ["Site": 255, "GlobalUserName": 255, "VO": 255, "VOGroup": 255, "VORole": 255, "SubmitHost": 255,
                  "InfrastructureType": 20])

    private static let syncRules = Rules(
        fields: ["Site", "SubmitHost", "NumberOfJobs", "Month", "Year"],
        mandatory: ["Site", "NumberOfJobs", "Month", "Year"], integers: ["NumberOfJobs", "Month", "Year"],
        int32: ["NumberOfJobs", "Month", "Year"], datetimes: [], floats: [], lengths: ["Site": 255, "SubmitHost": 255])

    /// Checks a whole message; returns its records as dictionaries.
    @discardableResult
    static func check(_ message: String, now: Date = Date()) throws -> [[String: String]] {
        func fail(_ text: String) -> Violation { Violation(description: text) }
        let bytes = Array(message.utf8)
        if let bad = bytes.first(where: { $0 != 0x0A && ($0 < 0x20 || $0 > 0x7E) }) {
            throw fail("byte 0x\(String(bad, radix: 16)) is not printable ASCII (ssmsend decodes as ASCII)")
        }
        guard bytes.count < 1_000_000 else { throw fail("message is \(bytes.count) bytes, AMS takes under 1 MB") }
        guard message.hasSuffix("%%\n") else { throw fail("message does not end with a %% line") }
        var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // after the final newline
        let header = lines.removeFirst()
        let rules: Rules
        switch header {
        case "APEL-individual-job-message: v0.3": rules = jobRules
        case "APEL-summary-job-message: v0.2": rules = summaryRules
        case "APEL-sync-message: v0.1": rules = syncRules
        default: throw fail("unknown header \"\(header)\"")
        }
        guard message.components(separatedBy: "%%").count - 1 == lines.filter({ $0 == "%%" }).count else {
            throw fail("\"%%\" occurs inside a value: the server would split the record there")
        }
        var records: [[String: String]] = []
        var record: [String: String] = [:]
        for line in lines {
            if line == "%%" {
                try checkRecord(record, rules: rules, header: header, now: now)
                records.append(record)
                record = [:]
                continue
            }
            guard !line.isEmpty else { throw fail("blank line inside a record (a line without a colon)") }
            guard let colon = line.firstIndex(of: ":") else { throw fail("line without a colon: \"\(line)\"") }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let rawValue = line[line.index(after: colon)...]
            guard rawValue.hasPrefix(" ") else { throw fail("\(key): no space after the colon") }
            let value = String(rawValue.dropFirst())
            guard value.trimmingCharacters(in: .whitespaces) == value else { throw fail("\(key): surrounding spaces") }
            guard rules.fields.contains(key) else { throw fail("Unknown field: \(key)") }
            guard record[key] == nil else { throw fail("\(key) twice in one record") }
            guard !["", "none", "null"].contains(value.lowercased()) else { throw fail("\(key) written as NULL") }
            record[key] = value
        }
        guard (1...1000).contains(records.count) else { throw fail("\(records.count) records; 1 to 1000 per message") }
        return records
    }

    private static func checkRecord(_ record: [String: String], rules: Rules, header: String, now: Date) throws {
        func fail(_ text: String) -> Violation { Violation(description: text) }
        for key in rules.mandatory where record[key] == nil { throw fail("mandatory field \(key) missing") }
        for (key, limit) in rules.lengths {
            if let value = record[key], value.utf8.count > limit { throw fail("\(key) longer than \(limit)") }
        }
        var integers: [String: Int64] = [:]
        for key in rules.integers.union(rules.datetimes) {
            guard let text = record[key] else { continue }
            guard text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let value = Int64(text) else {
                throw fail("\(key) \"\(text)\" is not a non-negative integer (int() would refuse it or it is negative)")
            }
            if rules.int32.contains(key), value >= 1 << 31 { throw fail("\(key) \(value) does not fit the INT column") }
            integers[key] = value
        }
        for key in rules.floats {
            guard let text = record[key] else { continue }
            guard let value = Double(text), value > 0, value < 1e7, !text.contains("e"), !text.contains("E") else {
                throw fail("\(key) \"\(text)\" is not a positive DECIMAL(10,3)")
            }
            if let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].count > 3 {
                throw fail("\(key) \"\(text)\" has more than 3 decimals")
            }
        }
        if let type = record["ServiceLevelType"], !["si2k", "hepspec", "hepscore23"].contains(type.lowercased()) {
            throw fail("ServiceLevelType \(type) not valid")
        }
        if let type = record["InfrastructureType"], !["grid", "local"].contains(type) {
            throw fail("InfrastructureType \(type) is neither grid nor local")
        }
        let nowEpoch = Int64(now.timeIntervalSince1970)
        switch header {
        case "APEL-individual-job-message: v0.3":
            let start = integers["StartTime"] ?? 0, end = integers["EndTime"] ?? 0
            guard end >= start else { throw fail("EndTime is before StartTime.") }
            guard end <= nowEpoch + 2 * 86400 else { throw fail("EndTime is in the future") }
        default:
            guard let month = integers["Month"], (1...12).contains(month), let year = integers["Year"] else {
                throw fail("Month value is out of range")
            }
            let (monthStart, monthEnd) = monthBounds(year: Int(year), month: Int(month))
            guard monthStart <= nowEpoch else { throw fail("Month specified in record is in the future.") }
            if let earliest = integers["EarliestEndTime"], let latest = integers["LatestEndTime"] {
                guard (monthStart...monthEnd).contains(earliest) else { throw fail("EarliestEndTime is not within stated month.") }
                guard (monthStart...monthEnd).contains(latest) else { throw fail("LatestEndTime is not within stated month.") }
                guard earliest <= latest else { throw fail("LatestEndTime is earlier than EarliestEndTime.") }
            }
        }
    }

    /// The first second of the month and of the next, by Foundation's UTC Gregorian calendar.
    static func monthBounds(year: Int, month: Int) -> (Int64, Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        return (Int64(start.timeIntervalSince1970), Int64(end.timeIntervalSince1970))
    }
}
