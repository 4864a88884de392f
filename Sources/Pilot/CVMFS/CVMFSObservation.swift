/// What a child process saw when it touched one repository: the raw results of each system call,
/// judged later by `CVMFSClassifier`. Travels as JSON from the child to the pilot.
struct CVMFSObservation: Codable, Sendable, Equatable {
    /// The result of one system call: a value, or the errno it failed with.
    struct Result: Codable, Sendable, Equatable {
        /// What the call returned, as text (a count, a hex magic, an xattr value, file content).
        var value: String?
        /// The errno when it failed.
        var errno: Int32?

        /// A success.
        static func ok(_ value: String) -> Result { Result(value: value, errno: nil) }
        /// A failure.
        static func failed(_ errno: Int32) -> Result { Result(value: nil, errno: errno) }
    }

    /// Opening and reading the repository's top directory (this triggers autofs); value: entries seen.
    var listing: Result
    /// `statfs` of the top directory; value: `f_type` in hex.
    var statfs: Result
    /// `getxattr` of each magic attribute asked for, by full name (`user.revision`).
    var xattrs: [String: Result]
    /// Each freshness file asked for (the first 4 KiB), by its path relative to the repository.
    var files: [String: Result]

    /// The xattrs every probe reads (CVMFS.md §2); read by name, since hidden ones are not listed.
    static let xattrNames = [
        "user.fqrn", "user.revision", "user.expires", "user.nioerr", "user.host", "user.proxy",
        "user.version", "user.pid",
    ]
}
