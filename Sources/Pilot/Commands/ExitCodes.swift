import ArgumentParser

/// The documented exit codes of every command (README.md, "Exit codes").
///
/// Values follow sysexits(3) where one fits, so shell wrappers and batch systems can tell a bad
/// invocation from a broken node. 80-85 are `stage`'s, 86-88 `accounting`'s.
enum PilotExitCode: Int32, CaseIterable, Sendable {
    /// The command did what it was asked.
    case success = 0
    /// An unexpected internal error.
    case internalError = 1
    /// Bad flags or arguments (also what swift-argument-parser exits with on a validation error).
    case usage = 64
    /// A service the pilot needs is not usable (`cvmfs probe`: a repository is unavailable).
    case unavailable = 69
    /// A file the command needs (cpuinfo, meminfo under `--root`) is missing or unparsable.
    case inputUnreadable = 66
    /// Usable, but with a problem worth acting on (`cvmfs probe`: a repository is degraded).
    case degraded = 75
    /// The configuration file or a `PILOT_*` variable is invalid.
    case configuration = 78
    /// A transfer kept failing (network, 5xx) until its retries ran out.
    case transferFailed = 80
    /// A signed URL expired before or during the transfer.
    case urlExpired = 81
    /// The server refused the signature, or TLS verification failed.
    case forbidden = 82
    /// The object does not exist.
    case notFound = 83
    /// The bytes do not match the catalogue's checksum or size.
    case checksumMismatch = 84
    /// The destination cannot be written (disk full, permissions).
    case cannotWrite = 85
    /// `accounting`: a job's APEL record would be invalid (or its facts unusable); the job stays
    /// in the ledger with its usage record, and no APEL record is ever sent for it.
    case recordRefused = 86
    /// `accounting`: the job is stored but some delivery is still pending (queue not writable,
    /// collector unreachable); `pilot accounting deliver` retries it.
    case deliveryPending = 87
    /// `accounting`: the ledger directory cannot be read or written, or holds a corrupt entry.
    case ledgerFailed = 88
    /// `validate compare`: at least one case came out different on the two architectures.
    case validationDifferent = 90
    /// `validate run`: a case failed (input, payload or output); `validate compare`: a case failed
    /// in either bundle, and none is different.
    case validationFailed = 91
    /// `validate compare`: the bundles are of different suites, so nothing can be compared.
    case validationIncomparable = 92
    /// `pilot exec`: the container could not be set up (namespaces, mounts, image); docker's code.
    case containerFailed = 125
    /// `pilot exec`: the command exists in the image but cannot be executed.
    case commandNotExecutable = 126
    /// `pilot exec`: the command is not in the image.
    case commandNotFound = 127

    /// The code as swift-argument-parser's `ExitCode`.
    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// An error a command reports as one line before exiting with its code.
protocol CommandError: Error, CustomStringConvertible {
    /// The exit code this error maps to.
    var exitCode: PilotExitCode { get }
}

extension DetectionError: CommandError {
    var exitCode: PilotExitCode { .inputUnreadable }
}

extension ConfigurationError: CommandError {
    var exitCode: PilotExitCode { .configuration }
}

extension CVMFSRepository.NameError: CommandError {
    var exitCode: PilotExitCode { .usage }
}

extension AccountingError: CommandError {
    var exitCode: PilotExitCode {
        switch self {
        case .invalidFacts, .refused: .recordRefused
        case .store, .corruptEntry: .ledgerFailed
        }
    }
}
