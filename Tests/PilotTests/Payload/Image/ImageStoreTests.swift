import Foundation
import Testing
@testable import Payload
#if canImport(Glibc)
import Glibc
#endif

/// Real busybox images in every format, unpacked through the public API into a fresh cache.
@Suite("ImageStore unpacks busybox images", .enabled(if: TestImages.toolsPresent, TestImages.skipReason))
struct ImageStoreTests {
    static func images() throws -> TestImages { try TestImages.shared.get() }

    /// What the two layers of oci.tar and docker.tar make together.
    static func expectTwoLayerTree(_ root: String) throws {
        let busybox = try #require(TestImages.status(root + "/bin/busybox"))
        #expect(busybox.st_mode & S_IFMT == S_IFREG && busybox.st_mode & 0o111 != 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sh") == "busybox")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/mtab") == "/proc/mounts")
        // Whiteout: gone; opaque directory: only the upper layer's file, though the marker came after it.
        #expect(TestImages.status(root + "/etc/removed.txt") == nil)
        #expect(TestImages.status(root + "/var/cache/app") == nil)
        #expect(TestImages.status(root + "/var/cache") != nil)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/hostname") == "/proc/sys/kernel/hostname")
        #expect(TestImages.listing(root + "/opt/data") == ["upper.txt"])
        #expect(try String(contentsOfFile: root + "/opt/data/upper.txt", encoding: .utf8) == "upper\n")
        #expect(try String(contentsOfFile: root + "/etc/added.txt", encoding: .utf8) == "added by the upper layer\n")
        #expect(TestImages.listing(root + "/etc").filter { $0.hasPrefix(".wh.") }.isEmpty)
        // Hard link inside the image; mtime, mode (setuid/setgid dropped) kept.
        let readme = try #require(TestImages.status(root + "/usr/share/doc/readme"))
        let link = try #require(TestImages.status(root + "/usr/share/doc/readme.link"))
        #expect(readme.st_ino == link.st_ino && readme.st_nlink == 2)
        #expect(readme.st_mtim.tv_sec == 1_600_000_000)
        #expect(readme.st_mode & 0o7777 == 0o640)
        #expect(try #require(TestImages.status(root + "/usr/local/bin/suid")).st_mode & 0o7777 == 0o755)
        #expect(try #require(TestImages.status(root + "/tmp")).st_mode & 0o7777 == 0o1777)
        #expect(try #require(TestImages.status(root)).st_mode & 0o7777 == 0o755)
    }

