/// Parsers for the textual forms a user gives on the command line or in a job description.
extension Bind {
    /// `SRC`, `SRC:DST`, or `SRC:DST:ro|rw` (apptainer's `-B` form; read-write unless `ro`).
    public init(parsing text: String) throws(ContainerError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts[0].isEmpty else {
            throw .invalidSpec("bind '\(text)' is not SRC[:DST[:ro|rw]]")
        }
        let destination = parts.count > 1 && !parts[1].isEmpty ? parts[1] : parts[0]
        guard parts[0].hasPrefix("/"), destination.hasPrefix("/") else {
            throw .invalidSpec("bind '\(text)': source and destination must be absolute paths")
        }
        guard !destination.split(separator: "/").contains("..") else {
            throw .invalidSpec("bind '\(text)': destination may not contain '..'")
        }
        var readOnly = false
        if parts.count == 3 {
            switch parts[2] {
            case "ro": readOnly = true
            case "rw": readOnly = false
            default: throw .invalidSpec("bind '\(text)': mode must be ro or rw, not '\(parts[2])'")
            }
        }
        self.init(source: parts[0], destination: destination, readOnly: readOnly)
    }
}

extension EnvironmentVariable {
    /// `NAME=value` (the value may be empty and may contain '=').
    public init(parsing text: String) throws(ContainerError) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .invalidSpec("environment entry '\(text)' is not NAME=value")
        }
        self.init(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }
}

extension GPURequest {
    /// `all`, `none`, or a comma list of indexes or UUIDs.
    public init(parsing text: String) throws(ContainerError) {
        switch text {
        case "all": self = .all
        case "none", "": self = .none
        default:
            let items = text.split(separator: ",").map { String($0).trimmingSpaces }
            guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
                throw .invalidSpec("--gpus '\(text)' is not all, none or a list of indexes or UUIDs")
            }
            self = .list(items)
        }
    }
}

/// A byte count with an optional binary suffix: `1073741824`, `512M`, `2G`, `1.5Gi`.
public enum ByteCount {
    public static func parse(_ text: String) throws(ContainerError) -> UInt64 {
        var digits = Substring(text)
        var unit: UInt64 = 1
        if digits.hasSuffix("i") || digits.hasSuffix("B") { digits = digits.dropLast() }
        switch digits.last {
        case "K", "k": unit = 1 << 10
        case "M", "m": unit = 1 << 20
        case "G", "g": unit = 1 << 30
        case "T", "t": unit = 1 << 40
        default: break
        }
        if unit != 1 { digits = digits.dropLast() }
        guard let value = Double(digits), value > 0, value * Double(unit) < 1.8e19 else {
            throw .invalidSpec("'\(text)' is not a byte count (e.g. 2147483648, 512M, 2G)")
        }
        return UInt64(value * Double(unit))
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
