import CArchive
import CCurl
import Payload

/// Versions of the C libraries linked into this binary, as `pilot version` reports them.
struct LinkedLibraries: Codable, Sendable, Equatable {
    /// libcurl's full version string, naming its TLS library and protocols' helpers.
    var curl: String
    /// libarchive's version string, with the compression libraries it was built with.
    var archive: String
    /// libseccomp's version.
    var seccomp: String

    /// Reads the versions from the libraries themselves.
    static func current() -> LinkedLibraries {
        LinkedLibraries(
            curl: curl_version().map { String(cString: $0) } ?? "unknown",
            archive: archive_version_details().map { String(cString: $0) } ?? "unknown",
            seccomp: SeccompLibrary.version
        )
    }
}
