import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `getxattr`, `listxattr` and `statfs` for tests: Swift's Glibc module has neither
/// `<sys/xattr.h>` nor `<sys/statfs.h>`, so they are looked up with `dlsym` and called through
/// C function pointers (the C calling convention, unlike `@_silgen_name`).
enum FileSystemCalls {
    /// What reading an extended attribute by name gave.
    enum XattrAnswer: Equatable {
        case value(String)
        case failed(Int32)
    }

    /// FUSE_SUPER_MAGIC, `statfs.f_type` of every FUSE mount.
    static let fuseSuperMagic = 0x6573_5546

    private typealias GetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    private typealias ListXattr = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias StatFS = @convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let address = dlsym(nil, name) else { fatalError("dlsym(\(name)) failed") }
        return unsafeBitCast(address, to: type)
    }

    /// `getxattr(path, name)`: the value, or the errno.
    static func xattr(_ path: String, _ name: String) -> XattrAnswer {
        let call = symbol("getxattr", as: GetXattr.self)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let size = buffer.withUnsafeMutableBytes { call(path, name, $0.baseAddress, $0.count) }
        return size < 0 ? .failed(errno) : .value(String(decoding: buffer[..<size], as: UTF8.self))
    }

    /// `listxattr(path)`: the names, empty on failure.
    static func xattrNames(_ path: String) -> [String] {
        let call = symbol("listxattr", as: ListXattr.self)
        var buffer = [CChar](repeating: 0, count: 8192)
        let size = buffer.withUnsafeMutableBufferPointer { call(path, $0.baseAddress, $0.count) }
        guard size > 0 else { return [] }
        return buffer[..<size].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// `statfs(path).f_type`, or nil when it fails. `f_type` is the first member (a long) of
    /// `struct statfs` on Linux; the buffer is larger than the struct (120 bytes on 64-bit).
    static func fsType(_ path: String) -> Int? {
        let call = symbol("statfs", as: StatFS.self)
        var buffer = [Int](repeating: 0, count: 64)
        let status = buffer.withUnsafeMutableBytes { call(path, $0.baseAddress!) }
        return status == 0 ? buffer[0] : nil
    }
}
