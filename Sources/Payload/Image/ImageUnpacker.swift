/// Reads an image archive and unpacks it into a directory.
///
/// An OCI layout or `docker save` archive is read in passes: one over the headers (keeping the
/// JSON documents and other small files), then as many as the layers need, each layer streamed
/// out of the outer tar into its own reader while its SHA-256 is computed, so no blob is ever
/// copied to disk. An uncompressed outer tar is skipped over by seeking, so the extra passes cost
/// little. A plain rootfs archive is one layer: the archive itself.
struct ImageUnpacker {
    /// The archive file.
    var archive: String
    /// Keep the archive's numeric owners (as root).
    var keepOwners: Bool

    /// Files kept in memory by the first pass: manifests, configs, tiny layers.
    static let smallFileLimit: Int64 = 512 * 1024
    /// The most the first pass keeps in memory in all.
    static let smallFilesBudget: Int64 = 64 * 1024 * 1024

    /// What the archive is, with its listing (whose small files the unpack reuses).
    struct Inspection {
        /// The format, layers and key.
        var plan: ImagePlan
        /// The first pass's listing, with the small blobs' bytes.
        var listing: ArchiveListing
    }

    /// One pass over the headers, then the plan. Stops early at the first entry no image layout
    /// has (a rootfs archive's `bin/`), before reading the rest of a compressed archive.
    func inspect() throws(ImageError) -> Inspection {
        let reader = try open()
        var listing = ArchiveListing()
        var kept: Int64 = 0
        var sawLayoutMarker = false
        while let entry = try next(reader) {
            guard let name = entry.name, let parts = try? EntryPath.components(of: name) else { continue }
            let path = EntryPath.joined(parts)
            if !ArchiveListing.isLayoutName(parts) {
                listing.sawForeignEntry = true
                if !sawLayoutMarker { break }
                continue
            }
            if path == "oci-layout" || path == "manifest.json" { sawLayoutMarker = true }
            guard entry.kind == .regular else { continue }
            listing.sizes[path] = entry.size
            if entry.size <= Self.smallFileLimit, kept + entry.size <= Self.smallFilesBudget {
                do { listing.contents[path] = try reader.readAll(limit: Int(Self.smallFileLimit)) } catch {
                    throw .unreadableArchive(archive: archive, reason: "\(path): \(error.message)")
                }
                kept += entry.size
            }
        }
        let plan = try ImagePlanner(archive: archive).plan(listing)
        return Inspection(plan: plan, listing: listing)
    }

    /// The SHA-256 of the whole archive file: a rootfs archive's cache key.
    func fileDigest() throws(ImageError) -> String {
        let source = HashingSource(try FileSource(path: archive))
        do { return try source.finish() } catch {
            throw .unreadableArchive(archive: archive, reason: error.message)
        }
    }

    /// Unpacks the image into `root` (an existing, empty, symlink-free directory).
    /// `rootfsDigest` is a rootfs archive's expected SHA-256, checked as it is read.
    func unpack(_ inspection: Inspection, into root: String, rootfsDigest: String) throws(ImageError) {
        let plan = inspection.plan
        guard plan.format != .rootfsArchive else {
            let source = HashingSource(try FileSource(path: archive))
            try applyLayer(from: source, label: "rootfs", root: root)
            try check(source, digest: rootfsDigest, size: nil, blob: archive)
            return
        }
        var next = 0
        while next < plan.layers.count {
            if let bytes = inspection.listing.contents[plan.layers[next].path] {
                try applyBlob(plan.layers[next], from: MemorySource(bytes), root: root)
                next += 1
                continue
            }
            let before = next
            let reader = try open()
            while next < plan.layers.count, let entry = try self.next(reader) {
                guard entry.kind == .regular, let name = entry.name,
                      let parts = try? EntryPath.components(of: name),
                      EntryPath.joined(parts) == plan.layers[next].path
                else { continue }
                let layer = plan.layers[next]
                if let size = layer.size, size != entry.size {
                    throw .sizeMismatch(archive: archive, blob: layer.path, expected: size, actual: entry.size)
                }
                try applyBlob(layer, from: reader, root: root)
                next += 1
            }
            guard next > before else {
                throw .malformedImage(archive: archive, reason: "\(plan.layers[next].path) is not in the archive")
            }
        }
    }

    /// Applies one layer blob, then checks its size and digest against the manifest. A blob
    /// that fails the check has been written into the temporary root, which the caller removes.
    private func applyBlob(_ layer: LayerBlob, from source: ByteSource, root: String) throws(ImageError) {
        let hashing = HashingSource(source)
        try applyLayer(from: hashing, label: layer.label, root: root)
        try check(hashing, digest: layer.digest.hex, size: layer.size, blob: layer.path)
    }

    private func applyLayer(from source: ByteSource, label: String, root: String) throws(ImageError) {
        let reader: ArchiveReader
        do { reader = try ArchiveReader(source: source) } catch {
            throw .unreadableArchive(archive: archive, reason: "\(label): \(error.message)")
        }
        try LayerApplier(root: root, archive: archive, layer: label, keepOwners: keepOwners).apply(reader)
    }

    private func check(_ source: HashingSource, digest: String, size: Int64?, blob: String) throws(ImageError) {
        let actual: String
        do { actual = try source.finish() } catch {
            throw .unreadableArchive(archive: archive, reason: "\(blob): \(error.message)")
        }
        if let size, size != source.count {
            throw .sizeMismatch(archive: archive, blob: blob, expected: size, actual: source.count)
        }
        guard actual == digest else {
            throw .digestMismatch(archive: archive, blob: blob, expected: "sha256:" + digest, actual: actual)
        }
    }

    private func open() throws(ImageError) -> ArchiveReader {
        do { return try ArchiveReader(path: archive) } catch {
            throw .unreadableArchive(archive: archive, reason: error.message)
        }
    }

    private func next(_ reader: ArchiveReader) throws(ImageError) -> ArchiveEntry? {
        do { return try reader.next() } catch {
            throw .unreadableArchive(archive: archive, reason: error.message)
        }
    }
}
