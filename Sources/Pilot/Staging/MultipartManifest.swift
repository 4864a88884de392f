#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// What a service holding the store's credentials hands out for an S3 multipart upload: the
/// upload already created, one presigned `upload_part` URL per part (part `i + 1` is `parts[i]`)
/// and a presigned `complete_multipart_upload` POST; optionally a presigned
/// `abort_multipart_upload` DELETE, sent when the upload fails so the store frees its parts.
///
/// ```json
/// {"part_size": 5242880, "parts": ["https://…&partNumber=1&uploadId=…", …], "complete": "https://…?uploadId=…",
///  "abort": "https://…?uploadId=…"}
/// ```
struct MultipartManifest: Codable, Sendable, Equatable {
    var partSize: Int
    var parts: [String]
    var complete: String
    var abort: String?

    enum CodingKeys: String, CodingKey {
        case partSize = "part_size"
        case parts
        case complete
        case abort
    }

    /// S3's smallest part but the last (5 MiB) and largest part (5 GiB); at most 10,000 parts.
    static let minimumPartSize = 5 << 20
    static let maximumPartSize = 5 << 30
    static let maximumParts = 10_000

    /// Reads and decodes the manifest at `path`.
    static func load(_ path: String) throws(StagingError) -> MultipartManifest {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .invalidRequest("cannot read the parts manifest \(SystemCallError.last("open", path: path))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .invalidRequest("cannot read the parts manifest \(SystemCallError.last("read", path: path))")
            }
            if n == 0 { break }
            bytes += chunk[..<n]
            guard bytes.count <= 64 << 20 else { throw .invalidRequest("the parts manifest \(path) is over 64 MiB") }
        }
        do {
            return try JSONDecoder().decode(MultipartManifest.self, from: Data(bytes))
        } catch {
            throw .invalidRequest(
                "the parts manifest \(path) is not {\"part_size\": N, \"parts\": [\"url\", …], \"complete\": \"url\"}: \(error)")
        }
    }

    /// Checks the manifest against a file of `size` bytes: the part count must be
    /// ceil(size / part_size) (one part for an empty file) and parts within S3's limits.
    func validate(size: Int) throws(StagingError) {
        guard partSize > 0 else { throw .invalidRequest("parts manifest: part_size must be positive, not \(partSize)") }
        let expected = max(1, (size + partSize - 1) / partSize)
        guard parts.count == expected else {
            throw .invalidRequest(
                "parts manifest: \(parts.count) part URLs, but a file of \(size) bytes in parts of \(partSize) bytes needs \(expected)")
        }
        guard parts.count <= Self.maximumParts else {
            throw .invalidRequest("parts manifest: \(parts.count) parts, S3 allows at most \(Self.maximumParts)")
        }
        guard parts.count == 1 || partSize >= Self.minimumPartSize else {
            throw .invalidRequest(
                "parts manifest: part_size \(partSize) is under S3's 5 MiB (\(Self.minimumPartSize) bytes) minimum for all parts but the last")
        }
        guard min(size, partSize) <= Self.maximumPartSize else {
            throw .invalidRequest("parts manifest: part_size \(partSize) is over S3's 5 GiB maximum")
        }
    }
}
