import Logging

/// The nvidia-smi runs of a probe: the device query, `--version` for CUDA, `-L` for MIG entries.
extension GPUProbe {
    /// The result of the `--query-gpu` run: devices when it worked, else the state and one-line error.
    struct QueryResult: Sendable, Equatable {
        /// The parsed rows; nil when nvidia-smi failed.
        var devices: [GPUDevice]?
        /// `GPUProbeStatus.nvidiaSMI`: ok, timed out or failed.
        var state: GPUProbeStatus.NvidiaSMIState
        /// `GPUProbeStatus.error`.
        var error: String?
    }

    /// Runs the query; when the driver is too old for `compute_cap` or the MIG fields (exit 2),
    /// runs the shorter legacy query once.
    func queryDevices(_ runner: DeadlineRunner) async -> QueryResult {
        let queries = [NvidiaSMICSV.query, NvidiaSMICSV.legacyQuery]
        for (attempt, fields) in queries.enumerated() {
            let arguments = ["--query-gpu=" + fields.joined(separator: ","), "--format=csv,noheader,nounits"]
            let outcome = await runner.run(arguments)
            let metadata: Logger.Metadata = ["path": "\(runner.executable)", "attempt": "\(attempt + 1)"]
            switch outcome {
            case .exited(code: 0, let output, _):
                do {
                    return QueryResult(devices: try NvidiaSMICSV.parse(output, fields: fields).devices, state: .ok)
                } catch {
                    logger.notice("nvidia-smi output unreadable", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                    return QueryResult(state: .failed, error: "nvidia-smi output: \(error)")
                }
            case .exited(code: 2, _, _) where attempt + 1 < queries.count:
                logger.debug("nvidia-smi rejected the query, retrying without compute_cap and mig fields", metadata: metadata)
                continue
            case .exited(let code, let output, let error):
                let summary = NvidiaSMIFailure.summary(exitCode: code, output: output + "\n" + error)
                logger.notice("nvidia-smi failed", metadata: metadata.merging(["error": "\(summary)"]) { $1 })
                return QueryResult(state: .failed, error: summary)
            case .signaled(let signal):
                logger.notice("nvidia-smi killed by a signal", metadata: metadata.merging(["signal": "\(signal)"]) { $1 })
                return QueryResult(state: .failed, error: "nvidia-smi killed by signal \(signal)")
            case .timedOut:
                logger.notice("nvidia-smi timed out and was killed", metadata: metadata.merging(["timeout": "\(timeout)"]) { $1 })
                return QueryResult(state: .timedOut, error: "nvidia-smi gave no answer within \(timeout) and was killed")
            case .launchFailed(let reason):
                logger.notice("nvidia-smi could not start", metadata: metadata.merging(["error": "\(reason)"]) { $1 })
                return QueryResult(state: .failed, error: "nvidia-smi could not start: \(reason)")
            }
        }
        return QueryResult(state: .failed, error: "nvidia-smi rejected both queries")
    }

    /// The CUDA version from `nvidia-smi --version`; nil on drivers without that flag.
    func cudaVersion(_ runner: DeadlineRunner) async -> String? {
        guard case .exited(code: 0, let output, _) = await runner.run(["--version"]) else {
            logger.debug("nvidia-smi --version gave no cuda version", metadata: ["path": "\(runner.executable)"])
            return nil
        }
        return (try? NvidiaSMIReport.parseVersionOutput(output))?.cudaVersion
    }

    /// MIG UUID → GPU UUID from `nvidia-smi -L`, for visibility entries that name MIG devices.
    func readMIGParents(_ runner: DeadlineRunner) async -> [String: String] {
        guard case .exited(code: 0, let output, _) = await runner.run(["-L"]),
              let list = try? NvidiaSMIList.parse(output)
        else {
            logger.notice("nvidia-smi -L failed; MIG entries in the visibility variables match nothing")
            return [:]
        }
        return list.migParents
    }
}
