import Testing

@testable import Pilot

/// `pilot version --json` is read by the static-build scripts and by sites, so its keys are fixed.
@Suite struct BuildInfoTests {
    @Test func jsonUsesDocumentedKeys() throws {
        let json = try JSONOutput.encode(BuildInfo.current())
        for key in ["\"version\"", "\"arch\"", "\"statically_linked\"", "\"libraries\"", "\"curl\"", "\"archive\"", "\"seccomp\""] {
            #expect(json.contains(key), "missing \(key) in \(json)")
        }
    }

    @Test func linkedLibrariesReportVersions() {
        let libraries = LinkedLibraries.current()
        #expect(libraries.curl.hasPrefix("libcurl/"))
        #expect(libraries.archive.hasPrefix("libarchive "))
        #expect(libraries.seccomp.split(separator: ".").count == 3)
    }
}
