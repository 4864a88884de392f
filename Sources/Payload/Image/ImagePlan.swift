import FoundationEssentials

/// What one pass over an archive's headers saw: every regular file's size, and the contents of
/// the small ones (the JSON documents and small blobs).
struct ArchiveListing {
    /// Normalized name → size, for every regular file.
    var sizes: [String: Int64] = [:]
    /// Normalized name → contents, for the files small enough to keep.
    var contents: [String: [UInt8]] = [:]
    /// Whether an entry that no image layout has was seen (a plain rootfs archive's `bin/`).
    var sawForeignEntry = false

    /// Whether a top-level name belongs to an OCI layout or a `docker save` archive.
    static func isLayoutName(_ components: [String]) -> Bool {
        guard let first = components.first else { return true }
        switch first {
        case "oci-layout", "index.json", "manifest.json", "repositories", "blobs": return true
        default:
            return ImageDigest.isHex64(first)
                || (first.hasSuffix(".json") && ImageDigest.isHex64(String(first.dropLast(5))))
        }
    }
}

/// One layer to unpack: where its blob is in the archive and the digest it must have.
struct LayerBlob: Equatable {
    /// The blob's normalized name inside the archive.
    var path: String
    /// The SHA-256 of the blob's bytes as stored (compressed or not).
    var digest: ImageDigest
    /// The size the manifest names, when it names one.
    var size: Int64?
    /// `layer 2 of 3 (sha256:…)`, for messages.
    var label: String
}

/// An image archive's kind and, for the layered kinds, its layers and cache key.
struct ImagePlan: Equatable {
    /// How the archive is laid out, detected from its contents.
    enum Format: String, Equatable {
        /// `oci-layout`, `index.json` and `blobs/sha256/`.
        case ociLayout = "OCI image layout"
        /// `manifest.json` with `Config` and `Layers`.
        case dockerSave = "docker save archive"
        /// Anything else: the archive is the root file system.
        case rootfsArchive = "rootfs archive"
    }

    /// The layout detected.
    var format: Format
    /// The content key: the manifest digest (OCI) or the config digest (docker), each of which
    /// pins every layer's digest. Empty for a rootfs archive, whose key is its own SHA-256.
    var key: String
    /// The layers, lowest first; empty for a rootfs archive (the archive is its own one layer).
    var layers: [LayerBlob]
}

/// Turns an archive listing into a plan. Pure: the blobs it reads are in the listing.
struct ImagePlanner {
    /// The archive, for messages.
    var archive: String
    /// The node's architecture as OCI platforms spell it (`amd64`, `arm64`).
    var architecture: String = ImagePlanner.hostArchitecture

