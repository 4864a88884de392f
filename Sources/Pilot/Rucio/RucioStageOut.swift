#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// What one uploaded and registered file reports (`pilot rucio upload --json`).
struct RucioUploadResult: Sendable, Codable, Equatable {
    var did: String
    var rse: String
    /// The file's URL on the RSE, unsigned: what the registration names.
    var pfn: String
    var bytes: Int
    /// 8 hex digits, as Rucio and PanDA write it.
    var adler32: String
    /// The GUID registered (PanDA's form, upper case with dashes).
    var guid: String
    var seconds: Double
    var retries: Int
    /// Whether the bytes crossed this node's region (cloud egress).
    var crossRegion: Bool
    /// Rucio holds the replica with this size and checksum (read back after registration).
    var registered: Bool

    enum CodingKeys: String, CodingKey {
        case did, rse, pfn, bytes, adler32, guid, seconds, retries, registered
        case crossRegion = "cross_region"
    }

    /// The output file report's entry for it.
    func entry(lfn: String) -> OutputFileReport.Entry {
        OutputFileReport.Entry(lfn: lfn, guid: guid, size: bytes, adler32: adler32, surl: pfn, endpoint: rse)
    }
}

/// Stage-out through Rucio: the write URL for the RSE (signed by Rucio where the RSE signs), the
/// upload through `SignedURLUploader`, then the registration with size and Adler-32, read back to
/// be sure Rucio holds what was written.
struct RucioStageOut: Sendable {
    var client: RucioClient
    /// How uploads are made (trust, timeouts).
    var curl: CurlSettings
    var preference: ReplicaPreference
    var tally: TransferTally
    /// nil: no traces.
    var tracer: RucioTracer?
    var localSite: String
    var logger: Logger

    /// A stage-out sharing a stage-in's client, location, tally and tracer.
    init(sharing stageIn: RucioStageIn) {
        client = stageIn.client
        curl = stageIn.curl
        preference = stageIn.preference
        tally = stageIn.tally
        tracer = stageIn.tracer
        localSite = stageIn.localSite
        logger = stageIn.logger
    }

    /// Uploads a job's output (or log) `file` from `path` to its RSE (`ddmEndPointOut`, else
    /// `rucio.output_rse`) in its scope, registers it, and returns its output-report entry.
    func upload(_ path: String, file: JobOutputFile) async throws(RucioError) -> OutputFileReport.Entry {
        guard let scope = file.scope, !scope.isEmpty else {
            throw .invalidRequest("output \(file.lfn) has no scope (scopeOut/scopeLog)")
        }
        guard let rse = file.ddmEndpoint ?? client.settings.outputRSE else {
            throw .notConfigured("output \(file.lfn) has no RSE (ddmEndPointOut, rucio.output_rse)")
        }
        let stage = self
        let guid = file.guid ?? OutputFileReport.newGUID()
        let outcome = await BlockingThread.run { () -> Result<RucioUploadResult, RucioError> in
            do throws(RucioError) {
                return .success(try stage.upload(path, as: RucioDID(scope: scope, name: file.lfn), to: rse, guid: guid,
                                                 dataset: file.dataset))
            } catch { return .failure(error) }
        }
        return try outcome.get().entry(lfn: file.lfn)
    }

