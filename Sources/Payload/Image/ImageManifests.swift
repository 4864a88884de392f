/// The JSON documents of an OCI image layout and of a `docker save` archive, as far as pilot
/// reads them (OCI image-spec v1.1: image-layout.md, image-index.md, manifest.md, descriptor.md;
/// docker's image/spec v1.2 for `manifest.json`).

/// `oci-layout` at the top of an OCI image layout.
struct OCILayoutMarker: Decodable {
    /// `1.0.0` for every layout written so far.
    var imageLayoutVersion: String
}

/// A content descriptor: what a blob is, its digest and size.
struct OCIDescriptor: Decodable, Equatable {
    /// What the blob is (index, manifest, layer); optional in old documents.
    var mediaType: String?
    /// `algorithm:hex`.
    var digest: String
    /// The blob's size in bytes.
    var size: Int64?
    /// For a manifest listed in an index: the platform it was built for.
    var platform: OCIPlatform?
    /// Free-form labels (BuildKit marks attestations here).
    var annotations: [String: String]?

    /// BuildKit lists attestations (SBOM, provenance) as manifests for `unknown/unknown`.
    var isAttestation: Bool {
        annotations?["vnd.docker.reference.type"] == "attestation-manifest"
    }
}

/// The platform a manifest in an index was built for.
struct OCIPlatform: Decodable, Equatable, CustomStringConvertible {
    /// `amd64`, `arm64`, …
    var architecture: String
    /// `linux` for every image pilot can run.
    var os: String
    /// `v8` and the like, for ARM.
    var variant: String?

    var description: String { "\(os)/\(architecture)" + (variant.map { "/\($0)" } ?? "") }
}

/// `index.json`, or an image index blob (docker's "manifest list" has the same shape).
struct OCIIndex: Decodable {
    /// The index's own media type, when it states it.
    var mediaType: String?
    /// The manifests (or nested indexes) it lists.
    var manifests: [OCIDescriptor]
}

/// An image manifest: the config and the layers, lowest first.
struct OCIManifest: Decodable {
    /// The manifest's own media type, when it states it.
    var mediaType: String?
    /// The image config (not needed to build the root file system, but pinned by the digest).
    var config: OCIDescriptor
    /// The layers, lowest first.
    var layers: [OCIDescriptor]
}

/// Enough of a blob to tell an index from a manifest when its descriptor has no media type.
struct OCIDocumentShape: Decodable {
    /// The document's own media type, when it states it.
    var mediaType: String?
    /// Present in an index.
    var manifests: [OCIDescriptor]?
    /// Present in a manifest.
    var layers: [OCIDescriptor]?
}

/// One image of a `docker save` archive's `manifest.json` (a JSON array of these).
struct DockerSaveImage: Decodable {
    /// The config file's name in the archive (`<hex>.json`, or `blobs/sha256/<hex>`).
    var config: String
    /// `name:tag`s the image was saved under.
    var repoTags: [String]?
    /// The layer tars' names in the archive, lowest first.
    var layers: [String]

    enum CodingKeys: String, CodingKey {
        case config = "Config"
        case repoTags = "RepoTags"
        case layers = "Layers"
    }
}

/// The part of an image config that pins the layers: the digests of the uncompressed layer tars.
struct DockerImageConfig: Decodable {
    /// `rootfs` of the config.
    struct RootFS: Decodable {
        /// Always `layers`.
        var type: String?
        /// `sha256:<hex>` of each uncompressed layer tar, lowest first.
        var diffIDs: [String]

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    /// The layers' digests.
    var rootfs: RootFS
}

/// The media types pilot knows.
enum ImageMediaType {
    /// An OCI image index.
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    /// An OCI image manifest.
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    /// Docker's manifest list (an index).
    static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// Docker's image manifest, schema 2.
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

    /// Whether a layer of this media type is a tar that libarchive can read (plain, gzip or zstd).
    /// Encrypted layers and artifacts are not.
    static func isUnpackableLayer(_ type: String?) -> Bool {
        guard let type else { return true }
        for prefix in ["application/vnd.oci.image.layer.v1.", "application/vnd.oci.image.layer.nondistributable.v1."]
        where type.hasPrefix(prefix) {
            return ["tar", "tar+gzip", "tar+zstd"].contains(String(type.dropFirst(prefix.count)))
        }
        return type == "application/vnd.docker.image.rootfs.diff.tar.gzip"
            || type == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
            || type == "application/vnd.docker.image.rootfs.diff.tar"
    }
}

/// A `sha256:<64 hex>` digest; other algorithms are refused as unsupported.
struct ImageDigest: Hashable, CustomStringConvertible {
    /// The 64 lowercase hex digits.
    var hex: String

    /// The digest in `algorithm:hex` text, nil when it is not a well-formed SHA-256.
    init?(_ text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = String(text.dropFirst("sha256:".count))
        guard Self.isHex64(hex) else { return nil }
        self.hex = hex
    }

    /// A digest from its hex digits.
    init?(hex: String) {
        guard Self.isHex64(hex) else { return nil }
        self.hex = hex
    }

    var description: String { "sha256:" + hex }

    /// Where an OCI layout keeps the blob.
    var blobPath: String { "blobs/sha256/" + hex }

    /// Whether text is exactly 64 lowercase hex digits.
    static func isHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
