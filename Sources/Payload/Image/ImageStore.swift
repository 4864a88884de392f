#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// Turns an image reference into a directory the container runtime can use as its `/`.
///
/// An image is a directory (an unpacked image, e.g. on CVMFS: used in place, never modified) or an
/// archive: an OCI image layout tarball, a `docker save` tarball, or a plain rootfs tarball, told
/// apart by their contents. Archives are unpacked once into the cache and reused by every later
/// job; see `ImageCache` for the layout and `LayerApplier` for what is refused.
public struct ImageStore: Sendable {
    /// Where unpacked images are kept; created when missing.
    public let cacheDirectory: String
    /// Keep the archives' numeric owners (true when running as root).
    let keepOwners: Bool
    private let logger: Logger

    /// A store caching under `cacheDirectory`. As root, unpacked files keep the archive's numeric
    /// owners; otherwise they belong to the caller.
    public init(cacheDirectory: String, logger: Logger = Logger(label: "pilot.image")) {
        self.init(cacheDirectory: cacheDirectory, keepOwners: geteuid() == 0, logger: logger)
    }

    /// A store with the owner policy chosen (tests use it to check the caller's-owner mode as root).
    init(cacheDirectory: String, keepOwners: Bool, logger: Logger = Logger(label: "pilot.image")) {
        self.cacheDirectory = cacheDirectory
        self.keepOwners = keepOwners
        self.logger = logger
    }

    /// The root file system for `image`: the directory itself, or the cached unpacked archive
    /// (unpacked now when it is not cached yet). Safe to call from many threads and processes.
    public func rootfs(for image: String) throws(ImageError) -> String {
        var info = stat()
        guard stat(image, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .notFound(image: image) }
            throw .systemCall("stat", image)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if let problem = try Self.rootProblem(image) { throw .notARoot(image: image, reason: problem) }
            return image
        case S_IFREG:
            return try unpacked(image, info)
        default:
            throw .unsupportedImage(image: image, reason: "neither a directory nor a regular file")
        }
    }

    /// Why a directory does not look like a `/` (no `bin` and no `usr` at its top), nil when it does.
    static func rootProblem(_ directory: String) throws(ImageError) -> String? {
        if try FileTree.kind(directory + "/bin") != .missing { return nil }
        if try FileTree.kind(directory + "/usr") == .directory { return nil }
        return "it has neither bin nor usr at its top"
    }

    private func unpacked(_ archive: String, _ info: stat) throws(ImageError) -> String {
        let cache = try ImageCache(directory: cacheDirectory)
        let identity = ImageCache.identity(of: info)
        if let key = cache.rememberedKey(identity), let path = try cache.existing(key) {
            return path
        }

        let start = ContinuousClock.now
        let unpacker = ImageUnpacker(archive: archive, keepOwners: keepOwners)
        let inspection = try unpacker.inspect()
        var key = inspection.plan.key
        if inspection.plan.format == .rootfsArchive {
            key = try unpacker.fileDigest()
        }
        var after = stat()
        if stat(archive, &after) == 0, ImageCache.identity(of: after) == identity {
            cache.remember(key, for: identity)
        }

        let result = try cache.rootfs(key) { (root: String) throws(ImageError) in
            try unpacker.unpack(inspection, into: root, rootfsDigest: key)
            if inspection.plan.format == .rootfsArchive, let problem = try Self.rootProblem(root) {
                throw .notARoot(image: archive, reason: problem)
            }
        }
        if result.unpacked {
            logger.info("unpacked image", metadata: [
                "image": "\(archive)", "format": "\(inspection.plan.format.rawValue)",
                "layers": "\(max(inspection.plan.layers.count, 1))", "rootfs": "\(result.path)",
                "seconds": "\((ContinuousClock.now - start).seconds)",
            ])
        }
        return result.path
    }
}

private extension Duration {
    /// The duration in seconds, to the millisecond.
    var seconds: Double {
        let (whole, attoseconds) = components
        return ((Double(whole) + Double(attoseconds) / 1e18) * 1000).rounded() / 1000
    }
}
