#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// Stage-in and stage-out over the job's signed URLs (`signedURLsIn`, `signedURLsOut`).
extension JobRunner {
    /// Outputs staged: the file report entries and the bytes sent.
    struct Staged: Sendable {
        var entries: [OutputFileReport.Entry] = []
        var bytes: Int64 = 0
    }

    /// Downloads every input into the job directory, checked against the catalogue's checksum
    /// and size; the bytes received.
    func stageIn(_ job: JobDescription, into directory: String, logger: Logger) async throws(StepFailure) -> Int64 {
        let downloader = SignedURLDownloader(settings: CurlSettings.fromEnvironment(environment, caFile: nil), logger: logger)
        var bytes: Int64 = 0
        for input in job.inputs {
            guard let url = input.signedURL, !url.isEmpty else {
                throw StepFailure(code: .stageInFailed, diagnostic: "no signed URL for input \(input.lfn) (signedURLsIn)")
            }
            let destination = directory + "/" + input.lfn
            let outcome = await BlockingThread.run { () -> Swift.Result<DownloadSummary, StagingError> in
                do throws(StagingError) {
                    return .success(try downloader.download(SignedURL(url), to: destination, checksum: input.checksum, size: input.size))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case let .success(summary):
                bytes += Int64(summary.bytes)
                logger.info("input staged in", metadata: ["lfn": "\(input.lfn)", "bytes": "\(summary.bytes)", "checksum": "\(summary.checksum)"])
            case let .failure(error):
                throw StepFailure(code: Self.stageInCode(error), diagnostic: "stage-in of \(input.lfn): \(error)")
            }
        }
        return bytes
    }

    /// Uploads the outputs the payload wrote; an output it did not write fails the job unless
    /// `allowNoOutput` names it.
    func stageOutOutputs(_ job: JobDescription, from directory: String, logger: Logger) async throws(StepFailure) -> Staged {
        var staged = Staged()
        for output in job.outputs where output.kind == .output {
            let path = directory + "/" + output.lfn
            guard HostFileSystem(root: "/").exists(path) else {
                if job.allowNoOutput.contains(output.lfn) { continue }
                throw StepFailure(code: .missingOutputFile, diagnostic: "output \(output.lfn) was not produced")
            }
            staged.entries.append(try await upload(path, output, logger: logger, bytes: &staged.bytes))
        }
        return staged
    }

    /// Archives the job directory's logs and uploads the archive as the job's `logFile`.
    func stageOutLog(_ job: JobDescription, from directory: String, logger: Logger) async throws(StepFailure) -> Staged {
        guard let log = job.log, HostFileSystem(root: "/").exists(directory) else { return Staged() }
        let archive = LogArchive(directory: directory, prefix: "tarball_PandaJob_\(job.pandaID)_\(context.site.isEmpty ? "local" : context.site)",
                                 excluded: Set(job.inputs.map(\.lfn) + job.outputs.map(\.lfn)))
        do { _ = try archive.write(to: directory + "/" + log.lfn) } catch {
            throw StepFailure(code: .stageOutFailed, diagnostic: "\(error)")
        }
        var staged = Staged()
        staged.entries.append(try await upload(directory + "/" + log.lfn, log, logger: logger, bytes: &staged.bytes))
        return staged
    }

    private func upload(_ path: String, _ file: JobOutputFile, logger: Logger, bytes: inout Int64) async throws(StepFailure) -> OutputFileReport.Entry {
        guard let url = file.signedURL, !url.isEmpty else {
            throw StepFailure(code: .stageOutFailed, diagnostic: "no signed URL for \(file.lfn) (signedURLsOut)")
        }
        let uploader = SignedURLUploader(settings: CurlSettings.fromEnvironment(environment, caFile: nil), logger: logger)
        let outcome = await BlockingThread.run { () -> Swift.Result<UploadSummary, StagingError> in
            do throws(StagingError) { return .success(try uploader.upload(path, to: SignedURL(url))) } catch { return .failure(error) }
        }
        switch outcome {
        case let .success(summary):
            bytes += Int64(summary.bytes)
            logger.info("output staged out", metadata: ["lfn": "\(file.lfn)", "bytes": "\(summary.bytes)", "checksum": "\(summary.checksum)"])
            let adler = summary.checksum.hasPrefix("ad:") ? String(summary.checksum.dropFirst(3)) : summary.checksum
            return OutputFileReport.Entry(lfn: file.lfn, guid: file.guid ?? UUID().uuidString.lowercased(), size: summary.bytes,
                                          adler32: adler, surl: nil, endpoint: file.ddmEndpoint)
        case let .failure(error):
            let code: PilotErrorCode = if case .checksumMismatch = error { .putADMismatch } else { .stageOutFailed }
            throw StepFailure(code: code, diagnostic: "stage-out of \(file.lfn): \(error)")
        }
    }

    static func stageInCode(_ error: StagingError) -> PilotErrorCode {
        switch error {
        case .notFound: .replicaNotFound
        case .checksumMismatch, .sizeMismatch: .getADMismatch
        case .diskFull: .noLocalSpace
        default: .stageInFailed
        }
    }
}
