import Payload

/// Why `pilot exec` (or a job's payload) could not be run.
enum ExecError: Error, CustomStringConvertible {
    /// The container could not be made or the command started.
    case container(ContainerError)
    /// The result file could not be written.
    case resultUnwritable(String, String)

    var description: String {
        switch self {
        case let .container(error): error.description
        case let .resultUnwritable(path, reason): "cannot write the result to \(path): \(reason)"
        }
    }
}

extension ExecError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case let .container(.commandNotFound(_)): .commandNotFound
        case let .container(.commandNotExecutable(_, _)): .commandNotExecutable
        case .container(.invalidSpec(_)): .usage
        case .container: .containerFailed
        case .resultUnwritable: .cannotWrite
        }
    }
}
