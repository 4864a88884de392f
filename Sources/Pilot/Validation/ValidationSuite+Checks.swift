import FoundationEssentials

/// Reading a suite file and checking what JSON's types cannot.
extension ValidationSuite {
    /// Decodes and checks a suite's JSON text; `path` names it in errors.
    static func parse(_ text: String, path: String) throws(ValidateError) -> ValidationSuite {
        let suite: ValidationSuite
        do {
            suite = try JSONDecoder().decode(ValidationSuite.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw .invalidSuite(path: path, reason: Self.describe(error))
        } catch {
            throw .invalidSuite(path: path, reason: "not valid JSON")
        }
        if let problem = suite.problem() { throw .invalidSuite(path: path, reason: problem) }
        return suite
    }

    /// The first thing wrong with the suite, or nil.
    func problem() -> String? {
        if name.isEmpty { return "the suite has no name" }
        if cases.isEmpty { return "the suite has no cases" }
        var names: Set<String> = []
        for item in cases {
            guard Self.isSafeName(item.name) else {
                return "case name \"\(item.name)\" must be letters, digits, '.', '_' or '-' (it names a directory)"
            }
            guard names.insert(item.name).inserted else { return "two cases are named \"\(item.name)\"" }
            if let problem = item.problem() { return "case \"\(item.name)\": \(problem)" }
        }
        return nil
    }

    /// Whether `name` can be one directory's name: no `/`, not `.` or `..`, no odd characters.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 128
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// Whether `path` is relative and stays below its directory: no `..`, no empty parts.
    static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.isEmpty else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && !part.contains("\0")
        }
    }

    /// A decoding error as a message naming the key.
    static func describe(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "" : " at \(text.hasPrefix(".") ? String(text.dropFirst()) : text)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing key \"\(key.stringValue)\"\(at(context.codingPath))"
        case let .typeMismatch(_, context): return "wrong type\(at(context.codingPath))"
        case let .valueNotFound(_, context): return "null value\(at(context.codingPath))"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty && context.debugDescription.contains("JSON")
                ? "not valid JSON" : "\(context.debugDescription)\(at(context.codingPath))"
        @unknown default: return "\(error)"
        }
    }
}

extension ValidationCase {
    /// The first thing wrong with the case, or nil.
    func problem() -> String? {
        if image.isEmpty { return "no image" }
        if command.isEmpty || command[0].isEmpty { return "no command" }
        if let timeout, !(timeout > 0) { return "timeout must be positive" }
        if outputs.isEmpty { return "no outputs to compare" }
        var seen: Set<String> = []
        for input in inputs {
            if let problem = input.problem() { return "input \"\(input.name)\": \(problem)" }
            guard seen.insert(input.name).inserted else { return "two inputs are named \"\(input.name)\"" }
        }
        seen = []
        for output in outputs {
            guard ValidationSuite.isSafeRelativePath(output.path) else {
                return "output \"\(output.path)\" must be a relative path below /srv without '..'"
            }
            guard seen.insert(output.path).inserted else { return "output \"\(output.path)\" is listed twice" }
            if let problem = output.compare.problem() { return "output \"\(output.path)\": \(problem)" }
        }
        return nil
    }
}

extension CaseInput {
    /// The first thing wrong with the input, or nil.
    func problem() -> String? {
        guard ValidationSuite.isSafeRelativePath(name) else { return "the name must be a relative path without '..'" }
        switch (url, path) {
        case (nil, nil): return "give a url or a path"
        case (.some, .some): return "give a url or a path, not both"
        default: break
        }
        if sha256 == nil && checksum == nil { return "give its sha256 or checksum (ad:… or md5:…)" }
        if let sha256, sha256.count != 64 || !sha256.allSatisfy(\.isHexDigit) { return "sha256 must be 64 hex digits" }
        if let checksum {
            do { _ = try FileChecksum(checksum) } catch { return error.description }
        }
        if let size, size < 0 { return "size must not be negative" }
        return nil
    }
}

extension ComparisonSpec {
    /// The first thing wrong with the settings, or nil.
    func problem() -> String? {
        switch self {
        case .exact: return nil
        case .numeric(let spec):
            let tolerances = [spec.tolerance] + spec.columns.values
            if tolerances.contains(where: { !($0.absolute >= 0) || !($0.relative >= 0) || !$0.absolute.isFinite || !$0.relative.isFinite }) {
                return "tolerances must be finite and not negative"
            }
            if let delimiter = spec.delimiter, delimiter.count != 1 { return "delimiter must be one character" }
            if !(spec.spreadFactor >= 0) || !spec.spreadFactor.isFinite { return "spread_factor must not be negative" }
            return nil
        case .histogram(let spec):
            return spec.significance > 0 && spec.significance < 1 ? nil : "significance must be between 0 and 1"
        }
    }
}
