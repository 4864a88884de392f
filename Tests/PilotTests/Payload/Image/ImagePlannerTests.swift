import Foundation
import Testing
@testable import Payload

/// The planner over in-memory listings: which format, which manifest, which layers and digests.
@Suite("Image layouts: OCI index and manifest, docker save manifest.json")
struct ImagePlannerTests {
    static let layerA = [UInt8]("layer a".utf8)
    static let layerB = [UInt8]("layer b".utf8)

    /// A listing holding blobs (named by their digest) and top-level files.
    static func listing(blobs: [[UInt8]], files: [String: String]) -> ArchiveListing {
        var listing = ArchiveListing()
        for blob in blobs {
            let path = "blobs/sha256/" + SHA256.hex(of: blob)
            listing.sizes[path] = Int64(blob.count)
            listing.contents[path] = blob
        }
        for (name, text) in files {
            listing.sizes[name] = Int64(text.utf8.count)
            listing.contents[name] = Array(text.utf8)
        }
        return listing
    }

    static func descriptor(_ blob: [UInt8], _ mediaType: String, platform: String? = nil) -> String {
        let platformJSON = platform.map { p -> String in
            let parts = p.split(separator: "/")
            return #", "platform": {"os": "\#(parts[0])", "architecture": "\#(parts[1])"}"#
        } ?? ""
        return #"{"mediaType": "\#(mediaType)", "digest": "sha256:\#(SHA256.hex(of: blob))", "size": \#(blob.count)\#(platformJSON)}"#
    }

    static func manifest(layers: [[UInt8]], layerType: String = "application/vnd.oci.image.layer.v1.tar+gzip") -> [UInt8] {
        let config = [UInt8]("{}".utf8)
        let layerList = layers.map { descriptor($0, layerType) }.joined(separator: ", ")
        return Array(#"{"schemaVersion": 2, "config": \#(descriptor(config, "application/vnd.oci.image.config.v1+json")), "layers": [\#(layerList)]}"#.utf8)
    }

    static func index(_ entries: [String]) -> String {
        #"{"schemaVersion": 2, "manifests": [\#(entries.joined(separator: ", "))]}"#
    }

    static let marker = #"{"imageLayoutVersion": "1.0.0"}"#
    static let manifestType = "application/vnd.oci.image.manifest.v1+json"
    let planner = ImagePlanner(archive: "/img.tar", architecture: "amd64")

    @Test func ociLayoutGivesLayersInOrderKeyedByManifestDigest() throws {
        let manifest = Self.manifest(layers: [Self.layerA, Self.layerB])
        let listing = Self.listing(blobs: [Self.layerA, Self.layerB, manifest], files: [
            "oci-layout": Self.marker, "index.json": Self.index([Self.descriptor(manifest, Self.manifestType)]),
        ])
        let plan = try planner.plan(listing)
        #expect(plan.format == .ociLayout)
        #expect(plan.key == SHA256.hex(of: manifest))
        #expect(plan.layers.map(\.digest.hex) == [SHA256.hex(of: Self.layerA), SHA256.hex(of: Self.layerB)])
        #expect(plan.layers.map(\.path) == plan.layers.map { "blobs/sha256/" + $0.digest.hex })
        #expect(plan.layers.first?.label.hasPrefix("layer 1 of 2 (sha256:") == true)
    }

    @Test func multiPlatformIndexPicksThisNodesManifestAndSkipsAttestations() throws {
        let arm = Self.manifest(layers: [Self.layerA])
        let amd = Self.manifest(layers: [Self.layerB])
        let attestation = #"{"mediaType": "\#(Self.manifestType)", "digest": "sha256:\#(String(repeating: "0", count: 64))", "size": 2, "platform": {"os": "unknown", "architecture": "unknown"}, "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}"#
        let nested = Array(Self.index([
            Self.descriptor(arm, Self.manifestType, platform: "linux/arm64"),
            Self.descriptor(amd, Self.manifestType, platform: "linux/amd64"),
            attestation,
        ]).utf8)
        let listing = Self.listing(blobs: [Self.layerA, Self.layerB, arm, amd, nested], files: [
            "oci-layout": Self.marker,
            "index.json": Self.index([Self.descriptor(nested, "application/vnd.oci.image.index.v1+json")]),
        ])
        let plan = try planner.plan(listing)
        #expect(plan.key == SHA256.hex(of: amd))
        #expect(plan.layers.map(\.digest.hex) == [SHA256.hex(of: Self.layerB)])

        let armOnly = Self.listing(blobs: [Self.layerA, arm], files: [
            "oci-layout": Self.marker, "index.json": Self.index([Self.descriptor(arm, Self.manifestType, platform: "linux/arm64")]),
        ])
        #expect(throws: ImageError.unsupported(archive: "/img.tar", reason: "no manifest for linux/amd64 (offered: linux/arm64)")) {
            try planner.plan(armOnly)
        }
    }

