#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// `pilot stage`: move one file over a signed URL by hand, to check a storage endpoint.
struct StageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Download or upload one file over a signed URL, verified by checksum.",
        subcommands: [StageGetCommand.self, StagePutCommand.self]
    )
}

/// `pilot stage get URL DEST`.
struct StageGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Download URL to DEST through DEST.part, verifying size and checksum before the rename.",
        discussion: """
            Exit codes: 0 done, 80 transfer failed after retries, 81 signed URL expired, 82 refused \
            (signature or TLS), 83 no such object, 84 checksum or size mismatch, 85 destination not \
            writable or disk full, 64 bad arguments.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The signed URL (quote it: it contains '&').")
    var url: String

    @Argument(help: "Where the verified file goes.")
    var destination: String

    @Option(name: .long, help: "Expected checksum: ad:XXXXXXXX (Adler-32) or md5:<32 hex digits>.")
    var checksum: String?

    @Option(name: .long, help: "Expected size in bytes.")
    var size: Int?

    @Option(name: .long, help: "A CA bundle (PEM) to trust in addition to the system bundle and X509_CERT_DIR.")
    var cacert: String?

    @Flag(name: .long, help: "Log libcurl's trace (connection info and headers, not bodies), secrets redacted (also PILOT_CURL_DEBUG=1).")
    var debug = false

    @Option(name: .long, help: "Parallel range streams for large files (default: the URL's nconnections, else 1).")
    var streams: Int?

    @Option(name: .customLong("min-rate"), help: "Slowest rate in MB/s to plan for: with --size, a file that cannot arrive at it before the signature expires is refused up front (default: not checked).")
    var minimumRate: Double?

    @Option(name: .customLong("stall-timeout"), help: "Seconds below 1 KiB/s after which a transfer is abandoned and resumed (default 60).")
    var stallTimeout: Int?

    @Option(name: .customLong("max-rate"), help: "Fastest rate in MB/s for each connection, as curl's --limit-rate (default: no cap).")
    var maxRate: Double?

    @Flag(name: .long, help: "Print a JSON summary: bytes, seconds, rate, streams, retries, checksum.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, label: "pilot.stage")
        let expected: FileChecksum?
        do { expected = try checksum.map(FileChecksum.init) } catch {
            throw CommandContext.fail(StagingError.invalidRequest(error.description))
        }
        var settings = try StageOptions.settings(context, cacert: cacert, debug: debug, maxRate: maxRate)
        if let stallTimeout {
            guard stallTimeout > 0 else {
                throw CommandContext.fail(StagingError.invalidRequest("--stall-timeout must be a positive number of seconds"))
            }
            settings.lowSpeedTime = stallTimeout
        }
        let label = destination.split(separator: "/").last.map(String.init) ?? destination
        let progress = json ? nil : TransferProgress.forTerminal(label: label)
        var downloader = SignedURLDownloader(settings: settings, logger: context.logger, progress: progress)
        if let minimumRate { downloader.minimumRate = minimumRate * 1_000_000 }
        let signed = SignedURL(url)
        let summary: DownloadSummary
        do throws(StagingError) {
            if let streams, !(1...64).contains(streams) {
                throw StagingError.invalidRequest("--streams must be between 1 and 64")
            }
            summary = try downloader.download(signed, to: destination, checksum: expected, size: size, streams: streams)
            progress?.finish()
        } catch {
            progress?.finish()
            throw CommandContext.fail(error)
        }
        do {
            if json {
                print(try JSONOutput.encode(summary))
            } else {
                let megabytes = NodeSummary.format(summary.rate / 1e6)
                print("\(destination): \(summary.bytes) bytes in \(NodeSummary.format(summary.seconds)) s (\(megabytes) MB/s), \(summary.checksum)\(summary.retries > 0 ? ", \(summary.retries) retries" : "")")
            }
        }
    }
}

/// `pilot stage put FILE URL`, or `pilot stage put FILE --parts MANIFEST` (S3 multipart).
struct StagePutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Upload FILE with a PUT to a presigned URL, or in parts to presigned part URLs, streaming it and computing its Adler-32.",
        discussion: """
            --parts MANIFEST instead of URL: an S3 multipart upload. MANIFEST is a JSON file \
            {"part_size": N, "parts": ["url1", ...], "complete": "url", "abort": "url"}: one presigned upload_part URL \
            per part, in order, and the presigned complete_multipart_upload POST. --streams N sends N \
            parts at once, each on its own connection (default 1: one after the other); the optional \
            abort URL (presigned abort_multipart_upload DELETE) is sent when the upload fails or is \
            interrupted (SIGINT, SIGTERM, SIGHUP: exit 128+N). To S3 SigV4 \
            URLs the body's MD5 goes as Content-MD5. Exit codes as for get: 80 failed after retries, \
            81 expired, 82 refused, 83 not found, 84 the store received other bytes (BadDigest, after \
            one retry), 64 unreadable file or bad manifest.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file to upload.")
    var file: String

    @Argument(help: "The presigned PUT URL (quote it); not with --parts.")
    var url: String?

    @Option(name: .long, help: "A JSON manifest of presigned part URLs for an S3 multipart upload, instead of URL.")
    var parts: String?

    @Option(name: .long, help: "Parts uploaded at once with --parts, each on its own connection (default 1).")
    var streams: Int?

    @Option(name: .long, help: "A CA bundle (PEM) to trust in addition to the system bundle and X509_CERT_DIR.")
    var cacert: String?

    @Flag(name: .long, help: "Log libcurl's trace (connection info and headers, not bodies), secrets redacted (also PILOT_CURL_DEBUG=1).")
    var debug = false

    @Option(name: .customLong("min-rate"), help: "Slowest rate in MB/s to plan for: a file that cannot be sent at it before the signature expires is refused up front (default: not checked).")
    var minimumRate: Double?

    @Option(name: .customLong("max-rate"), help: "Fastest rate in MB/s for each connection, as curl's --limit-rate (default: no cap).")
    var maxRate: Double?

    @Flag(name: .long, help: "Print a JSON summary: bytes, seconds, rate, retries, checksum, etag (and parts, with --parts).")
    var json = false

    func validate() throws {
        switch (url, parts) {
        case (nil, nil): throw ValidationError("give the presigned URL, or --parts MANIFEST")
        case (.some, .some): throw ValidationError("give the presigned URL or --parts MANIFEST, not both")
        default: break
        }
        if let streams {
            guard parts != nil else { throw ValidationError("--streams goes with --parts: a single PUT is one stream") }
            guard (1...64).contains(streams) else { throw ValidationError("--streams must be between 1 and 64") }
        }
    }

    func run() async throws {
        let context = try CommandContext.make(global: global, label: "pilot.stage")
        var uploader = SignedURLUploader(
            settings: try StageOptions.settings(context, cacert: cacert, debug: debug, maxRate: maxRate), logger: context.logger)
        uploader.contentMD5Override = context.environment["PILOT_TEST_CONTENT_MD5"]
        if let minimumRate { uploader.minimumRate = minimumRate * 1_000_000 }
        // SIGINT, SIGTERM, SIGHUP stop the upload between reads; a multipart upload is then aborted
        // through the manifest's abort URL, so its parts are not left (and billed) in the store.
        let termination = TerminationSignal()
        termination.install()
        // A second signal ends the process at once, abort or not.
        _ = termination.whenStopped { for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) } }
        uploader.interruption = { termination.reason.map { "the pilot received \($0)" } }
        let summary: UploadSummary
        do throws(StagingError) {
            if let parts {
                summary = try uploader.upload(file, parts: MultipartManifest.load(parts), streams: streams ?? 1)
            } else {
                summary = try uploader.upload(file, to: SignedURL(url ?? ""))
            }
        } catch {
            // Stopped by a signal: its exit code, whichever error the stop ended the upload with.
            if case let .signal(number)? = termination.reason {
                _ = CommandContext.fail(error)  // its one line
                throw ExitCode(128 + number)
            }
            throw CommandContext.fail(error)
        }
        if json {
            print(try JSONOutput.encode(summary))
        } else {
            let inParts = summary.parts.map { " in \($0) parts" } ?? ""
            print("\(file): \(summary.bytes) bytes\(inParts) in \(NodeSummary.format(summary.seconds)) s, \(summary.checksum)")
        }
    }
}

