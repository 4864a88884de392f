/// Why `pilot validate` could not do its work at all. A case that fails (its payload, an input,
/// an output) is not an error: it is recorded in the bundle and reported as `failed`.
enum ValidateError: Error, CustomStringConvertible, Equatable {
    /// The suite file is not valid JSON, has unknown keys, or breaks a rule.
    case invalidSuite(path: String, reason: String)
    /// A file the command needs (the suite, a bundle's `bundle.json`) cannot be read.
    case unreadable(SystemCallError)
    /// A bundle's `bundle.json` is not a bundle this pilot can read.
    case invalidBundle(path: String, reason: String)
    /// The two bundles cannot be compared (different suites).
    case incomparable(reason: String)
    /// Bad command-line values (`--out` not empty, `--image` not NAME=PATH).
    case usage(String)
    /// The bundle could not be written.
    case cannotWrite(SystemCallError)
    /// The node could not be described.
    case node(DetectionError)

    var description: String {
        switch self {
        case .invalidSuite(let path, let reason): "invalid suite \(path): \(reason)"
        case .unreadable(let error): "cannot read \(error)"
        case .invalidBundle(let path, let reason): "invalid bundle \(path): \(reason)"
        case .incomparable(let reason): "the bundles cannot be compared: \(reason)"
        case .usage(let reason): reason
        case .cannotWrite(let error): "cannot write the bundle: \(error)"
        case .node(let error): error.description
        }
    }
}

extension ValidateError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case .invalidSuite, .unreadable, .invalidBundle, .node: .inputUnreadable
        case .incomparable: .validationIncomparable
        case .usage: .usage
        case .cannotWrite: .cannotWrite
        }
    }
}
