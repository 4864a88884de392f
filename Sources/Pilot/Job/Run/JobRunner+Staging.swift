#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// Stage-in and stage-out over the job's signed URLs (`signedURLsIn`, `signedURLsOut`). A
/// transfer is abandoned when the pilot stops (stage-in at once, stage-out at its step's deadline).
extension JobRunner {
    /// Downloads every input into the job directory, checked against the catalogue's checksum
    /// and size: over its signed URL when the job gives one, else through Rucio's replicas. The
    /// bytes received per endpoint.
    func stageIn(_ job: JobDescription, into directory: String, logger: Logger) async throws(StepFailure) -> [String: Int64] {
        let downloader = SignedURLDownloader(settings: CurlSettings.fromEnvironment(environment, caFile: nil), logger: logger)
        var bytes: [String: Int64] = [:]
        let unsigned = job.inputs.filter { ($0.signedURL ?? "").isEmpty }
        if !unsigned.isEmpty {
            for (rse, count) in try await stageInThroughRucio(unsigned, into: directory) { bytes[rse, default: 0] += count }
        }
        for input in job.inputs {
            guard let url = input.signedURL, !url.isEmpty else { continue }
            let destination = directory + "/" + input.lfn
            let outcome = await termination.bounded(.stageIn) { () -> Swift.Result<DownloadSummary, StagingError> in
                do throws(StagingError) {
                    return .success(try downloader.download(SignedURL(url), to: destination, checksum: input.checksum, size: input.size))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .none:
                throw abandoned("stage-in of \(input.lfn)")
            case let .success(summary):
                bytes[input.ddmEndpoint ?? Self.signedURLEndpoint, default: 0] += Int64(summary.bytes)
                logger.info("input staged in", metadata: ["lfn": "\(input.lfn)", "bytes": "\(summary.bytes)", "checksum": "\(summary.checksum)"])
            case let .failure(error):
                throw StepFailure(code: Self.stageInCode(error), diagnostic: "stage-in of \(input.lfn): \(error)")
            }
        }
        return bytes
    }

    /// Uploads the outputs the payload wrote that the state file does not list as sent, each
    /// recorded there once sent. When `required`, an output not written fails the job unless
    /// `allowNoOutput` names it; otherwise (a stopped job) what exists is sent.
    func stageOutOutputs(_ job: JobDescription, from directory: String, recorder: JobStateRecorder, required: Bool, logger: Logger) async throws(StepFailure) {
        for output in job.outputs where output.kind == .output {
            if recorder.state.staged.contains(where: { $0.lfn == output.lfn }) { continue }
            let path = directory + "/" + output.lfn
            guard HostFileSystem(root: "/").exists(path) else {
                if job.allowNoOutput.contains(output.lfn) || !required { continue }
                throw StepFailure(code: .missingOutputFile, diagnostic: "output \(output.lfn) was not produced")
            }
            let entry = try await upload(path, output, step: .outputs, logger: logger)
            recorder.update { $0.staged.append(entry) }
        }
    }

    /// Archives the job directory's logs and uploads the archive as the job's `logFile` (unless
    /// the state file lists it as sent).
    func stageOutLog(_ job: JobDescription, from directory: String, recorder: JobStateRecorder, logger: Logger) async throws(StepFailure) {
        guard let log = job.log, HostFileSystem(root: "/").exists(directory),
              !recorder.state.staged.contains(where: { $0.lfn == log.lfn }) else { return }
        let archive = LogArchive(directory: directory, prefix: "tarball_PandaJob_\(job.pandaID)_\(context.site.isEmpty ? "local" : context.site)",
                                 excluded: Set(job.inputs.map(\.lfn) + job.outputs.map(\.lfn)))
        do { _ = try archive.write(to: directory + "/" + log.lfn) } catch {
            throw StepFailure(code: .stageOutFailed, diagnostic: "\(error)")
        }
        let entry = try await upload(directory + "/" + log.lfn, log, step: .log, logger: logger)
        recorder.update { $0.staged.append(entry) }
    }

    private func upload(_ path: String, _ file: JobOutputFile, step: StopBudget.Step, logger: Logger) async throws(StepFailure) -> OutputFileReport.Entry {
        guard let url = file.signedURL, !url.isEmpty else {
            return try await uploadThroughRucio(path, file, step: step)
        }
        let uploader = SignedURLUploader(settings: CurlSettings.fromEnvironment(environment, caFile: nil), logger: logger)
        let outcome = await termination.bounded(step) { () -> Swift.Result<UploadSummary, StagingError> in
            do throws(StagingError) { return .success(try uploader.upload(path, to: SignedURL(url))) } catch { return .failure(error) }
        }
        switch outcome {
        case .none:
            throw abandoned("stage-out of \(file.lfn)")
        case let .success(summary):
            logger.info("output staged out", metadata: ["lfn": "\(file.lfn)", "bytes": "\(summary.bytes)", "checksum": "\(summary.checksum)"])
            let adler = summary.checksum.hasPrefix("ad:") ? String(summary.checksum.dropFirst(3)) : summary.checksum
            return OutputFileReport.Entry(lfn: file.lfn, guid: file.guid ?? UUID().uuidString.lowercased(), size: summary.bytes,
                                          adler32: adler, surl: nil, endpoint: file.ddmEndpoint ?? Self.signedURLEndpoint)
        case let .failure(error):
            let code: PilotErrorCode = switch error {
            case .checksumMismatch, .uploadCorrupted: .putADMismatch
            default: .stageOutFailed
            }
            throw StepFailure(code: code, diagnostic: "stage-out of \(file.lfn): \(error)")
        }
    }

    /// The job's failure when a transfer is abandoned because the pilot is stopping (a bounded
    /// step only gives up once the pilot has a stop reason): that reason's code.
    func abandoned(_ what: String) -> StepFailure {
        let reason = termination?.reason ?? .signal(SIGTERM)
        return StepFailure(code: reason.errorCode, diagnostic:
            "\(what) abandoned at its deadline in the pilot's \(Int(settings.stopBudget)) s stop budget: the pilot received \(reason)")
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
