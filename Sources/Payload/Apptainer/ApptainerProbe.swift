/// Whether the apptainer backend can be used on this node: a binary found and a supported
/// version reported, or every reason it cannot (for `pilot detect`).
public enum ApptainerAvailability: Sendable, Equatable, CustomStringConvertible {
    /// This installation works; `rejected` lists better-placed candidates that did not.
    case available(ApptainerInstallation, rejected: [ApptainerLookupError])
    /// None works; one reason per candidate tried, or `notFound` when none exists.
    case unavailable([ApptainerLookupError])

    /// The installation to use, if any.
    public var installation: ApptainerInstallation? {
        if case .available(let installation, _) = self { return installation }
        return nil
    }

    /// `available: apptainer 1.3.4 at /usr/bin/apptainer (path)` or `unavailable: <reasons>`.
    public var description: String {
        switch self {
        case .available(let installation, _):
            "available: \(installation.version) at \(installation.binary)"
        case .unavailable(let reasons):
            "unavailable: " + reasons.map(\.description).joined(separator: "; ")
        }
    }
}

/// Finds an apptainer that answers `--version` with a supported version.
///
/// Candidates are tried best first, so a broken site install falls back to the one on CVMFS.
public struct ApptainerProbe: Sendable {
    /// Where to look.
    public var locator: ApptainerLocator
    /// How long each `--version` may take (a cold CVMFS cache can take seconds).
    public var timeout: Duration

    /// A probe over `locator`.
    public init(locator: ApptainerLocator, timeout: Duration = .seconds(30)) {
        self.locator = locator
        self.timeout = timeout
    }

    /// Tries the candidates in order and stops at the first that works.
    public func detect(runner: some HelperCommandRunner) async -> ApptainerAvailability {
        let found = locator.locate()
        guard !found.isEmpty else { return .unavailable([.notFound(searched: locator.candidates.map(\.path))]) }
        var rejected: [ApptainerLookupError] = []
        for binary in found {
            do {
                let installation = try await ApptainerLocator.version(
                    of: binary, runner: runner, timeout: timeout, searchPath: locator.searchPath)
                return .available(installation, rejected: rejected)
            } catch {
                rejected.append(error)
            }
        }
        return .unavailable(rejected)
    }
}
