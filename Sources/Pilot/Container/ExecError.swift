import Payload

/// Why `pilot exec` (or a job's payload) could not be run.
enum ExecError: Error, CustomStringConvertible {
    /// The container could not be made or the command started.
    case container(ContainerError)
    /// The image is missing, unreadable or refused (a hostile archive).
    case image(ImageError)
    /// The seccomp policy could not be built (a bad profile file).
    case seccomp(SeccompError)
    /// The GPUs asked for cannot be given.
    case gpu(GPUPlanError)
    /// The apptainer command line cannot express the spec.
    case apptainer(ApptainerInvocationError)
    /// The result file could not be written.
    case resultUnwritable(String, String)

    var description: String {
        switch self {
        case let .container(error): error.description
        case let .image(error): error.description
        case let .seccomp(error): error.description
        case let .gpu(error): error.description
        case let .apptainer(error): "apptainer: \(error)"
        case let .resultUnwritable(path, reason): "cannot write the result to \(path): \(reason)"
        }
    }
}

extension ExecError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case .container(.commandNotFound): .commandNotFound
        case .container(.commandNotExecutable): .commandNotExecutable
        case .container(.invalidSpec(_)): .usage
        case .container, .image, .seccomp, .gpu, .apptainer: .containerFailed
        case .resultUnwritable: .cannotWrite
        }
    }
}
