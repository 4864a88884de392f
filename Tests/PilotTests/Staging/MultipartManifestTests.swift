import Foundation
import Testing
@testable import Pilot

/// The multipart manifest's checks and the completion document, without a server.
@Suite("multipart upload manifest")
struct MultipartManifestTests {
    private func manifest(partSize: Int, parts: Int) -> MultipartManifest {
        MultipartManifest(partSize: partSize, parts: (0..<parts).map { "https://s3/b/k?partNumber=\($0 + 1)" },
                          complete: "https://s3/b/k?uploadId=x")
    }

    @Test("the part count must be ceil(size / part_size), one part for an empty file")
    func partCount() throws {
        let mib = 1 << 20
        try manifest(partSize: 5 * mib, parts: 3).validate(size: 12 * mib)
        try manifest(partSize: 5 * mib, parts: 2).validate(size: 10 * mib)
        try manifest(partSize: 5 * mib, parts: 1).validate(size: 0)
        #expect(throws: StagingError.self) { try manifest(partSize: 5 * mib, parts: 2).validate(size: 12 * mib) }
        #expect(throws: StagingError.self) { try manifest(partSize: 5 * mib, parts: 3).validate(size: 10 * mib) }
        #expect(throws: StagingError.self) { try manifest(partSize: 0, parts: 1).validate(size: 10) }
    }

    @Test("parts under 5 MiB only when there is a single part")
    func partSize() throws {
        try manifest(partSize: 1024, parts: 1).validate(size: 1000)
        #expect(throws: StagingError.self) { try manifest(partSize: 1024, parts: 2).validate(size: 2000) }
        do {
            try manifest(partSize: 1024, parts: 2).validate(size: 2000)
        } catch {
            #expect(error.exitCode == .usage)
            #expect(error.description.contains("5 MiB"))
        }
    }

    @Test("the manifest decodes from the JSON a signing service hands out")
    func decoding() throws {
        let json = #"{"part_size": 5242880, "parts": ["https://a/1", "https://a/2"], "complete": "https://a/c"}"#
        let decoded = try JSONDecoder().decode(MultipartManifest.self, from: Data(json.utf8))
        #expect(decoded == MultipartManifest(partSize: 5_242_880, parts: ["https://a/1", "https://a/2"], complete: "https://a/c"))
    }

    @Test("the completion document numbers the parts from 1 and keeps each ETag's quotes")
    func completionXML() {
        let xml = SignedURLUploader.completionXML(etags: ["\"aa\"", "\"bb\""])
        #expect(xml == "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"aa\"</ETag></Part>"
                    + "<Part><PartNumber>2</PartNumber><ETag>\"bb\"</ETag></Part></CompleteMultipartUpload>")
        #expect(SignedURLUploader.unquoted("&quot;abc-3&quot;") == "abc-3")
        #expect(SignedURLUploader.unquoted("\"abc-3\"") == "abc-3")
    }

    @Test("pilot stage put wants a URL or --parts, not both, not neither (64)")
    func arguments() throws {
        let neither = try PilotBinary.run(["stage", "put", "/etc/hostname"])
        #expect(neither.status == 64, "\(neither.stderr)")
        let both = try PilotBinary.run(["stage", "put", "/etc/hostname", "https://a/b", "--parts", "/nonexistent.json"])
        #expect(both.status == 64, "\(both.stderr)")
        let missing = try PilotBinary.run(["stage", "put", "/etc/hostname", "--parts", "/nonexistent.json"])
        #expect(missing.status == 64, "\(missing.stderr)")
        #expect(missing.stderr.contains("manifest"), "\(missing.stderr)")
    }
}
