#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file read from start to end; owns its descriptor.
final class FileSource: ByteSource {
    private let descriptor: Int32
    private let path: String

    /// Opens `path` for reading.
    init(path: String) throws(ImageError) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .systemCall("open", path) }
        self.path = path
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) -> Int {
        while true {
            let count = readDescriptor(descriptor, buffer)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw ArchiveFailure(message: "read \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// `read(2)`, out of reach of the `read` methods' names.
private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    read(descriptor, buffer.baseAddress, buffer.count)
}

/// Bytes already in memory (a small blob kept from the first pass over the archive).
final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    /// A source reading `bytes` from the start.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { all in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<offset + count]))
        }
        offset += count
        return count
    }
}

/// Passes another source's bytes through, counting them and computing their SHA-256, so a blob
/// is verified in the same pass that unpacks it.
final class HashingSource: ByteSource {
    private let source: ByteSource
    private var digest = SHA256()
    /// Bytes read so far.
    private(set) var count: Int64 = 0

    /// A source hashing what it reads from `source`.
    init(_ source: ByteSource) { self.source = source }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) -> Int {
        let read = try source.read(into: buffer)
        digest.update(UnsafeRawBufferPointer(rebasing: buffer.prefix(read)))
        count += Int64(read)
        return read
    }

    /// Reads what the consumer left (a tar's zero padding past its end marker) so the digest
    /// covers the whole blob, then returns it as hex.
    func finish() throws(ArchiveFailure) -> String {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while try read(into: buffer) > 0 {}
        let hex = digest.finishHex()
        digest = SHA256()
        return hex
    }
}
