import CArchive

// Every libarchive handle of the image code lives in this file: a reader (`struct archive *`
// from archive_read_new) and a disk writer (archive_write_disk_new), each a final class that frees
// its handle in deinit. No libarchive type leaves the file; entries come out as `ArchiveEntry`.

/// A failure libarchive (or a byte source under a nested archive) reported, with its message.
struct ArchiveFailure: Error, Equatable {
    /// libarchive's `archive_error_string`, or the source's own message.
    var message: String
}

/// Where a nested archive's bytes come from: an entry of an outer archive, a file, memory.
protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes into the buffer; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) -> Int
}

/// The type of an archive entry.
enum ArchiveEntryKind: Equatable {
    /// The tar types; a hard link is any entry with a link name, whatever its mode says.
    case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket
    /// A mode whose type bits are none of the above.
    case unknown(UInt32)
}

/// One entry's header, copied out of libarchive.
struct ArchiveEntry {
    /// The name as UTF-8, nil when it is not valid UTF-8.
    var name: String?
    /// The name for messages (invalid bytes replaced).
    var displayName: String
    /// The entry's type.
    var kind: ArchiveEntryKind
    /// The permission bits, setuid/setgid/sticky included (`mode & 07777`).
    var permissions: UInt32
    /// The data size in bytes (0 for links and directories).
    var size: Int64
    /// The symlink's target as stored, for `.symlink` (nil when not UTF-8).
    var symlinkTarget: String?
    /// The hard link's target name as stored, for `.hardlink` (nil when not UTF-8).
    var hardlinkTarget: String?
}

/// Reads a tar (ustar, pax, GNU) compressed with gzip, zstd, xz, lzma, bzip2 or not at all.
///
/// Formats and filters are enabled one by one: `_all` would pull the xar reader and with it
/// libxml2 and ICU into the static binary (STATIC.md section 5).
final class ArchiveReader: ByteSource {
    private let handle: OpaquePointer
    /// The nested source and its buffer, kept alive while libarchive may call back.
    private let callbackContext: ReadCallbackContext?
    private var current: OpaquePointer?

    /// Opens an archive file; skipping over entries seeks when the file is not compressed.
    init(path: String) throws(ArchiveFailure) {
        handle = try Self.newReader()
        callbackContext = nil
        // Every stored property is set: on a throw, deinit runs and frees the handle.
        guard archive_read_open_filename(handle, path, 128 * 1024) == ARCHIVE_OK else {
            throw ArchiveFailure(message: Self.message(handle))
        }
    }

    /// Opens an archive whose bytes come from a source (an outer archive's entry, a file).
    init(source: ByteSource) throws(ArchiveFailure) {
        handle = try Self.newReader()
        let context = ReadCallbackContext(source: source)
        callbackContext = context
        let status = archive_read_open(
            handle, Unmanaged.passUnretained(context).toOpaque(), nil,
            { _, client, buffer in
                let context = Unmanaged<ReadCallbackContext>.fromOpaque(client!).takeUnretainedValue()
                return context.fill(buffer)
            }, nil)
        guard status == ARCHIVE_OK else {
            throw context.failure ?? ArchiveFailure(message: Self.message(handle))
        }
    }

    deinit { archive_read_free(handle) }

    private static func newReader() throws(ArchiveFailure) -> OpaquePointer {
        guard let reader = archive_read_new() else { throw ArchiveFailure(message: "archive_read_new: out of memory") }
        archive_read_support_format_tar(reader)
        archive_read_support_format_gnutar(reader)
        archive_read_support_format_empty(reader)
        archive_read_support_filter_none(reader)
        archive_read_support_filter_gzip(reader)
        archive_read_support_filter_zstd(reader)
        archive_read_support_filter_xz(reader)
        archive_read_support_filter_lzma(reader)
        archive_read_support_filter_bzip2(reader)
        return reader
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "error \(archive_errno(archive))"
    }

    /// The failure to report: the nested source's own, when it failed, else libarchive's.
    private func failure() -> ArchiveFailure {
        callbackContext?.failure ?? ArchiveFailure(message: Self.message(handle))
    }

