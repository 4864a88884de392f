import FoundationEssentials

/// A job state the pilot reports (the server's `VALID_JOB_STATES`; PANDA.md §6).
///
/// The sequence is `starting` (when stage-in begins), `running` (heartbeats), then `finished` or
/// `failed`; `holding` (or `transferring`) when stage-out is deferred.
enum JobState: String, Sendable, Equatable, Codable, CaseIterable {
    case starting
    case running
    case transferring
    case holding
    case finished
    case failed

    /// Whether this is the job's last update from the pilot: the server moves the job on (to
    /// `holding`, then the Adder) and answers any later update with `alreadydone`.
    var isFinal: Bool { self == .finished || self == .failed }
}

/// One `update_job` call: the job, its state, and what the pilot knows of it now.
///
/// Build one with `starting`, `running`, `finished`, `failed`, `holding` or `rejected`; the
/// encodings (v1 JSON with native types, legacy form fields, Harvester's attributes file) are in
/// `JobUpdate+Encoding.swift`.
struct JobUpdate: Sendable, Equatable {
    var pandaID: Int
    var state: JobState
    /// Repeated from the job description; the server refuses an update for another attempt.
    var attemptNr: Int?
    /// The cores the job was given, sent when nothing measured says otherwise.
    var coreCount: Int?
    var context: UpdateContext
    /// A finer state, e.g. `pilot_killed` (`job_sub_status`).
    var subStatus: String?
    var progress: JobProgress
    /// Set for `finished`, `failed` and `holding`.
    var end: JobEnd?

    /// The first update, sent when stage-in begins.
    static func starting(_ job: JobDescription, context: UpdateContext) -> JobUpdate {
        JobUpdate(pandaID: job.pandaID, state: .starting, attemptNr: job.attemptNr, coreCount: job.coreCount,
                  context: context, progress: JobProgress())
    }

    /// A heartbeat while the job runs.
    static func running(_ job: JobDescription, context: UpdateContext, progress: JobProgress) -> JobUpdate {
        JobUpdate(pandaID: job.pandaID, state: .running, attemptNr: job.attemptNr, coreCount: job.coreCount,
                  context: context, progress: progress)
    }

    /// The final update of a job whose payload succeeded and whose outputs (and log) are stored;
    /// `end.outputs` lists them.
    static func finished(_ job: JobDescription, context: UpdateContext, progress: JobProgress, end: JobEnd) -> JobUpdate {
        var end = end
        end.pilotError = nil
        end.pilotErrorDiag = nil
        return JobUpdate(pandaID: job.pandaID, state: .finished, attemptNr: job.attemptNr, coreCount: job.coreCount,
                         context: context, progress: progress, end: end)
    }

    /// The final update of a job that failed: `end.pilotError` says why (the payload's own exit
    /// code alone, in `end.transExitCode`, when it is the payload that failed).
    static func failed(_ job: JobDescription, context: UpdateContext, progress: JobProgress, end: JobEnd) -> JobUpdate {
        JobUpdate(pandaID: job.pandaID, state: .failed, attemptNr: job.attemptNr, coreCount: job.coreCount,
                  context: context, progress: progress, end: end)
    }

    /// Stage-out deferred: the job is left for Harvester (or a later pilot) to finish.
    static func holding(_ job: JobDescription, context: UpdateContext, progress: JobProgress, end: JobEnd) -> JobUpdate {
        JobUpdate(pandaID: job.pandaID, state: .holding, attemptNr: job.attemptNr, coreCount: job.coreCount,
                  context: context, progress: progress, end: end)
    }

    /// The failure report for a job whose description could not be used: the loop has only the
    /// PandaID (and perhaps the attempt) from the raw fields.
    static func rejected(pandaID: Int, attemptNr: Int?, context: UpdateContext, error: JobDescriptionError,
                         at time: Date = Date()) -> JobUpdate {
        var end = JobEnd(endTime: time)
        end.pilotError = error.pilotErrorCode
        end.pilotErrorDiag = error.diagnostic
        return JobUpdate(pandaID: pandaID, state: .failed, attemptNr: attemptNr, context: context,
                         progress: JobProgress(), end: end)
    }

    /// `pilot_error_code`: negative for a recoverable error, nil when the pilot found none.
    var pilotErrorCodeValue: Int? {
        guard let error = end?.pilotError else { return nil }
        return end?.recoverable == true ? -error.rawValue : error.rawValue
    }

    /// `pilot_error_diag`: one line of at most 500 characters (the server's column), the code's
    /// own description when no text was given.
    var pilotErrorDiagText: String? {
        guard let end, end.pilotError != nil || end.pilotErrorDiag != nil else { return nil }
        return Self.oneLine(end.pilotErrorDiag ?? end.pilotError?.description ?? "", limit: 500)
    }

    /// `job_metrics`: `key=value` pairs separated by spaces, at most 500 characters (whole pairs
    /// only); the GPU model and count first, as pilot3 reports them.
    var jobMetricsText: String? {
        var pairs: [JobMetric] = []
        if let gpu = context.gpu {
            pairs.append(JobMetric(key: "GPU_name", value: gpu.model))
            pairs.append(JobMetric(key: "nGPU", value: String(gpu.count)))
        }
        pairs += progress.metrics
        var text = ""
        for pair in pairs {
            let item = pair.key + "=" + pair.value.map { $0.isWhitespace ? "_" : String($0) }.joined()
            let next = text.isEmpty ? item : text + " " + item
            if next.count > 500 { break }
            text = next
        }
        return text.isEmpty ? nil : text
    }

    /// `text` on one line (line breaks and tabs become spaces), cut to `limit` characters.
    static func oneLine(_ text: String, limit: Int) -> String {
        let line = text.split(whereSeparator: { $0.isNewline || $0 == "\t" }).map { $0.trimmed }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return line.count > limit ? String(line.prefix(limit)) : line
    }
}