    @Test func aManifestWhoseBytesDoNotMatchItsDigestIsRefused() throws {
        let manifest = Self.manifest(layers: [Self.layerA])
        var listing = Self.listing(blobs: [Self.layerA, manifest], files: [
            "oci-layout": Self.marker, "index.json": Self.index([Self.descriptor(manifest, Self.manifestType)]),
        ])
        let path = "blobs/sha256/" + SHA256.hex(of: manifest)
        var tampered = manifest
        tampered[tampered.count - 2] = UInt8(ascii: " ")
        listing.contents[path] = tampered
        #expect(throws: ImageError.digestMismatch(archive: "/img.tar", blob: path, expected: "sha256:" + SHA256.hex(of: manifest), actual: SHA256.hex(of: tampered))) {
            try planner.plan(listing)
        }
    }

    @Test func missingBlobsAndForeignLayersAreRefusedBeforeUnpacking() throws {
        let manifest = Self.manifest(layers: [Self.layerA])
        let missing = Self.listing(blobs: [manifest], files: [
            "oci-layout": Self.marker, "index.json": Self.index([Self.descriptor(manifest, Self.manifestType)]),
        ])
        #expect(throws: ImageError.malformedImage(archive: "/img.tar", reason: "blobs/sha256/\(SHA256.hex(of: Self.layerA)) is not in the archive")) {
            try planner.plan(missing)
        }
        let encrypted = Self.manifest(layers: [Self.layerA], layerType: "application/vnd.oci.image.layer.v1.tar+gzip+encrypted")
        let listing = Self.listing(blobs: [Self.layerA, encrypted], files: [
            "oci-layout": Self.marker, "index.json": Self.index([Self.descriptor(encrypted, Self.manifestType)]),
        ])
        #expect(throws: ImageError.unsupported(archive: "/img.tar", reason: "layer media type application/vnd.oci.image.layer.v1.tar+gzip+encrypted")) {
            try planner.plan(listing)
        }
    }

    @Test func dockerSaveLayersArePinnedByTheConfigDiffIDs() throws {
        let config = #"{"rootfs": {"type": "layers", "diff_ids": ["sha256:\#(SHA256.hex(of: Self.layerA))", "sha256:\#(SHA256.hex(of: Self.layerB))"]}}"#
        let configName = SHA256.hex(of: Array(config.utf8)) + ".json"
        var listing = Self.listing(blobs: [], files: [
            configName: config,
            "manifest.json": #"[{"Config": "\#(configName)", "RepoTags": ["x:y"], "Layers": ["aaa/layer.tar", "./bbb/layer.tar"]}]"#,
        ])
        listing.sizes["aaa/layer.tar"] = 10
        listing.sizes["bbb/layer.tar"] = 10
        let plan = try planner.plan(listing)
        #expect(plan.format == .dockerSave)
        #expect(plan.key == SHA256.hex(of: Array(config.utf8)))
        #expect(plan.layers.map(\.path) == ["aaa/layer.tar", "bbb/layer.tar"])
        #expect(plan.layers.map(\.digest.hex) == [SHA256.hex(of: Self.layerA), SHA256.hex(of: Self.layerB)])

        listing.contents[configName] = Array(config.replacingOccurrences(of: "layers", with: "Layers").utf8)
        #expect(throws: ImageError.self) { try planner.plan(listing) }
    }

    @Test func anythingElseIsAPlainRootfsArchive() throws {
        var listing = ArchiveListing()
        listing.sizes["bin/busybox"] = 100
        listing.sizes["manifest.json"] = 2
        listing.contents["manifest.json"] = Array("{}".utf8)
        #expect(try planner.plan(listing) == ImagePlan(format: .rootfsArchive, key: "", layers: []))
    }

    @Test func layoutNamesAreRecognized() {
        let hex = String(repeating: "ab", count: 32)
        for name in [["oci-layout"], ["index.json"], ["blobs", "sha256", hex], [hex, "layer.tar"], [hex + ".json"], []] {
            #expect(ArchiveListing.isLayoutName(name))
        }
        for name in [["bin", "busybox"], ["etc"], ["usr"], ["abc.json"]] {
            #expect(!ArchiveListing.isLayoutName(name))
        }
    }
}
