#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Applies one layer (a tar stream) onto a root being built, with the OCI whiteout rules.
///
/// Every entry is checked before anything of it is written: its name (`EntryPath`), the
/// directories on its way (`lstat`: a symlink there, from this or a lower layer, refuses it),
/// its type (no devices) and its link target. Only then does libarchive write it, with its own
/// secure flags as a second line. Setuid and setgid bits are dropped.
struct LayerApplier {
    /// The root being built: absolute, with no symlink in it (a `realpath`).
    var root: String
    /// The archive, for messages.
    var archive: String
    /// The layer (`layer 2 of 3 (sha256:…)`, `rootfs`), for messages.
    var layer: String
    /// Keep the archive's numeric owners (as root); otherwise files belong to the caller, whose
    /// directories also get u+rwx so later layers and the cache's clean-up can write them.
    var keepOwners: Bool

    /// Unpacks every entry of `reader` onto the root.
    func apply(_ reader: ArchiveReader) throws(ImageError) {
        let writer: ArchiveDiskWriter
        do { writer = try ArchiveDiskWriter(keepOwners: keepOwners) } catch {
            throw .extractionFailed(archive: archive, layer: layer, entry: "", reason: error.message)
        }
        // What this layer wrote, with every parent: an opaque marker or a whiteout only removes
        // what the lower layers left, whichever order the tar lists them in.
        var written: Set<String> = []
        while true {
            let next: ArchiveEntry?
            do { next = try reader.next() } catch {
                throw .unreadableArchive(archive: archive, reason: "\(layer): \(error.message)")
            }
            guard let entry = next else { break }
            try apply(entry, from: reader, writer: writer, written: &written)
        }
        do { try writer.close() } catch {
            throw .extractionFailed(archive: archive, layer: layer, entry: "", reason: error.message)
        }
    }

    private func apply(_ entry: ArchiveEntry, from reader: ArchiveReader, writer: ArchiveDiskWriter, written: inout Set<String>) throws(ImageError) {
        func refuse(_ reason: UnsafeEntry) -> ImageError {
            .unsafeEntry(archive: archive, layer: layer, entry: entry.displayName, reason: reason)
        }
        guard let name = entry.name else { throw refuse(.invalidName) }
        let parts: [String]
        do { parts = try EntryPath.components(of: name) } catch { throw refuse(error) }
        guard let last = parts.last else {
            // The root itself (`./`): its mode stays the cache's 0755.
            if entry.kind == .directory { return }
            throw refuse(.invalidName)
        }
        let parents = Array(parts.dropLast())
        if let reason = try obstacle(on: parents) { throw refuse(reason) }

        let whiteout: Whiteout?
        do { whiteout = try Whiteout.classify(last) } catch { throw refuse(error) }
        if let whiteout {
            try applyWhiteout(whiteout, in: parents, written: written)
            return
        }

        var hardlink: String?
        switch entry.kind {
        case .characterDevice, .blockDevice:
            throw refuse(.deviceNode)
        case .socket:
            throw refuse(.unsupportedType("socket"))
        case .unknown(let type):
            throw refuse(.unsupportedType("0o" + String(type, radix: 8)))
        case .symlink:
            guard let target = entry.symlinkTarget, !target.isEmpty else { throw refuse(.invalidName) }
            guard EntryPath.symlinkStaysInside(link: parts, target: target) else {
                throw refuse(.symlinkEscapes(target: target))
            }
        case .hardlink:
            let target = entry.hardlinkTarget ?? ""
            let targetParts: [String]
            do { targetParts = try EntryPath.hardlinkComponents(of: target) } catch { throw refuse(error) }
            if try obstacle(on: Array(targetParts.dropLast())) != nil { throw refuse(.hardlinkOutside(target: target)) }
            let targetPath = path(targetParts)
            switch try FileTree.kind(targetPath) {
            case .missing, .directory: throw refuse(.hardlinkTargetMissing(target: target))
            default: break
            }
            if targetParts == parts { return }
            hardlink = targetPath
        case .regular, .directory, .fifo:
            break
        }

        let destination = path(parts)
        let existing = try FileTree.kind(destination)
        if existing != .missing, !(existing == .directory && entry.kind == .directory) {
            // A later layer's entry replaces what was there (a directory with all it held).
            try FileTree.removeTree(destination)
        }
        var permissions = entry.permissions & ~0o6000
        if entry.kind == .directory, !keepOwners { permissions |= 0o700 }
        do {
            try reader.extractCurrent(to: writer, path: destination, hardlink: hardlink, permissions: permissions)
        } catch {
            throw .extractionFailed(archive: archive, layer: layer, entry: entry.displayName, reason: error.message)
        }
        for count in 1...parts.count { written.insert(EntryPath.joined(parts.prefix(count))) }
    }

    /// Why the directories `parents` (from the root) cannot be written through: one is a symlink
    /// or not a directory. nil when they are directories or missing (libarchive creates them).
    private func obstacle(on parents: [String]) throws(ImageError) -> UnsafeEntry? {
        for count in stride(from: 1, through: parents.count, by: 1) {
            let prefix = Array(parents.prefix(count))
            switch try FileTree.kind(path(prefix)) {
            case .directory: continue
            case .missing: return nil
            case .symlink: return .throughSymlink(EntryPath.joined(prefix))
            case .regular, .other: return .parentNotDirectory(EntryPath.joined(prefix))
            }
        }
        return nil
    }

    /// Removes what a whiteout hides in the lower layers; never writes the whiteout itself.
    private func applyWhiteout(_ whiteout: Whiteout, in directory: [String], written: Set<String>) throws(ImageError) {
        switch whiteout {
        case .metadata:
            return
        case .remove(let name):
            let hidden = directory + [name]
            guard !written.contains(EntryPath.joined(hidden)) else { return }
            try FileTree.removeTree(path(hidden))
        case .opaque:
            guard try FileTree.kind(path(directory)) == .directory else { return }
            try clearLower(directory, written: written)
        }
    }

    /// Removes from a directory everything this layer did not write, at any depth.
    private func clearLower(_ directory: [String], written: Set<String>) throws(ImageError) {
        for name in try FileTree.childNames(path(directory)) {
            let child = directory + [name]
            if !written.contains(EntryPath.joined(child)) {
                try FileTree.removeTree(path(child))
            } else if try FileTree.kind(path(child)) == .directory {
                try clearLower(child, written: written)
            }
        }
    }

    /// The absolute path of components under the root.
    private func path(_ parts: [String]) -> String {
        parts.isEmpty ? root : root + "/" + EntryPath.joined(parts)
    }
}