    /// Uploads `path` as `did` to `rse` and registers it; blocking.
    func upload(_ path: String, as did: RucioDID, to rse: String, guid: String, dataset: String?) throws(RucioError) -> RucioUploadResult {
        let size = try Self.fileSize(path)
        // A file Rucio already holds with another size is someone else's: never overwrite it.
        if let existing = try client.did(did), let bytes = existing.bytes, bytes != size {
            throw .registrationMismatch(did: did.description, expected: "\(size) bytes",
                                        registered: "\(bytes) bytes, adler32 \(existing.adler32 ?? "none")")
        }
        let attributes = try client.rseAttributes(rse)
        let crossRegion = preference.crossesRegion(attributes: attributes)
        let pfn = try client.pfn(rse: rse, did: did, operation: "write")
        let service = attributes["sign_url"].flatMap { ["", "false"].contains($0) ? nil : $0 }
        func writeURL() throws(RucioError) -> SignedURL {
            guard let service else { return SignedURL(pfn) }
            return SignedURL(try client.signURL(rse: rse, url: pfn, operation: "write", service: service,
                                                lifetime: client.settings.signatureLifetime))
        }
        var url = try writeURL()
        let uploader = SignedURLUploader(settings: curl, logger: logger)
        let start = Date().timeIntervalSince1970
        logger.info("rucio stage-out", metadata: ["did": "\(did)", "rse": "\(rse)", "url": "\(url)"])
        var summary: UploadSummary?
        var signings = 1
        while summary == nil {
            do throws(StagingError) {
                summary = try uploader.upload(path, to: url)
            } catch {
                // An upload that outlived its signature is signed again, once, and sent whole again.
                if case .expired = error, service != nil, signings < 2 {
                    signings += 1
                    logger.notice("write URL expired, asking rucio for a fresh one", metadata: ["did": "\(did)", "rse": "\(rse)"])
                    url = try writeURL()
                    continue
                }
                trace(did, rse: rse, dataset: dataset, guid: guid, size: size, url: url.url, start: start,
                      state: RucioTrace.state(for: error), reason: error.description)
                throw .uploadFailed(did: did.description, rse: rse, error: error)
            }
        }
        guard let summary else { throw .invalidRequest("no upload summary") }
        let adler32 = summary.checksum.hasPrefix("ad:") ? String(summary.checksum.dropFirst(3)) : summary.checksum
        do throws(RucioError) {
            try client.addReplica(rse: rse, did: did, bytes: summary.bytes, adler32: adler32, guid: guid, pfn: pfn)
            guard let held = try client.did(did) else {
                throw RucioError.registrationRefused(did: did.description, rse: rse, message: "201, but the DID is not there")
            }
            if held.bytes != summary.bytes || held.adler32?.lowercased() != adler32 {
                throw RucioError.registrationMismatch(
                    did: did.description, expected: "\(summary.bytes) bytes, adler32 \(adler32)",
                    registered: "\(held.bytes.map(String.init) ?? "?") bytes, adler32 \(held.adler32 ?? "none")")
            }
        } catch {
            trace(did, rse: rse, dataset: dataset, guid: guid, size: summary.bytes, url: url.url, start: start,
                  state: "REGISTRATION_FAILED", reason: error.description)
            throw error
        }
        tally.recordOut(rse, bytes: summary.bytes, crossRegion: crossRegion)
        trace(did, rse: rse, dataset: dataset, guid: guid, size: summary.bytes, url: url.url, start: start, state: "DONE", reason: "OK")
        logger.info("rucio output registered", metadata: [
            "did": "\(did)", "rse": "\(rse)", "bytes": "\(summary.bytes)", "adler32": "\(adler32)",
        ])
        return RucioUploadResult(
            did: did.description, rse: rse, pfn: pfn, bytes: summary.bytes, adler32: adler32, guid: guid,
            seconds: summary.seconds, retries: summary.retries, crossRegion: crossRegion, registered: true)
    }

    /// The size of the file at `path`.
    static func fileSize(_ path: String) throws(RucioError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .invalidRequest("cannot read \(SystemCallError.last("stat", path: path))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .invalidRequest("\(path) is not a regular file") }
        return Int(info.st_size)
    }

    private func trace(_ did: RucioDID, rse: String, dataset: String?, guid: String, size: Int?, url: String, start: Double,
                       state: String, reason: String) {
        guard let tracer else { return }
        tracer.send(.make(
            put: true, did: did, rse: rse, dataset: dataset, guid: guid, size: size, url: url, start: start,
            transferStart: start, end: Date().timeIntervalSince1970, state: state, reason: reason,
            settings: client.settings, account: client.account, localSite: localSite, region: preference.location.region))
    }
}
