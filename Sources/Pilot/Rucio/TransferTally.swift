import Synchronization

/// Bytes moved per storage endpoint (the RSE), for the usage record: in, out, and the part of
/// them that crossed the node's region (what a cloud bills as egress).
///
/// Shared by every transfer of a job; `JobAccountingFacts.stagedIn`/`stagedOut` take `bytesIn`
/// and `bytesOut`.
final class TransferTally: Sendable {
    /// One endpoint's totals.
    struct Totals: Sendable, Equatable, Codable {
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        /// Bytes in or out that crossed a region boundary (or whose region is unknown).
        var crossRegion: Int64 = 0

        enum CodingKeys: String, CodingKey {
            case bytesIn = "bytes_in"
            case bytesOut = "bytes_out"
            case crossRegion = "cross_region"
        }
    }

    private let totals = Mutex<[String: Totals]>([:])

    /// An empty tally.
    init() {}

    /// Counts a finished download from `endpoint`.
    func recordIn(_ endpoint: String, bytes: Int, crossRegion: Bool) {
        totals.withLock {
            $0[endpoint, default: Totals()].bytesIn += Int64(bytes)
            if crossRegion { $0[endpoint, default: Totals()].crossRegion += Int64(bytes) }
        }
    }

    /// Counts a finished upload to `endpoint`.
    func recordOut(_ endpoint: String, bytes: Int, crossRegion: Bool) {
        totals.withLock {
            $0[endpoint, default: Totals()].bytesOut += Int64(bytes)
            if crossRegion { $0[endpoint, default: Totals()].crossRegion += Int64(bytes) }
        }
    }

    /// Every endpoint's totals so far.
    var snapshot: [String: Totals] { totals.withLock { $0 } }

    /// Bytes in per endpoint (`JobAccountingFacts.stagedIn`).
    var bytesIn: [String: Int64] { snapshot.compactMapValues { $0.bytesIn > 0 ? $0.bytesIn : nil } }

    /// Bytes out per endpoint (`JobAccountingFacts.stagedOut`).
    var bytesOut: [String: Int64] { snapshot.compactMapValues { $0.bytesOut > 0 ? $0.bytesOut : nil } }

    /// Cross-region bytes per endpoint: the egress a cloud bills.
    var egress: [String: Int64] { snapshot.compactMapValues { $0.crossRegion > 0 ? $0.crossRegion : nil } }
}