    /// The next entry's header, nil at the end of the archive.
    func next() throws(ArchiveFailure) -> ArchiveEntry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status >= ARCHIVE_WARN, let entry else { throw failure() }
        current = entry
        let mode = UInt32(archive_entry_mode(entry))
        let kind: ArchiveEntryKind
        if archive_entry_hardlink(entry) != nil {
            kind = .hardlink
        } else {
            switch mode & 0o170000 {
            case 0o100000: kind = .regular
            case 0o040000: kind = .directory
            case 0o120000: kind = .symlink
            case 0o020000: kind = .characterDevice
            case 0o060000: kind = .blockDevice
            case 0o010000: kind = .fifo
            case 0o140000: kind = .socket
            default: kind = .unknown(mode & 0o170000)
            }
        }
        let raw = archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry)
        return ArchiveEntry(
            name: raw.flatMap { String(validatingCString: $0) },
            displayName: raw.map { String(cString: $0) } ?? "",
            kind: kind,
            permissions: mode & 0o7777,
            size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0,
            symlinkTarget: (archive_entry_symlink_utf8(entry) ?? archive_entry_symlink(entry)).flatMap { String(validatingCString: $0) },
            hardlinkTarget: (archive_entry_hardlink_utf8(entry) ?? archive_entry_hardlink(entry)).flatMap { String(validatingCString: $0) })
    }

    /// Reads the current entry's data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard count >= 0 else { throw failure() }
        return count
    }

    /// The current entry's data, refused past `limit` bytes.
    func readAll(limit: Int) throws(ArchiveFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try read(into: buffer)
            if count == 0 { return bytes }
            bytes.append(contentsOf: buffer.prefix(count))
            if bytes.count > limit { throw ArchiveFailure(message: "entry larger than \(limit) bytes") }
        }
    }

    /// Writes the current entry to disk at `path` (absolute), with `permissions`, and for a hard
    /// link to the absolute `hardlink`; a hard link never carries data, so it cannot truncate the
    /// file it links to.
    func extractCurrent(to writer: ArchiveDiskWriter, path: String, hardlink: String?, permissions: UInt32) throws(ArchiveFailure) {
        guard let entry = current else { throw ArchiveFailure(message: "no current entry") }
        archive_entry_copy_pathname(entry, path)
        if let hardlink {
            archive_entry_copy_hardlink(entry, hardlink)
            archive_entry_set_size(entry, 0)
        }
        archive_entry_set_perm(entry, mode_t(permissions))
        try writer.write(entry, from: hardlink == nil ? handle : nil)
    }
}

/// Extracts entries to disk with libarchive's own checks on as a second line: no `..`, no
/// symlink on the way (ARCHIVE_EXTRACT_SECURE_SYMLINKS/NODOTDOT).
///
/// ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be used: archive_write_disk resolves relative
/// names against the process's working directory, which a multi-threaded pilot must not change,
/// so the applier hands it absolute paths under a symlink-free root after its own checks.
/// Directory times and restrictive modes are fixed up when the writer is closed.
final class ArchiveDiskWriter {
    private let handle: OpaquePointer

    /// A writer that keeps the archive's numeric owners when `keepOwners` (as root), else leaves
    /// files owned by the caller. xattrs, ACLs and file flags are never restored.
    init(keepOwners: Bool) throws(ArchiveFailure) {
        guard let writer = archive_write_disk_new() else { throw ArchiveFailure(message: "archive_write_disk_new: out of memory") }
        handle = writer
        var flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM
            | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if keepOwners { flags |= ARCHIVE_EXTRACT_OWNER }
        archive_write_disk_set_options(handle, flags)
    }

    deinit { archive_write_free(handle) }

    /// Writes one entry's header and, when `reader` is given, its data.
    fileprivate func write(_ entry: OpaquePointer, from reader: OpaquePointer?) throws(ArchiveFailure) {
        guard archive_write_header(handle, entry) >= ARCHIVE_WARN else { throw failure() }
        if let reader, archive_entry_size(entry) > 0 {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            while true {
                let status = archive_read_data_block(reader, &block, &size, &offset)
                if status == ARCHIVE_EOF { break }
                guard status >= ARCHIVE_WARN else {
                    throw ArchiveFailure(message: archive_error_string(reader).map { String(cString: $0) } ?? "read failed")
                }
                guard archive_write_data_block(handle, block, size, offset) >= ARCHIVE_WARN else { throw failure() }
            }
        }
        guard archive_write_finish_entry(handle) >= ARCHIVE_WARN else { throw failure() }
    }

    /// Applies the deferred directory times and modes.
    func close() throws(ArchiveFailure) {
        guard archive_write_close(handle) >= ARCHIVE_WARN else { throw failure() }
    }

    private func failure() -> ArchiveFailure {
        ArchiveFailure(message: archive_error_string(handle).map { String(cString: $0) } ?? "error \(archive_errno(handle))")
    }
}

/// The state behind a nested reader's read callback: the source and the buffer libarchive reads
/// from until the next call.
private final class ReadCallbackContext {
    let source: ByteSource
    let buffer: UnsafeMutableRawBufferPointer
    /// The source's failure, reported instead of libarchive's generic one.
    var failure: ArchiveFailure?

    init(source: ByteSource) {
        self.source = source
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Fills the buffer for libarchive; -1 on failure.
    func fill(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        do {
            let count = try source.read(into: buffer)
            out?.pointee = UnsafeRawPointer(buffer.baseAddress)
            return count
        } catch {
            failure = error
            return -1
        }
    }
}