    @Test func ociLayoutUnpacksTwoLayersWithWhiteoutsIntoTheCache() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let start = ContinuousClock.now
        let root = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive("oci.tar"))
        print("busybox OCI image (2 layers, gzip lower) unpacked in \(ContinuousClock.now - start)")
        #expect(root == (try FileTree.realPath(cache.path)) + "/rootfs/" + images.ociManifestDigest)
        try Self.expectTwoLayerTree(root)
        #expect(TestImages.listing(cache.path + "/rootfs") == [images.ociManifestDigest])
    }

    @Test(arguments: ["docker.tar", "docker.tar.gz"])
    func dockerSaveUnpacksTheSameTree(name: String) throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let start = ContinuousClock.now
        let root = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive(name))
        print("busybox docker-save image \(name) (2 plain layers) unpacked in \(ContinuousClock.now - start)")
        try Self.expectTwoLayerTree(root)
    }

    @Test(arguments: ["rootfs.tar.gz", "rootfs.tar.xz", "rootfs.tar.bz2", "rootfs.tar.zst"])
    func plainRootfsArchiveIsOneLayerKeyedByItsDigest(name: String) throws {
        let images = try Self.images()
        guard name != "rootfs.tar.zst" || FileManager.default.fileExists(atPath: images.archive(name)) else {
            print("rootfs.tar.zst not made: the zstd command is not installed")
            return
        }
        let cache = try ScratchDirectory()
        let root = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive(name))
        let digest = SHA256.hex(of: Array(try Data(contentsOf: URL(fileURLWithPath: images.archive(name)))))
        #expect(root.hasSuffix("/rootfs/" + digest))
        #expect(TestImages.status(root + "/bin/busybox") != nil)
        #expect(TestImages.status(root + "/etc/removed.txt") != nil)
        #expect(TestImages.status(root + "/var/cache/app/file") != nil)
        #expect(TestImages.listing(root + "/opt/data") == ["lower.txt", "sub"])
    }

    @Test func secondCallReusesTheUnpackedTree() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let first = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive("oci.tar"))
        let before = try #require(TestImages.status(first))
        let busyboxBefore = try #require(TestImages.status(first + "/bin/busybox"))
        let start = ContinuousClock.now
        // A new store, as the next job would make; then a copy of the archive at another path.
        let second = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive("oci.tar"))
        print("busybox OCI image found in the cache in \(ContinuousClock.now - start)")
        let copy = cache.path + "/elsewhere.tar"
        try FileManager.default.copyItem(atPath: images.archive("oci.tar"), toPath: copy)
        let third = try ImageStore(cacheDirectory: cache.path).rootfs(for: copy)
        #expect(second == first && third == first)
        let after = try #require(TestImages.status(first))
        #expect(after.st_ino == before.st_ino && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        #expect(try #require(TestImages.status(first + "/bin/busybox")).st_ino == busyboxBefore.st_ino)
        #expect(TestImages.listing(cache.path + "/rootfs") == [images.ociManifestDigest])
    }

    @Test func concurrentCallersShareOneUnpack() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let results = Results()
        let (cachePath, archive) = (cache.path, images.archive("docker.tar"))
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            results.add(Result { () throws(ImageError) in
                try ImageStore(cacheDirectory: cachePath).rootfs(for: archive)
            })
        }
        let paths = try results.all().map { try $0.get() }
        #expect(paths.count == 4 && Set(paths).count == 1)
        #expect(TestImages.listing(cache.path + "/rootfs").count == 1)
        try Self.expectTwoLayerTree(try #require(paths.first))
    }

    @Test func killedUnpacksAreCleanedUpButLiveOnesAreLeftAlone() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let (dead, live) = (String(repeating: "d", count: 64), String(repeating: "e", count: 64))
        for key in [dead, live, images.ociManifestDigest] {
            try FileManager.default.createDirectory(atPath: cache.path + "/rootfs/.tmp-\(key)-abc123/bin", withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(atPath: cache.path + "/locks", withIntermediateDirectories: true)
        let held = try FileLock(path: cache.path + "/locks/\(live).lock")
        _ = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive("oci.tar"))
        #expect(TestImages.listing(cache.path + "/rootfs") == [".tmp-\(live)-abc123", images.ociManifestDigest])
        withExtendedLifetime(held) {}
    }

    @Test func wrongLayerDigestIsRefusedAndNothingIsCached() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let archive = images.archive("oci-bad-digest.tar")
        let error = try #require(throws: ImageError.self) {
            try ImageStore(cacheDirectory: cache.path).rootfs(for: archive)
        }
        guard case .digestMismatch(let where_, let blob, let expected, _) = error else {
            Issue.record("expected a digest mismatch, got \(error)")
            return
        }
        #expect(where_ == archive)
        #expect(blob == "blobs/sha256/" + images.ociLayerDigests[1])
        #expect(expected == "sha256:" + images.ociLayerDigests[1])
        #expect(TestImages.listing(cache.path + "/rootfs") == [])
    }

    @Test func directoryImageIsUsedInPlace() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let store = ImageStore(cacheDirectory: cache.path + "/never-made")
        #expect(try store.rootfs(for: images.rootfs) == images.rootfs)
        #expect(TestImages.status(cache.path + "/never-made") == nil)
    }

    @Test func badImagesAreNamedInTheError() throws {
        let cache = try ScratchDirectory()
        let store = ImageStore(cacheDirectory: cache.path + "/cache")
        #expect(throws: ImageError.notFound(image: cache.path + "/nothing")) { try store.rootfs(for: cache.path + "/nothing") }
        try FileManager.default.createDirectory(atPath: cache.path + "/empty/etc", withIntermediateDirectories: true)
        #expect(throws: ImageError.notARoot(image: cache.path + "/empty", reason: "it has neither bin nor usr at its top")) {
            try store.rootfs(for: cache.path + "/empty")
        }
        try "not a tar".write(toFile: cache.path + "/text.tar", atomically: false, encoding: .utf8)
        let error = try #require(throws: ImageError.self) { try store.rootfs(for: cache.path + "/text.tar") }
        guard case .unreadableArchive(let archive, _) = error else {
            Issue.record("expected an unreadable archive, got \(error)")
            return
        }
        #expect(archive == cache.path + "/text.tar")
        #expect(TestImages.listing(cache.path + "/cache/rootfs") == [])
    }

    @Test(.enabled(if: geteuid() == 0, "keeping the archive's numeric owners needs root"))
    func rootKeepsNumericOwners() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let root = try ImageStore(cacheDirectory: cache.path).rootfs(for: images.archive("oci.tar"))
        let readme = try #require(TestImages.status(root + "/usr/share/doc/readme"))
        #expect(readme.st_uid == 1234 && readme.st_gid == 5678)
    }

    @Test(.enabled(if: geteuid() == 0, "as root the caller's-owner mode is asked for; it differs from the default only for root"))
    func callerOwnsFilesWhenOwnersAreNotKept() throws {
        let images = try Self.images()
        let cache = try ScratchDirectory()
        let root = try ImageStore(cacheDirectory: cache.path, keepOwners: false).rootfs(for: images.archive("oci.tar"))
        let readme = try #require(TestImages.status(root + "/usr/share/doc/readme"))
        #expect(readme.st_uid == geteuid() && readme.st_gid == getegid())
        #expect(try #require(TestImages.status(root + "/usr/local/bin/suid")).st_mode & 0o7777 == 0o755)
        try Self.expectTwoLayerTree(root)
    }
}

/// Results gathered from threads.
private final class Results: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var values: [Result<String, ImageError>] = []

    func add(_ value: Result<String, ImageError>) { lock.withLock { values.append(value) } }
    func all() -> [Result<String, ImageError>] { lock.withLock { values } }
}
