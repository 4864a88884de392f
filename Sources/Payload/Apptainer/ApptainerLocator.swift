/// An `apptainer` or `singularity` executable found on this node.
public struct ApptainerBinary: Sendable, Equatable, CustomStringConvertible {
    /// Where it was found.
    public enum Origin: String, Sendable, Equatable {
        /// A directory on PATH: the site installed it.
        case path
        /// ATLAS's or OSG's build on CVMFS.
        case cvmfs
    }

    /// Its absolute path.
    public var path: String
    /// Where it was found.
    public var origin: Origin

    /// A binary at `path`.
    public init(path: String, origin: Origin) {
        self.path = path
        self.origin = origin
    }

    /// The path and where it came from.
    public var description: String { "\(path) (\(origin.rawValue))" }
}

/// A binary together with the version it reported: what `ApptainerInvocation` needs.
public struct ApptainerInstallation: Sendable, Equatable {
    /// The executable.
    public var binary: ApptainerBinary
    /// What its `--version` said.
    public var version: ApptainerVersion

    /// An installation from its parts.
    public init(binary: ApptainerBinary, version: ApptainerVersion) {
        self.binary = binary
        self.version = version
    }
}

/// Finds apptainer the way ATLAS sites provide it: on PATH, or on CVMFS (CONTAINERS.md section 1).
///
/// PATH comes first, `apptainer` before `singularity` (sites often install `singularity` as a
/// link to apptainer); then ATLAS's builds per OS release, then OSG's.
public struct ApptainerLocator: Sendable, Equatable {
    /// The PATH value to search.
    public var searchPath: String
    /// The directory standing for `/cvmfs`.
    public var cvmfsRoot: String
    /// The machine name in ATLAS's directory names: `x86_64` or `aarch64`.
    public var architecture: String
    /// The host's EL major release (from os-release), tried first among ATLAS's builds; nil
    /// tries el9, el8, el7 in that order.
    public var preferredELRelease: Int?

    /// A locator over `searchPath` and `cvmfsRoot`.
    public init(searchPath: String, cvmfsRoot: String = "/cvmfs", architecture: String = ApptainerLocator.hostArchitecture,
                preferredELRelease: Int? = nil) {
        self.searchPath = searchPath
        self.cvmfsRoot = cvmfsRoot
        self.architecture = architecture
        self.preferredELRelease = preferredELRelease
    }

    /// The architecture this binary was built for, as ATLAS names it.
    public static var hostArchitecture: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }

    /// Every path looked at, in order: `<dir>/apptainer` and `<dir>/singularity` for each PATH
    /// directory, then the CVMFS builds.
    public var candidates: [ApptainerBinary] {
        let directories = searchPath.split(separator: ":").filter { $0.hasPrefix("/") }.map { directory in
            directory.hasSuffix("/") ? String(directory.dropLast()) : String(directory)
        }
        var list = ["apptainer", "singularity"].flatMap { name in
            directories.map { ApptainerBinary(path: "\($0)/\(name)", origin: .path) }
        }
        let cvmfs = cvmfsRoot.hasSuffix("/") ? String(cvmfsRoot.dropLast()) : cvmfsRoot
        var releases = [9, 8, 7]
        if let preferred = preferredELRelease, let i = releases.firstIndex(of: preferred) {
            releases.insert(releases.remove(at: i), at: 0)
        }
        for release in releases {
            let path = "\(cvmfs)/atlas.cern.ch/repo/containers/sw/apptainer/\(architecture)-el\(release)/current/bin/apptainer"
            list.append(ApptainerBinary(path: path, origin: .cvmfs))
        }
        list.append(ApptainerBinary(path: "\(cvmfs)/oasis.opensciencegrid.org/mis/apptainer/current/bin/apptainer", origin: .cvmfs))
        return list
    }

    /// The candidates that are executable files, best first.
    ///
    /// On CVMFS, looking is what mounts a repository under autofs; a hung repository would hang
    /// this call, so the caller probes CVMFS health first.
    public func locate() -> [ApptainerBinary] {
        candidates.filter { HostFileSystem.isExecutableFile($0.path) }
    }

    /// Runs `binary --version` and reads the answer.
    ///
    /// The child's environment is only `PATH`: nothing of the pilot's reaches a program that
    /// may come from a network file system.
    public static func version(
        of binary: ApptainerBinary, runner: some HelperCommandRunner, timeout: Duration, searchPath: String
    ) async throws(ApptainerLookupError) -> ApptainerInstallation {
        let outcome = await runner.run(binary.path, arguments: ["--version"], environment: ["PATH": searchPath], timeout: timeout)
        guard case .exited(0, let output, _) = outcome else {
            if outcome == .timedOut { throw .versionTimedOut(binary, timeout: timeout) }
            throw .versionFailed(binary, reason: outcome.failureSummary("\(binary.path) --version", timeout: timeout))
        }
        guard let version = ApptainerVersion.parse(output) else {
            throw .versionUnreadable(binary, output: HelperCommandOutcome.firstLine(output) ?? "")
        }
        guard version.isSupported else { throw .unsupportedVersion(binary, version) }
        return ApptainerInstallation(binary: binary, version: version)
    }
}

/// Why no usable apptainer was found.
public enum ApptainerLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// None of the candidate paths is an executable file.
    case notFound(searched: [String])
    /// `--version` did not answer in time (a hung CVMFS or a stuck starter).
    case versionTimedOut(ApptainerBinary, timeout: Duration)
    /// `--version` failed: a non-zero exit, a signal, or it could not be started.
    case versionFailed(ApptainerBinary, reason: String)
    /// `--version` printed something that is not a version.
    case versionUnreadable(ApptainerBinary, output: String)
    /// The version is older than the pilot supports.
    case unsupportedVersion(ApptainerBinary, ApptainerVersion)

    public var description: String {
        switch self {
        case .notFound(let searched):
            "apptainer not found: looked for \(searched.joined(separator: ", "))"
        case .versionTimedOut(let binary, let timeout):
            "apptainer at \(binary): --version did not answer within \(timeout)"
        case .versionFailed(let binary, let reason):
            "apptainer at \(binary): \(reason)"
        case .versionUnreadable(let binary, let output):
            "apptainer at \(binary): cannot read a version in \"\(output)\""
        case .unsupportedVersion(let binary, let version):
            "apptainer at \(binary): \(version) is too old, need \(version.flavor.rawValue) "
                + ApptainerVersion.minimum(for: version.flavor).map(String.init).joined(separator: ".") + " or later"
        }
    }
}