/// What `stage get` and `stage put` share: the transfer settings from the environment and flags.
enum StageOptions {
    /// The environment's settings, `--cacert` trusted on top of the system bundle, the trace on
    /// with `--debug`, each connection capped at `--max-rate` MB/s; an unreadable `--cacert` or a
    /// rate under 1 kB/s exits 64 before any request.
    static func settings(_ context: CommandContext, cacert: String?, debug: Bool, maxRate: Double?) throws -> CurlSettings {
        if let cacert {
            do { _ = try FileReader.readString(cacert) } catch {
                throw CommandContext.fail(StagingError.invalidRequest("cannot read --cacert: \(error)"))
            }
        }
        var settings = CurlSettings.fromEnvironment(context.environment, caFile: cacert)
        if debug { settings.debugTrace = true }
        if let maxRate {
            guard maxRate >= 0.001, maxRate <= 1_000_000 else {
                throw CommandContext.fail(StagingError.invalidRequest("--max-rate must be between 0.001 and 1000000 MB/s, not \(maxRate)"))
            }
            let speed = Int(maxRate * 1_000_000)
            settings.maxSpeed = speed
            // A transfer held at a cap under the stall limit is not stalled.
            settings.lowSpeedLimit = min(settings.lowSpeedLimit, speed / 2)
        }
        return settings
    }
}
