import FoundationEssentials
import Logging
import Payload
import Synchronization

/// One input file as Rucio resolved it: its catalogue facts and the URLs to try, best first.
struct RucioResolvedInput: Sendable, Equatable {
    var did: RucioDID
    /// The name the file gets in the destination directory (the LFN).
    var lfn: String
    /// What the file must be: the job's checksum and size, else Rucio's.
    var checksum: FileChecksum?
    var size: Int?
    var dataset: String?
    var guid: String?
    /// The URLs to try, in order: the job's RSE, then this node's region and cloud, then Rucio's order.
    var sources: [RucioFileReplicas.Source]
    /// Replicas left out, and why (an unsigned URL on an RSE that signs).
    var skipped: [String]
}

/// What one downloaded file reports (`pilot rucio download --json`).
struct RucioDownloadResult: Sendable, Codable, Equatable {
    var did: String
    var path: String
    /// The RSE it came from.
    var rse: String
    var bytes: Int
    /// `ad:` + Adler-32, as `DownloadSummary` has it.
    var checksum: String
    var seconds: Double
    var retries: Int
    /// Fresh URLs asked of Rucio because one expired during the transfer.
    var refreshes: Int
    /// The replicas that failed before this one, `RSE: error`.
    var failedReplicas: [String]
    /// Whether the bytes crossed this node's region (cloud egress).
    var crossRegion: Bool
    /// The URL read from, secrets redacted.
    var url: String

    enum CodingKeys: String, CodingKey {
        case did, path, rse, bytes, checksum, seconds, retries, refreshes, url
        case failedReplicas = "failed_replicas"
        case crossRegion = "cross_region"
    }
}

/// Stage-in through Rucio: the job's inputs resolved to signed URLs with `list_replicas`, then
/// downloaded replica after replica until one arrives whole and verified.
///
/// A URL that expires during a transfer is replaced by a fresh one from Rucio for the same RSE
/// and the download goes on from where it was. Every attempt sends a Rucio trace; every byte is
/// counted per RSE in `tally`.
struct RucioStageIn: Sendable {
    var client: RucioClient
    /// How downloads are made (trust, timeouts); the Rucio calls have their own.
    var curl: CurlSettings
    var preference: ReplicaPreference
    var tally: TransferTally
    /// nil: no traces.
    var tracer: RucioTracer?
    /// The site traces name as `localSite`.
    var localSite: String
    var logger: Logger
    /// Limits the replicas to an RSE expression (`pilot rucio download --rse`); nil: all.
    var rseExpression: String?
    /// Drawn on a terminal by the command; nil in a job.
    var progress: TransferProgress?

    /// A stage-in for `settings` (a configured Rucio) with the node's location from the
    /// settings, the labels file or the environment; `localSite` defaults to the setting.
    static func make(settings: RucioSettings, environment: [String: String], logger: Logger,
                     tally: TransferTally = TransferTally(), localSite: String? = nil) throws(RucioError) -> RucioStageIn {
        let client = try RucioClient(settings: settings, environment: environment, logger: logger)
        var curl = CurlSettings.fromEnvironment(environment, caFile: nil)
        if let ca = settings.caFile { curl.caFile = ca }
        let labels = settings.nodeLabelsFile.flatMap { try? FileReader.readString($0, limit: 1 << 20) }
        let location = NodeLocation.detect(settings: settings, environment: environment, labels: labels)
        return RucioStageIn(
            client: client, curl: curl, preference: ReplicaPreference(location: location), tally: tally,
            tracer: settings.tracesEndpoint.map { RucioTracer(url: $0, http: client.http, logger: logger) },
            localSite: localSite ?? settings.localSite ?? "unknown", logger: logger)
    }

    // MARK: - Resolving

    /// Asks Rucio for every input's replicas in one call and orders each file's URLs.
    func resolve(_ inputs: [JobInputFile]) throws(RucioError) -> [RucioResolvedInput] {
        var dids: [RucioDID] = []
        for input in inputs {
            guard let scope = input.scope, !scope.isEmpty else {
                throw .invalidRequest("input \(input.lfn) has no scope: Rucio needs scope:name")
            }
            dids.append(RucioDID(scope: scope, name: input.lfn))
        }
        let files = try client.listReplicas(dids, rseExpression: rseExpression)
        let byDID = Dictionary(files.map { ($0.did, $0) }, uniquingKeysWith: { first, _ in first })
        var resolved: [RucioResolvedInput] = []
        for (input, did) in zip(inputs, dids) {
            resolved.append(try resolve(input, did: did, replicas: byDID[did]))
        }
        return resolved
    }

