/// The verdict on one repository, as `pilot cvmfs probe --json` prints it.
struct CVMFSRepoReport: Codable, Sendable, Equatable {
    /// Usable as it is, usable with a problem worth reporting, or not usable at all.
    enum Status: String, Codable, Sendable, Comparable {
        case ok, degraded, unavailable

        private var rank: Int {
            switch self {
            case .ok: 0
            case .degraded: 1
            case .unavailable: 2
            }
        }

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    }

    /// How the repository is mounted, from mountinfo.
    struct Mount: Codable, Sendable, Equatable {
        /// `fuse` for CVMFS.
        var fstype: String
        /// `cvmfs2` for CVMFS.
        var source: String
        /// Per-mount options; `ro` first for CVMFS.
        var options: [String]
    }

    /// The repository's name, e.g. `atlas.cern.ch`.
    var name: String
    /// Where it was looked for.
    var path: String
    var status: Status
    /// One line naming what is wrong (with the errno), nil when ok.
    @EncodedAsNull var reason: String?
    /// What would fix it, nil when ok or unknown.
    @EncodedAsNull var remedy: String?
    /// `user.revision`: the root catalogue's revision.
    @EncodedAsNull var revision: Int?
    /// `user.expires`: minutes left on the root catalogue.
    @EncodedAsNull var expiresMinutes: Int?
    /// `user.host`: the Stratum-1 in use.
    @EncodedAsNull var host: String?
    /// `user.proxy`: the proxy in use (`DIRECT` when none).
    @EncodedAsNull var proxy: String?
    /// `user.version`: the client's version.
    @EncodedAsNull var version: String?
    /// `user.nioerr`: I/O errors since the mount.
    @EncodedAsNull var ioErrors: Int?
    /// The newest publication stamp among the freshness files, in seconds since the epoch.
    @EncodedAsNull var lastUpdate: Int?
    /// How old that stamp was at probe time, in seconds.
    @EncodedAsNull var ageSeconds: Int?
    /// The mount entry, when there is one.
    @EncodedAsNull var mount: Mount?

    enum CodingKeys: String, CodingKey {
        case name, path, status, reason, remedy, revision, host, proxy, version, mount
        case expiresMinutes = "expires_minutes"
        case ioErrors = "nioerr"
        case lastUpdate = "last_update"
        case ageSeconds = "age_seconds"
    }
}

/// The stamp in an ATLAS-style `lastUpdate` file: `2024-03-18 19:43:47 | lxcvmfs145.cern.ch | 1710787427`.
enum LastUpdateStamp {
    /// The third `|`-separated field, seconds since the epoch; nil when the text has none.
    static func parse(_ text: String) -> Int? {
        let fields = text.split(separator: "\n").first?.split(separator: "|") ?? []
        guard fields.count >= 3 else { return nil }
        return Int(fields[2].trimmed)
    }
}
