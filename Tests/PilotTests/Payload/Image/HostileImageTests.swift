import Foundation
import Testing
@testable import Payload
#if canImport(Glibc)
import Glibc
#endif

/// One hostile archive and the refusal it must get.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var archive: String
    /// The entry name as the archive spells it; `SENTINEL` stands for the sentinel's path.
    var entry: String
    var reason: UnsafeEntry
    var testDescription: String { archive }
}

/// Archives that try to write outside the image: each is refused with the error naming the
/// archive, the layer and the entry, the sentinel directory they aim at is untouched, and no
/// partial root is left in the cache. Serialized: they share one cache, which must stay empty.
@Suite("ImageStore refuses hostile archives", .serialized, .enabled(if: TestImages.toolsPresent, TestImages.skipReason))
struct HostileImageTests {
    static let cases: [HostileCase] = [
        HostileCase(archive: "escape.tar", entry: "../../../sentinel/escape", reason: .parentComponent),
        HostileCase(archive: "abs.tar", entry: "SENTINEL/abs", reason: .absolutePath),
        HostileCase(archive: "symlink-climb.tar", entry: "link", reason: .symlinkEscapes(target: "../../..")),
        HostileCase(archive: "symlink-abs.tar", entry: "link/passwd", reason: .throughSymlink("link")),
        HostileCase(archive: "symlink-etc.tar", entry: "link/passwd", reason: .throughSymlink("link")),
        HostileCase(archive: "hardlink.tar", entry: "stolen", reason: .hardlinkOutside(target: "../../../sentinel/keep.txt")),
        HostileCase(archive: "chardev.tar", entry: "dev/null", reason: .deviceNode),
    ]

    /// The refusal `archive` gets from a store on the shared hostile cache.
    static func refusal(_ archive: String, _ images: TestImages) throws -> ImageError {
        try #require(throws: ImageError.self) {
            try ImageStore(cacheDirectory: images.hostileCache).rootfs(for: archive)
        }
    }

    /// The sentinel holds keep.txt, unchanged and with no second link; the cache holds no root.
    static func expectNothingWritten(_ images: TestImages) throws {
        #expect(TestImages.listing(images.sentinel) == ["keep.txt"])
        let keep = try #require(TestImages.status(images.sentinel + "/keep.txt"))
        #expect(keep.st_nlink == 1)
        #expect(try String(contentsOfFile: images.sentinel + "/keep.txt", encoding: .utf8) == "keep\n")
        #expect(TestImages.listing(images.hostileCache + "/rootfs") == [])
    }

    @Test(arguments: cases)
    func refusedWithNothingWrittenOutside(_ hostile: HostileCase) throws {
        let images = try TestImages.shared.get()
        let passwd = TestImages.status("/etc/passwd")
        let archive = images.archive(hostile.archive)
        let error = try Self.refusal(archive, images)
        let entry = hostile.entry.replacingOccurrences(of: "SENTINEL", with: images.sentinel)
        #expect(error == .unsafeEntry(archive: archive, layer: "rootfs", entry: entry, reason: hostile.reason))
        #expect(error.description.contains(archive) && error.description.contains(entry))
        try Self.expectNothingWritten(images)
        let after = TestImages.status("/etc/passwd")
        #expect(after?.st_ino == passwd?.st_ino && after?.st_mtim.tv_sec == passwd?.st_mtim.tv_sec && after?.st_size == passwd?.st_size)
    }

    @Test func upperLayerCannotWriteThroughALowerLayersSymlink() throws {
        let images = try TestImages.shared.get()
        let archive = images.archive("oci-hostile.tar")
        let error = try Self.refusal(archive, images)
        guard case .unsafeEntry(let named, let layer, let entry, let reason) = error else {
            Issue.record("expected an unsafe entry, got \(error)")
            return
        }
        #expect(named == archive)
        #expect(layer.hasPrefix("layer 2 of 2 (sha256:"))
        #expect(entry == "data/planted")
        #expect(reason == .throughSymlink("data"))
        try Self.expectNothingWritten(images)
    }

    @Test func laterEntriesReplaceSymlinksInsteadOfWritingThroughThem() throws {
        let images = try TestImages.shared.get()
        let cache = try ScratchDirectory()
        let root = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive("replace-links.tar"))
        #expect(try String(contentsOfFile: root + "/victim", encoding: .utf8) == "replaced\n")
        #expect(try #require(TestImages.status(root + "/dirlink")).st_mode & S_IFMT == S_IFDIR)
        #expect(TestImages.listing(root + "/dirlink") == ["inside"])
        try Self.expectNothingWritten(images)
    }
}
