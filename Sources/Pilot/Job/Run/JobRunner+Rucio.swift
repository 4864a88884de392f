#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// A job's files that come without signed URLs go through Rucio (`rucio.server_url`): replicas
/// listed and signed by Rucio, nearest first, with fallback and fresh URLs; outputs uploaded to
/// their RSE and registered. Abandoned like any transfer when the pilot stops.
extension JobRunner {
    /// The endpoint name that bytes over a job's own signed URLs are counted under.
    static let signedURLEndpoint = "signed-url"

    /// Downloads `inputs` through Rucio; the bytes received per RSE.
    func stageInThroughRucio(_ inputs: [JobInputFile], into directory: String) async throws(StepFailure) -> [String: Int64] {
        let stage = try rucioStage(for: inputs.map(\.lfn), stageOut: false)
        let resolved = await termination.bounded(.stageIn) { () -> Swift.Result<[RucioResolvedInput], RucioError> in
            do throws(RucioError) { return .success(try stage.resolve(inputs)) } catch { return .failure(error) }
        }
        var bytes: [String: Int64] = [:]
        for file in try rucioOutcome(resolved, what: "Rucio's replicas") {
            let outcome = await termination.bounded(.stageIn) { () -> Swift.Result<RucioDownloadResult, RucioError> in
                do throws(RucioError) { return .success(try stage.download(file, to: directory + "/" + file.lfn)) } catch { return .failure(error) }
            }
            let result = try rucioOutcome(outcome, what: "stage-in of \(file.lfn)")
            bytes[result.rse, default: 0] += Int64(result.bytes)
            logger.info("input staged in through rucio", metadata: ["lfn": "\(file.lfn)", "rse": "\(result.rse)", "bytes": "\(result.bytes)"])
        }
        return bytes
    }

    /// Uploads `file` to its RSE and registers it; its output report entry.
    func uploadThroughRucio(_ path: String, _ file: JobOutputFile, step: StopBudget.Step) async throws(StepFailure) -> OutputFileReport.Entry {
        let stageOut = RucioStageOut(sharing: try rucioStage(for: [file.lfn], stageOut: true))
        guard let scope = file.scope, !scope.isEmpty else {
            throw StepFailure(code: .stageOutFailed, diagnostic: "output \(file.lfn) has no signed URL (signedURLsOut) and no scope for Rucio")
        }
        guard let rse = file.ddmEndpoint ?? configuration.rucio.outputRSE else {
            throw StepFailure(code: .stageOutFailed, diagnostic: "output \(file.lfn) has no signed URL and no RSE (ddmEndPointOut, rucio.output_rse)")
        }
        let guid = file.guid ?? OutputFileReport.newGUID()
        let outcome = await termination.bounded(step) { () -> Swift.Result<RucioUploadResult, RucioError> in
            do throws(RucioError) {
                return .success(try stageOut.upload(path, as: RucioDID(scope: scope, name: file.lfn), to: rse, guid: guid, dataset: file.dataset))
            } catch { return .failure(error) }
        }
        let result = try rucioOutcome(outcome, what: "stage-out of \(file.lfn)", stageOut: true)
        logger.info("output staged out through rucio", metadata: ["lfn": "\(file.lfn)", "rse": "\(rse)", "bytes": "\(result.bytes)"])
        return result.entry(lfn: file.lfn)
    }

    /// The job's Rucio stage (made once per job, so its token is shared); a job whose files need
    /// Rucio fails when none is configured.
    private func rucioStage(for files: [String], stageOut: Bool) throws(StepFailure) -> RucioStageIn {
        let code: PilotErrorCode = stageOut ? .stageOutFailed : .stageInFailed
        guard let rucio else {
            throw StepFailure(code: code, diagnostic: "no signed URL for \(files.joined(separator: ", ")) "
                + "(\(stageOut ? "signedURLsOut" : "signedURLsIn")) and no Rucio server configured (rucio.server_url)")
        }
        switch rucio {
        case let .success(stage): return stage
        case let .failure(error): throw StepFailure(code: error.pilotErrorCode(stageOut: stageOut), diagnostic: "rucio: \(error)")
        }
    }

    /// A bounded Rucio step's value, or its failure as the job's (the pilot's stop when abandoned).
    private func rucioOutcome<T>(_ outcome: Swift.Result<T, RucioError>?, what: String, stageOut: Bool = false) throws(StepFailure) -> T {
        switch outcome {
        case let .success(value)?: return value
        case let .failure(error)?: throw StepFailure(code: error.pilotErrorCode(stageOut: stageOut), diagnostic: "\(what): \(error)")
        case nil: throw abandoned(what)
        }
    }
}