    /// One input: the usable URLs of its replicas, ordered; throws when none is usable.
    func resolve(_ input: JobInputFile, did: RucioDID, replicas: RucioFileReplicas?) throws(RucioError) -> RucioResolvedInput {
        guard let replicas else {
            if try client.did(did) == nil { throw .didNotFound(did: did.description) }
            throw .noReplica(did: did.description)
        }
        let schemes = client.settings.schemes.map { $0.lowercased() + "://" }
        var sources = replicas.sources.filter { source in schemes.contains { source.url.lowercased().hasPrefix($0) } }
        guard !sources.isEmpty else {
            if replicas.states.isEmpty { throw .noReplica(did: did.description) }
            throw .noURL(did: did.description, rses: replicas.states.keys.sorted(), schemes: client.settings.schemes)
        }
        var attributes: [String: [String: String]] = [:]
        for rse in Set(sources.map(\.rse)) {
            do { attributes[rse] = try client.rseAttributes(rse) } catch {
                logger.notice("rse attributes unavailable", metadata: ["rse": "\(rse)", "why": "\(error)"])
            }
        }
        var skipped: [String] = []
        var firstUnsigned: RucioError?
        sources = sources.filter { source in
            guard let signs = attributes[source.rse]?["sign_url"], !signs.isEmpty, signs != "false",
                  !Self.isSigned(source.url)
            else { return true }
            let error = RucioError.unsignedURL(did: did.description, rse: source.rse, account: client.account)
            firstUnsigned = firstUnsigned ?? error
            skipped.append("\(source.rse): \(error)")
            return false
        }
        if sources.isEmpty, let firstUnsigned { throw firstUnsigned }
        sources = preference.order(sources, attributes: attributes)
        if let endpoint = input.ddmEndpoint, let index = sources.firstIndex(where: { $0.rse == endpoint }), index > 0 {
            sources.insert(sources.remove(at: index), at: 0)
        }
        return RucioResolvedInput(
            did: did, lfn: input.lfn, checksum: input.checksum ?? replicas.checksum, size: input.size ?? replicas.bytes,
            dataset: input.dataset, guid: input.guid, sources: sources, skipped: skipped)
    }

    /// Whether a URL carries a signature (S3 SigV2/SigV4, GCS V2/V4, Swift temp URL).
    static func isSigned(_ url: String) -> Bool {
        guard let query = url.firstIndex(of: "?") else { return false }
        let items = SignedURL.items(url[url.index(after: query)...].prefix { $0 != "#" })
        return ["x-amz-signature", "signature", "x-goog-signature", "temp_url_sig"].contains { items[$0] != nil }
    }

    // MARK: - Downloading

    /// Resolves and downloads every input into `directory` (as `<directory>/<lfn>`), one after
    /// the other, each on a thread of its own; the results in input order.
    func download(inputs: [JobInputFile], into directory: String) async throws(RucioError) -> [RucioDownloadResult] {
        let stage = self
        let resolved = await BlockingThread.run { () -> Result<[RucioResolvedInput], RucioError> in
            do throws(RucioError) { return .success(try stage.resolve(inputs)) } catch { return .failure(error) }
        }
        var results: [RucioDownloadResult] = []
        for file in try resolved.get() {
            let outcome = await BlockingThread.run { () -> Result<RucioDownloadResult, RucioError> in
                do throws(RucioError) {
                    return .success(try stage.download(file, to: directory + "/" + file.lfn))
                } catch { return .failure(error) }
            }
            results.append(try outcome.get())
        }
        return results
    }

    /// Downloads one resolved file to `destination`, trying its replicas in order; blocking.
    func download(_ file: RucioResolvedInput, to destination: String) throws(RucioError) -> RucioDownloadResult {
        var failures = file.skipped
        var last: StagingError?
        for source in file.sources {
            let refreshes = Mutex(0)
            var downloader = SignedURLDownloader(settings: curl, logger: logger, progress: progress)
            downloader.refreshURL = { [client, logger] expired in
                do throws(RucioError) {
                    let again = try client.listReplicas([file.did], rseExpression: source.rse)
                    guard let url = again.first?.sources.first(where: { $0.rse == source.rse })?.url else { return nil }
                    refreshes.withLock { $0 += 1 }
                    return SignedURL(url)
                } catch {
                    logger.warning("no fresh URL from rucio", metadata: ["url": "\(expired)", "why": "\(error)"])
                    return nil
                }
            }
            let crossRegion = preference.crossesRegion(attributes: try? client.rseAttributes(source.rse))
            let start = Date().timeIntervalSince1970
            logger.info("rucio stage-in", metadata: ["did": "\(file.did)", "rse": "\(source.rse)", "url": "\(SignedURL(source.url))"])
            do throws(StagingError) {
                let summary = try downloader.download(SignedURL(source.url), to: destination, checksum: file.checksum, size: file.size)
                let end = Date().timeIntervalSince1970
                tally.recordIn(source.rse, bytes: summary.bytes, crossRegion: crossRegion)
                trace(file, source: source, start: start, end: end, size: summary.bytes, state: "DONE", reason: "OK")
                return RucioDownloadResult(
                    did: file.did.description, path: destination, rse: source.rse, bytes: summary.bytes,
                    checksum: summary.checksum, seconds: summary.seconds, retries: summary.retries,
                    refreshes: refreshes.withLock { $0 }, failedReplicas: failures, crossRegion: crossRegion,
                    url: Redactor.redact(SignedURL(source.url).url))
            } catch {
                trace(file, source: source, start: start, end: Date().timeIntervalSince1970, size: file.size,
                      state: RucioTrace.state(for: error), reason: error.description)
                failures.append("\(source.rse): \(error)")
                last = error
                logger.warning("replica failed", metadata: ["did": "\(file.did)", "rse": "\(source.rse)", "why": "\(error)"])
                // The destination's own trouble will not go away with another replica.
                if case .diskFull = error { break }
                if case .file = error { break }
            }
        }
        throw .allReplicasFailed(did: file.did.description, failures: failures,
                                 last: last ?? .invalidRequest("no replica to try"))
    }

    private func trace(_ file: RucioResolvedInput, source: RucioFileReplicas.Source, start: Double, end: Double,
                       size: Int?, state: String, reason: String) {
        guard let tracer else { return }
        tracer.send(.make(
            put: false, did: file.did, rse: source.rse, dataset: file.dataset, guid: file.guid, size: size,
            url: source.url, start: start, transferStart: start, end: end, state: state, reason: reason,
            settings: client.settings, account: client.account, localSite: localSite, region: preference.location.region))
    }
}
