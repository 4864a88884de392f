#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why an image could not be turned into a root file system.
///
/// Every case names what it was working on: the image or archive path, and for an entry the layer
/// it came from and the entry's name as the archive spells it.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// Nothing at the image path.
    case notFound(image: String)
    /// A directory image (or an unpacked plain rootfs archive) that does not look like a `/`.
    case notARoot(image: String, reason: String)
    /// The image path is neither a directory nor a regular file.
    case unsupportedImage(image: String, reason: String)
    /// libarchive could not read the archive (not a tar, truncated, corrupt compression).
    case unreadableArchive(archive: String, reason: String)
    /// An OCI layout or `docker save` archive whose JSON or blobs are missing or inconsistent.
    case malformedImage(archive: String, reason: String)
    /// A well-formed image using something pilot does not handle (a media type, a digest algorithm).
    case unsupported(archive: String, reason: String)
    /// A blob whose SHA-256 is not the one its manifest names.
    case digestMismatch(archive: String, blob: String, expected: String, actual: String)
    /// A blob whose size is not the one its manifest names.
    case sizeMismatch(archive: String, blob: String, expected: Int64, actual: Int64)
    /// An entry refused for safety; nothing of it was written.
    case unsafeEntry(archive: String, layer: String, entry: String, reason: UnsafeEntry)
    /// libarchive failed to write an entry that passed the checks.
    case extractionFailed(archive: String, layer: String, entry: String, reason: String)
    /// A system call on the cache or the image tree failed.
    case systemCall(call: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .notFound(let image):
            return "image \(image): no such file or directory"
        case .notARoot(let image, let reason):
            return "image \(image) does not look like a root file system: \(reason)"
        case .unsupportedImage(let image, let reason):
            return "image \(image) is not usable: \(reason)"
        case .unreadableArchive(let archive, let reason):
            return "image archive \(archive) cannot be read: \(reason)"
        case .malformedImage(let archive, let reason):
            return "image archive \(archive) is malformed: \(reason)"
        case .unsupported(let archive, let reason):
            return "image archive \(archive) is not supported: \(reason)"
        case .digestMismatch(let archive, let blob, let expected, let actual):
            return "image archive \(archive): blob \(blob) has digest sha256:\(actual), its manifest says \(expected)"
        case .sizeMismatch(let archive, let blob, let expected, let actual):
            return "image archive \(archive): blob \(blob) has \(actual) bytes, its manifest says \(expected)"
        case .unsafeEntry(let archive, let layer, let entry, let reason):
            return "image archive \(archive), \(layer): refused entry \"\(entry)\": \(reason)"
        case .extractionFailed(let archive, let layer, let entry, let reason):
            return "image archive \(archive), \(layer): cannot write entry \"\(entry)\": \(reason)"
        case .systemCall(let call, let path, let code):
            return "\(call) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// The error for the `errno` a call on `path` just set.
    static func systemCall(_ call: String, _ path: String) -> ImageError {
        .systemCall(call: call, path: path, errno: errno)
    }
}

/// Why an archive entry was refused.
public enum UnsafeEntry: Error, Equatable, CustomStringConvertible {
    /// The name starts with `/`.
    case absolutePath
    /// The name has a `..` component.
    case parentComponent
    /// The name is empty for a non-directory, not UTF-8, or a whiteout of nothing.
    case invalidName
    /// A directory on the entry's path is a symlink (in the image, from this or a lower layer).
    case throughSymlink(String)
    /// A directory on the entry's path is a file.
    case parentNotDirectory(String)
    /// A relative symlink target that climbs above the image root.
    case symlinkEscapes(target: String)
    /// A hard link whose target is absolute, has `..`, or goes through a symlink.
    case hardlinkOutside(target: String)
    /// A hard link whose target is not (yet) in the image, or is a directory.
    case hardlinkTargetMissing(target: String)
    /// A character or block device.
    case deviceNode
    /// A socket or an unknown file type.
    case unsupportedType(String)

    public var description: String {
        switch self {
        case .absolutePath: return "absolute path"
        case .parentComponent: return "path has a '..' component"
        case .invalidName: return "invalid name"
        case .throughSymlink(let link): return "path goes through the symlink \(link)"
        case .parentNotDirectory(let file): return "path goes through \(file), which is not a directory"
        case .symlinkEscapes(let target): return "symlink target \(target) climbs above the image root"
        case .hardlinkOutside(let target): return "hard link target \(target) is outside the image"
        case .hardlinkTargetMissing(let target): return "hard link target \(target) is not a file in the image"
        case .deviceNode: return "device node"
        case .unsupportedType(let type): return "unsupported file type \(type)"
        }
    }
}
