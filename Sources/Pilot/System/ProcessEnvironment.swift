#if canImport(Glibc)
import Glibc
#endif

/// The process's environment and working directory, read once at the edge.
enum ProcessEnvironment {
    /// Every `NAME=value` of the environment.
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            entry += 1
        }
        return result
    }

    /// The current directory, or `/` when it cannot be known (deleted, no permission).
    static func currentDirectory() -> String {
        guard let pointer = getcwd(nil, 0) else { return "/" }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
