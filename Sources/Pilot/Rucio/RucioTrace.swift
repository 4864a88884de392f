#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// One Rucio trace: what the experiment's monitoring learns of each transfer (pilot3's
/// `TraceReport`; Rucio `core/trace.py` GET/PUT schemas). URLs are redacted before they go in.
struct RucioTrace: Codable, Sendable, Equatable {
    /// `get_sm` for a stage-in, `put_sm` for a stage-out.
    var eventType: String
    var eventVersion: String
    /// `DONE`, or what failed: `FAILED`, `NOT_FOUND`, `EXPIRED`, `CHECKSUM_MISMATCH`, `NO_URL`.
    var clientState: String
    /// One line: `OK` or the error.
    var stateReason: String
    /// 32 hex digits, unique to the transfer.
    var uuid: String
    var hostname: String
    /// The site the pilot runs at.
    var localSite: String
    /// The RSE read from or written to.
    var remoteSite: String
    var scope: String
    var filename: String
    /// The dataset the file belongs to ("" when the job does not say).
    var dataset: String
    var guid: String?
    var filesize: Int?
    /// Seconds since the epoch.
    var timeStart: Double
    var transferStart: Double?
    var transferEnd: Double?
    /// The URL, secrets redacted.
    var url: String?
    var `protocol`: String
    var appid: String
    var account: String?
    /// The node's region, when known (a field monitoring ignores; useful to see cost choices).
    var region: String?

    /// A trace for `did` to or from `rse`, started at `start`.
    static func make(put: Bool, did: RucioDID, rse: String, dataset: String?, guid: String?, size: Int?,
                     url: String?, start: Double, transferStart: Double?, end: Double?, state: String, reason: String,
                     settings: RucioSettings, account: String?, localSite: String, region: String?) -> RucioTrace {
        RucioTrace(
            eventType: put ? "put_sm" : "get_sm", eventVersion: "pilot-swift-\(BuildInfo.pilotVersion)",
            clientState: state, stateReason: Redactor.redact(String(reason.prefix(1000))),
            uuid: UUID().uuidString.lowercased().filter { $0 != "-" }, hostname: hostName(), localSite: localSite,
            remoteSite: rse, scope: did.scope, filename: did.name, dataset: dataset ?? "",
            guid: guid.map { $0.lowercased().filter { $0 != "-" } }, filesize: size,
            timeStart: start, transferStart: transferStart, transferEnd: end, url: url.map { Redactor.redact($0) },
            protocol: "https", appid: settings.appID, account: account, region: region)
    }

    /// The trace's client state for a failure.
    static func state(for error: StagingError) -> String {
        switch error {
        case .notFound: "NOT_FOUND"
        case .expired: "EXPIRED"
        case .checksumMismatch, .sizeMismatch: "CHECKSUM_MISMATCH"
        case .forbidden, .tls: "FORBIDDEN"
        default: "FAILED"
        }
    }

    /// This machine's name.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// Sends traces to Rucio's trace endpoint; a trace that cannot be sent is logged, never an error
/// of the transfer it describes.
struct RucioTracer: Sendable {
    /// `<server>/traces/`.
    var url: String
    var http: any RucioHTTP
    var logger: Logger

    /// POSTs `trace`; true when Rucio took it (201).
    @discardableResult
    func send(_ trace: RucioTrace) -> Bool {
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(trace)) } catch { return false }
        let response = http.send(RucioHTTPRequest(
            method: .post, url: url, headers: ["Content-Type: application/json", "Accept: */*"], body: body))
        guard (200...299).contains(response.status) else {
            logger.notice("rucio trace not sent", metadata: [
                "url": "\(Redactor.redact(url))", "status": "\(response.status)",
                "why": "\(response.status == 0 ? response.message : response.exception.message)",
            ])
            return false
        }
        return true
    }
}
