#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials

/// `pilot rucio download SCOPE:NAME DEST`.
struct RucioDownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a file by its DID through a signed URL from Rucio, verified by checksum.",
        discussion: """
            Replicas are tried in order (this node's region and cloud first, then Rucio's order) until \
            one arrives whole and matching Rucio's size and Adler-32; a URL that expires on the way is \
            replaced by a fresh one and the download resumes. DEST is a file, or a directory the file \
            goes into under its name. Exit codes: see pilot rucio --help.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var rucio: RucioOptions

    @Argument(help: "The file's DID, SCOPE:NAME.")
    var did: String

    @Argument(help: "Where the file goes: a path, or a directory.")
    var destination: String

    @Option(name: .long, help: "Only replicas on RSEs matching this expression.")
    var rse: String?

    @Flag(name: .long, help: "Print a JSON summary: did, path, rse, bytes, checksum, retries, refreshes, failed_replicas, egress.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, label: "pilot.rucio")
        let settings = try rucio.settings(context)
        let did: RucioDID
        do throws(RucioError) { did = try RucioDID(self.did) } catch { throw CommandContext.fail(error) }
        var path = destination
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { path += (path.hasSuffix("/") ? "" : "/") + did.name }
        let label = did.name
        let result: RucioDownloadResult
        let tally = TransferTally()
        do throws(RucioError) {
            var stage = try RucioStageIn.make(settings: settings, environment: context.environment, logger: context.logger, tally: tally)
            stage.rseExpression = rse
            stage.progress = json ? nil : TransferProgress.forTerminal(label: label)
            let input = JobInputFile(lfn: did.name, scope: did.scope)
            let resolved = try stage.resolve([input])
            do throws(RucioError) {
                result = try stage.download(resolved[0], to: path)
                stage.progress?.finish()
            } catch {
                stage.progress?.finish()
                throw error
            }
        } catch {
            throw CommandContext.fail(error)
        }
        if json {
            print(try JSONOutput.encode(RucioTransferOutput(result: result, egress: tally.snapshot)))
        } else {
            let rate = result.seconds > 0 ? Double(result.bytes) / result.seconds / 1e6 : 0
            var extra = ""
            if result.refreshes > 0 { extra += ", \(result.refreshes) fresh URLs" }
            if !result.failedReplicas.isEmpty { extra += ", after \(result.failedReplicas.count) failed replicas" }
            print("\(result.path): \(result.bytes) bytes from \(result.rse) in \(NodeSummary.format(result.seconds)) s (\(NodeSummary.format(rate)) MB/s), \(result.checksum)\(extra)")
        }
    }
}

/// `pilot rucio upload FILE --rse RSE --scope SCOPE`.
struct RucioUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload FILE to an RSE through a URL Rucio signs, then register it with its size and Adler-32.",
        discussion: """
            The registration is read back: a file Rucio already holds with another size or checksum is \
            an error (84), not silently kept. --json prints the output file report's entry as PanDA \
            gets it. Exit codes: see pilot rucio --help.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var rucio: RucioOptions

    @Argument(help: "The file to upload.")
    var file: String

    @Option(name: .customLong("rse"), help: "The RSE to write to (default PILOT_RUCIO_OUTPUT_RSE).")
    var targetRSE: String?

    @Option(name: .long, help: "The scope to register the file in.")
    var scope: String

    @Option(name: .long, help: "The file's name in Rucio (default: FILE's name).")
    var name: String?

    @Option(name: .long, help: "The GUID to register (default: a new one).")
    var guid: String?

    @Flag(name: .long, help: "Print a JSON summary: did, rse, pfn, bytes, adler32, guid, registered, and the output file report.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, label: "pilot.rucio")
        let settings = try rucio.settings(context)
        let lfn = name ?? (file.split(separator: "/").last.map(String.init) ?? file)
        let tally = TransferTally()
        let result: RucioUploadResult
        do throws(RucioError) {
            guard let rse = targetRSE ?? settings.outputRSE else {
                throw RucioError.notConfigured("no RSE to write to (--rse, PILOT_RUCIO_OUTPUT_RSE)")
            }
            let stage = RucioStageOut(sharing: try RucioStageIn.make(
                settings: settings, environment: context.environment, logger: context.logger, tally: tally))
            result = try stage.upload(file, as: RucioDID(scope: scope, name: lfn), to: rse,
                                      guid: guid ?? OutputFileReport.newGUID(), dataset: nil)
        } catch {
            throw CommandContext.fail(error)
        }
        if json {
            let report = JSONValue.parse(OutputFileReport([result.entry(lfn: lfn)]).json) ?? .null
            print(try JSONOutput.encode(RucioUploadOutput(result: result, report: report, egress: tally.snapshot)))
        } else {
            print("\(file): \(result.bytes) bytes to \(result.rse) as \(result.did), adler32 \(result.adler32), registered")
        }
    }
}

/// `pilot rucio download --json`: the result and the bytes counted per RSE.
struct RucioTransferOutput: Encodable {
    var result: RucioDownloadResult
    var egress: [String: TransferTally.Totals]

    private enum CodingKeys: String, CodingKey { case endpoints }

    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(egress, forKey: .endpoints)
    }
}

/// `pilot rucio upload --json`: the result, the output file report and the bytes per RSE.
struct RucioUploadOutput: Encodable {
    var result: RucioUploadResult
    var report: JSONValue
    var egress: [String: TransferTally.Totals]

    private enum CodingKeys: String, CodingKey {
        case report = "output_file_report"
        case endpoints
    }

    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report, forKey: .report)
        try container.encode(egress, forKey: .endpoints)
    }
}