    /// This machine's architecture in OCI terms.
    static var hostArchitecture: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }

    /// The plan for an archive's listing; the format comes from the names and JSON inside, never
    /// from the archive's file name.
    func plan(_ listing: ArchiveListing) throws(ImageError) -> ImagePlan {
        if listing.sizes["oci-layout"] != nil {
            return try ociPlan(listing)
        }
        if let data = listing.contents["manifest.json"],
           let images = try? JSONDecoder().decode([DockerSaveImage].self, from: Data(data)) {
            return try dockerPlan(images, listing)
        }
        return ImagePlan(format: .rootfsArchive, key: "", layers: [])
    }

    // MARK: - OCI image layout

    private func ociPlan(_ listing: ArchiveListing) throws(ImageError) -> ImagePlan {
        let marker: OCILayoutMarker = try decode("oci-layout", listing)
        guard marker.imageLayoutVersion.hasPrefix("1.") else {
            throw .unsupported(archive: archive, reason: "image layout version \(marker.imageLayoutVersion)")
        }
        let index: OCIIndex = try decode("index.json", listing)
        let manifestDescriptor = try resolveManifest(in: index, listing, depth: 0)
        let manifestDigest = try digest(of: manifestDescriptor)
        let manifestBytes = try blob(manifestDescriptor, listing)
        let manifest: OCIManifest = try decode(manifestDigest.blobPath, from: manifestBytes)
        var layers: [LayerBlob] = []
        for (number, layer) in manifest.layers.enumerated() {
            guard ImageMediaType.isUnpackableLayer(layer.mediaType) else {
                throw .unsupported(archive: archive, reason: "layer media type \(layer.mediaType ?? "")")
            }
            let layerDigest = try digest(of: layer)
            try requirePresent(layerDigest.blobPath, listing)
            layers.append(LayerBlob(
                path: layerDigest.blobPath, digest: layerDigest, size: layer.size,
                label: "layer \(number + 1) of \(manifest.layers.count) (\(layerDigest))"))
        }
        return ImagePlan(format: .ociLayout, key: manifestDigest.hex, layers: layers)
    }

    /// Follows indexes down to the one manifest for this node's platform.
    private func resolveManifest(in index: OCIIndex, _ listing: ArchiveListing, depth: Int) throws(ImageError) -> OCIDescriptor {
        guard depth < 4 else { throw .malformedImage(archive: archive, reason: "image indexes nested too deep") }
        let candidates = index.manifests.filter { !$0.isAttestation }
        let chosen: OCIDescriptor
        if candidates.count == 1, let only = candidates.first, only.platform == nil || matches(only.platform) {
            chosen = only
        } else if let match = candidates.first(where: { matches($0.platform) }) {
            chosen = match
        } else {
            let offered = candidates.map { $0.platform?.description ?? "unspecified" }.joined(separator: ", ")
            throw .unsupported(archive: archive, reason: "no manifest for linux/\(architecture) (offered: \(offered.isEmpty ? "none" : offered))")
        }
        switch chosen.mediaType {
        case ImageMediaType.ociManifest, ImageMediaType.dockerManifest:
            return chosen
        case ImageMediaType.ociIndex, ImageMediaType.dockerManifestList:
            let nested: OCIIndex = try decode(try digest(of: chosen).blobPath, from: try blob(chosen, listing))
            return try resolveManifest(in: nested, listing, depth: depth + 1)
        default:
            let bytes = try blob(chosen, listing)
            let shape: OCIDocumentShape = try decode(try digest(of: chosen).blobPath, from: bytes)
            if shape.layers != nil { return chosen }
            if shape.manifests != nil {
                let nested: OCIIndex = try decode(try digest(of: chosen).blobPath, from: bytes)
                return try resolveManifest(in: nested, listing, depth: depth + 1)
            }
            throw .unsupported(archive: archive, reason: "manifest media type \(chosen.mediaType ?? "none")")
        }
    }

    /// Whether a platform is this node's (linux and the same architecture); nil matches.
    private func matches(_ platform: OCIPlatform?) -> Bool {
        guard let platform else { return true }
        return platform.os == "linux" && platform.architecture == architecture
    }

    // MARK: - docker save

    private func dockerPlan(_ images: [DockerSaveImage], _ listing: ArchiveListing) throws(ImageError) -> ImagePlan {
        guard images.count == 1, let image = images.first else {
            throw .unsupported(archive: archive, reason: "manifest.json lists \(images.count) images; pilot needs exactly one")
        }
        let configPath = normalized(image.config)
        let configName = configPath.split(separator: "/").last.map(String.init) ?? ""
        let hexName = configName.hasSuffix(".json") ? String(configName.dropLast(5)) : configName
        guard let configDigest = ImageDigest(hex: hexName) else {
            throw .malformedImage(archive: archive, reason: "config \(image.config) is not named by its digest")
        }
        let configBytes = try contents(configPath, listing)
        try verify(configBytes, digest: configDigest, size: nil, blob: configPath)
        let config: DockerImageConfig = try decode(configPath, from: configBytes)
        guard config.rootfs.diffIDs.count == image.layers.count else {
            throw .malformedImage(archive: archive, reason: "manifest.json lists \(image.layers.count) layers, the config \(config.rootfs.diffIDs.count) diff_ids")
        }
        var layers: [LayerBlob] = []
        for (number, (name, diffID)) in zip(image.layers, config.rootfs.diffIDs).enumerated() {
            guard let layerDigest = ImageDigest(diffID) else {
                throw .unsupported(archive: archive, reason: "diff_id \(diffID)")
            }
            let path = normalized(name)
            if path.hasPrefix("blobs/sha256/"), path != layerDigest.blobPath {
                throw .malformedImage(archive: archive, reason: "layer \(name) is not the config's diff_id \(diffID)")
            }
            try requirePresent(path, listing)
            layers.append(LayerBlob(
                path: path, digest: layerDigest, size: nil,
                label: "layer \(number + 1) of \(image.layers.count) (\(name))"))
        }
        return ImagePlan(format: .dockerSave, key: configDigest.hex, layers: layers)
    }

    // MARK: - Blobs and JSON

    private func digest(of descriptor: OCIDescriptor) throws(ImageError) -> ImageDigest {
        guard let digest = ImageDigest(descriptor.digest) else {
            throw .unsupported(archive: archive, reason: "digest \(descriptor.digest) (only sha256 is supported)")
        }
        return digest
    }

    /// The verified bytes of a small blob.
    private func blob(_ descriptor: OCIDescriptor, _ listing: ArchiveListing) throws(ImageError) -> [UInt8] {
        let digest = try digest(of: descriptor)
        let bytes = try contents(digest.blobPath, listing)
        try verify(bytes, digest: digest, size: descriptor.size, blob: digest.blobPath)
        return bytes
    }

    private func verify(_ bytes: [UInt8], digest: ImageDigest, size: Int64?, blob: String) throws(ImageError) {
        if let size, size != Int64(bytes.count) {
            throw .sizeMismatch(archive: archive, blob: blob, expected: size, actual: Int64(bytes.count))
        }
        let actual = SHA256.hex(of: bytes)
        guard actual == digest.hex else {
            throw .digestMismatch(archive: archive, blob: blob, expected: digest.description, actual: actual)
        }
    }

    private func requirePresent(_ path: String, _ listing: ArchiveListing) throws(ImageError) {
        guard listing.sizes[path] != nil else {
            throw .malformedImage(archive: archive, reason: "\(path) is not in the archive")
        }
    }

    private func contents(_ path: String, _ listing: ArchiveListing) throws(ImageError) -> [UInt8] {
        if let bytes = listing.contents[path] { return bytes }
        try requirePresent(path, listing)
        throw .malformedImage(archive: archive, reason: "\(path) is too large for a JSON document")
    }

    private func decode<T: Decodable>(_ path: String, _ listing: ArchiveListing) throws(ImageError) -> T {
        try decode(path, from: try contents(path, listing))
    }

    private func decode<T: Decodable>(_ path: String, from bytes: [UInt8]) throws(ImageError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw .malformedImage(archive: archive, reason: "\(path) is not a valid \(T.self): \(error)")
        }
    }

    /// A name from manifest.json as the listing keys it (`./` and `.` dropped).
    private func normalized(_ name: String) -> String {
        EntryPath.joined((try? EntryPath.components(of: name)) ?? [name])
    }
}
