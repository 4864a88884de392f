import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The image archives of `Scripts/make-test-images.py`, built once per test run from a busybox
/// rootfs (`Scripts/make-busybox-rootfs.sh`) in a temporary directory.
///
/// ```
/// BASE/rootfs/     the busybox tree (also a directory image)
/// BASE/out/*.tar*  the archives
/// BASE/sentinel/   keep.txt only: the hostile archives aim here, and it must stay so
/// BASE/cache/      the cache the hostile tests use: a temp root in it is BASE/cache/rootfs/.tmp-…,
///                  so `../../../sentinel` from there is BASE/sentinel
/// ```
final class TestImages: Sendable {
    /// Whether the tools the images need are installed.
    static let toolsPresent: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
    static let skipReason: Comment = "needs python3 and busybox-static (scripts/install-deps.sh)"

    /// The images, built on first use.
    static let shared: Result<TestImages, TestImagesError> = {
        let result = Result { () throws(TestImagesError) in try TestImages() }
        if case .success(let images) = result {
            removeAtExit = images.base
            atexit { if let base = TestImages.removeAtExit { try? FileManager.default.removeItem(atPath: base) } }
        }
        return result
    }()

    /// The directory the images were built in, removed when the test process exits.
    // nonisolated(unsafe): written once inside `shared`'s one-time initializer, read only at exit.
    nonisolated(unsafe) private static var removeAtExit: String?

    let base: String
    /// The manifest digest and the layer digests of `oci.tar`.
    let ociManifestDigest: String
    let ociLayerDigests: [String]

    var rootfs: String { base + "/rootfs" }
    var sentinel: String { base + "/sentinel" }
    var hostileCache: String { base + "/cache" }
    func archive(_ name: String) -> String { base + "/out/" + name }

    private init() throws(TestImagesError) {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-images-\(UUID().uuidString)").path
        let scripts = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts").path
        do {
            try FileManager.default.createDirectory(atPath: base + "/sentinel", withIntermediateDirectories: true)
            try "keep\n".write(toFile: base + "/sentinel/keep.txt", atomically: false, encoding: .utf8)
        } catch {
            throw TestImagesError(step: "mkdir", output: "\(error)")
        }
        _ = try Self.run(["/bin/bash", scripts + "/make-busybox-rootfs.sh", base + "/rootfs"])
        let line = try Self.run(["/usr/bin/python3", scripts + "/make-test-images.py", base + "/rootfs", base + "/out", base + "/sentinel"])
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let manifest = object["manifest"] as? String, let layers = object["layers"] as? [String]
        else { throw TestImagesError(step: "make-test-images.py output", output: line) }
        ociManifestDigest = manifest
        ociLayerDigests = layers
    }

    /// Runs a command; its stdout, or an error with its output when it fails.
    private static func run(_ arguments: [String]) throws(TestImagesError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        do { try process.run() } catch { throw TestImagesError(step: arguments[1], output: "\(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestImagesError(step: arguments[1], output: text) }
        return text
    }

    /// The names in a directory, sorted; empty when it does not exist.
    static func listing(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// `lstat` of a path, nil when it does not exist.
    static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }
}

/// A test image could not be built.
struct TestImagesError: Error, CustomStringConvertible {
    var step: String
    var output: String
    var description: String { "building test images: \(step) failed: \(output)" }
}
