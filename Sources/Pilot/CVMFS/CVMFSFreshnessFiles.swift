/// Which files tell how fresh each repository is, where the built-in ATLAS list does not fit:
/// overrides by repository name, from the configuration key `cvmfs_freshness_files`, the variable
/// `PILOT_CVMFS_FRESHNESS_FILES` and `pilot cvmfs probe --freshness-file`.
///
/// A repository named in an override gets exactly the files given (none, with an empty list);
/// every other repository keeps `CVMFSRepository.knownFreshnessFiles` (ATLAS's `lastUpdate`
/// files). Each file holds a `date | host | epoch` stamp, relative to the repository's top.
enum CVMFSFreshnessFiles {
    /// The environment variable: `REPO=PATH` pairs separated by commas; a repository may appear
    /// several times, and `REPO=` alone gives it no files.
    static let variable = "PILOT_CVMFS_FRESHNESS_FILES"

    /// Why a freshness override was refused.
    enum ParseError: Error, CustomStringConvertible, Equatable {
        /// Not `REPO=PATH`.
        case notAPair(String)
        /// The repository name is not one (see `CVMFSRepository.NameError`).
        case repository(CVMFSRepository.NameError)
        /// The path is absolute, empty between slashes, or climbs out with `..`.
        case path(repository: String, path: String)

        var description: String {
            switch self {
            case .notAPair(let text): "\"\(text)\" is not REPO=PATH (e.g. atlas.cern.ch=repo/ATLASLocalRootBase/logDir/lastUpdate)"
            case .repository(let error): error.description
            case .path(let repository, let path):
                "freshness file \"\(path)\" of \(repository) must be a relative path inside the repository"
            }
        }
    }

    /// Reads `REPO=PATH` pairs (a flag's values, or the variable split at commas) into overrides.
    static func parse(_ pairs: [String]) throws(ParseError) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in pairs.map({ $0.trimmed }) where !pair.isEmpty {
            guard let equals = pair.firstIndex(of: "=") else { throw .notAPair(pair) }
            let name = String(pair[..<equals]).trimmed
            let path = String(pair[pair.index(after: equals)...]).trimmed
            do { _ = try CVMFSRepository(name: name) } catch { throw .repository(error) }
            var files = result[name] ?? []
            if !path.isEmpty {
                try check(path, of: name)
                files.append(path)
            }
            result[name] = files
        }
        return result
    }

    /// The overrides `PILOT_CVMFS_FRESHNESS_FILES` sets; nil when it is unset or empty.
    static func environment(_ environment: [String: String]) throws(ConfigurationError) -> [String: [String]]? {
        guard let text = environment[variable], !text.trimmed.isEmpty else { return nil }
        do {
            return try parse(text.split(separator: ",").map(String.init))
        } catch {
            throw .invalidEnvironment(variable: variable, value: text, expected: "REPO=PATH pairs separated by commas: \(error)")
        }
    }

    /// Checks overrides however they came (a configuration file's are not parsed here).
    static func validate(_ overrides: [String: [String]]) throws(ConfigurationError) {
        for (name, files) in overrides {
            do throws(ParseError) {
                do { _ = try CVMFSRepository(name: name) } catch { throw ParseError.repository(error) }
                for file in files { try check(file, of: name) }
            } catch {
                throw .invalidValue(key: "cvmfs_freshness_files", reason: error.description)
            }
        }
    }

    /// The repositories with the overrides applied.
    static func apply(_ overrides: [String: [String]], to repositories: [CVMFSRepository]) -> [CVMFSRepository] {
        repositories.map { repository in
            var repository = repository
            if let files = overrides[repository.name] { repository.freshnessFiles = files }
            return repository
        }
    }

    /// A path the observer may read: relative, no `..`, no empty or `.` segment.
    private static func check(_ path: String, of repository: String) throws(ParseError) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw .path(repository: repository, path: path)
        }
    }
}
