/// A bundle directory read back for comparison: its manifest, and its output files checked
/// against the checksums the manifest records.
struct LoadedBundle: Sendable {
    /// The bundle directory as given.
    var directory: String
    /// Its `bundle.json`.
    var manifest: ValidationBundle

    /// Reads `DIRECTORY/bundle.json`.
    static func load(_ directory: String) throws(ValidateError) -> LoadedBundle {
        let path = directory + "/bundle.json"
        let text: String
        do { text = try FileReader.readString(path, limit: 1 << 30) } catch { throw .unreadable(error) }
        let manifest: ValidationBundle
        do {
            manifest = try BundleJSON.decode(ValidationBundle.self, from: text)
        } catch let error as DecodingError {
            throw .invalidBundle(path: path, reason: ValidationSuite.describe(error))
        } catch {
            throw .invalidBundle(path: path, reason: "not valid JSON")
        }
        guard manifest.format == ValidationBundle.formatName else {
            throw .invalidBundle(path: path, reason: "format is \"\(manifest.format)\", not \(ValidationBundle.formatName)")
        }
        guard manifest.formatVersion == ValidationBundle.currentVersion else {
            throw .invalidBundle(path: path, reason: "format version \(manifest.formatVersion); this pilot reads \(ValidationBundle.currentVersion)")
        }
        return LoadedBundle(directory: directory, manifest: manifest)
    }

    /// The case named `name`, if the bundle has it.
    func record(_ name: String) -> CaseRecord? {
        manifest.cases.first { $0.name == name }
    }

    /// The text of a collected output, refused when its bytes no longer match the recorded
    /// SHA-256 (a file edited or truncated after the run) or it escapes the bundle.
    func content(of file: OutputFile) -> Result<OutputContent, OutputReadError> {
        guard ValidationSuite.isSafeRelativePath(file.file) else { return .failure(.outsideBundle(file.file)) }
        let path = directory + "/" + file.file
        let sums: BundleFiles.Sums
        let text: String
        do {
            sums = try BundleFiles.sums(path)
            text = try FileReader.readString(path, limit: 1 << 30)
        } catch {
            return .failure(.unreadable(error))
        }
        guard sums.sha256 == file.sha256 else { return .failure(.altered(path: file.file, recorded: file.sha256, actual: sums.sha256)) }
        return .success(OutputContent(sha256: sums.sha256, text: text))
    }
}

/// Why a bundle's output file cannot be compared.
enum OutputReadError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be read.
    case unreadable(SystemCallError)
    /// The file's bytes are not those the bundle recorded.
    case altered(path: String, recorded: String, actual: String)
    /// The manifest points outside the bundle directory.
    case outsideBundle(String)

    var description: String {
        switch self {
        case .unreadable(let error): "cannot read \(error)"
        case .altered(let path, let recorded, let actual):
            "\(path) changed since the run: sha256 \(actual.prefix(12))…, the bundle recorded \(recorded.prefix(12))…"
        case .outsideBundle(let path): "\(path) is not a path inside the bundle"
        }
    }
}
