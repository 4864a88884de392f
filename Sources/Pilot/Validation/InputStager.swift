import Logging
import Payload

/// Why an input could not be put in place.
enum InputStagingError: Error, CustomStringConvertible, Equatable {
    /// The signed-URL download failed (expired, refused, missing, checksum after a retry).
    case download(name: String, StagingError)
    /// The local file could not be read or the copy written.
    case file(name: String, SystemCallError)
    /// The bytes are not the ones the suite names.
    case mismatch(name: String, what: String, expected: String, actual: String)

    var description: String {
        switch self {
        case .download(let name, let error): "input \(name): \(error)"
        case .file(let name, let error): "input \(name): \(error)"
        case .mismatch(let name, let what, let expected, let actual): "input \(name): \(what) mismatch: expected \(expected), got \(actual)"
        }
    }
}

/// Puts a case's inputs in place: downloads over signed URLs (the staging code of `pilot stage
/// get`, with its checksum, resume and retry rules) or copies of local files, each checked against
/// the suite's SHA-256 and Adler-32/MD5.
struct InputStager: Sendable {
    /// Relative local paths are taken from here.
    var suiteDirectory: String
    /// TLS and timeouts for signed-URL downloads.
    var curl: CurlSettings
    /// Where retries and transfers are logged.
    var logger: Logger

    /// Stages `input` to `destination` and returns what was staged.
    func stage(_ input: CaseInput, to destination: String) async throws(InputStagingError) -> InputRecord {
        if let slash = destination.lastIndex(of: "/") {
            do { try BundleFiles.makeDirectories(String(destination[..<slash])) } catch { throw .file(name: input.name, error) }
        }
        // Checked when the suite was loaded.
        let checksum = input.checksum.flatMap { try? FileChecksum($0) }
        let sums: BundleFiles.Sums
        let source: String
        if let url = input.url {
            let signed = SignedURL(url)
            source = signed.description
            let downloader = SignedURLDownloader(settings: curl, logger: logger)
            let size = input.size
            let outcome: Result<DownloadSummary, StagingError> = await BlockingThread.run {
                Result { () throws(StagingError) in try downloader.download(signed, to: destination, checksum: checksum, size: size) }
            }
            if case .failure(let error) = outcome { throw .download(name: input.name, error) }
            do { sums = try BundleFiles.sums(destination) } catch { throw .file(name: input.name, error) }
        } else {
            let path = Self.resolve(input.path ?? "", against: suiteDirectory)
            source = path
            do { sums = try BundleFiles.copy(path, to: destination) } catch { throw .file(name: input.name, error) }
            if let checksum, !sums.matches(checksum) {
                let actual = if case .md5 = checksum { "md5:\(sums.md5)" } else { "ad:\(sums.adler32)" }
                throw .mismatch(name: input.name, what: "checksum", expected: checksum.description, actual: actual)
            }
            if let size = input.size, size != sums.bytes {
                throw .mismatch(name: input.name, what: "size", expected: "\(size) bytes", actual: "\(sums.bytes) bytes")
            }
        }
        if let sha256 = input.sha256?.lowercased(), sha256 != sums.sha256 {
            throw .mismatch(name: input.name, what: "sha256", expected: sha256, actual: sums.sha256)
        }
        return InputRecord(name: input.name, source: source, sha256: sums.sha256, bytes: sums.bytes)
    }

    /// `path` as is when absolute, else below `directory`.
    static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") ? path : (directory.isEmpty ? path : directory + "/" + path)
    }
}
