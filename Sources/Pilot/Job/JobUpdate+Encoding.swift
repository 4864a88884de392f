import FoundationEssentials

extension JobUpdate {
    /// One field of an update under its two API names, with its value typed as v1 wants it.
    struct Field: Sendable, Equatable {
        /// The v1 parameter (`job_id`).
        var v1: String
        /// The legacy form field (`jobId`); nil for v1-only fields.
        var legacy: String?
        var value: JSONValue
    }

    /// Every field this update sends, in a stable order, with exact types: integers for ids,
    /// codes, counts, kB and bytes; text for times in `%Y-%m-%d %H:%M:%S` UTC; a float only for
    /// `cpu_conversion_factor`. Text fields are cut to the server's column sizes.
    var fields: [Field] {
        var out: [Field] = []
        func add(_ v1: String, _ legacy: String?, _ value: JSONValue?) {
            if let value { out.append(Field(v1: v1, legacy: legacy, value: value)) }
        }
        func int(_ value: Int?) -> JSONValue? { value.map(JSONValue.int) }
        func text(_ value: String?, limit: Int? = nil) -> JSONValue? {
            guard let value, !value.isEmpty else { return nil }
            return .string(limit.map { String(value.prefix($0)) } ?? value)
        }

        add("job_id", "jobId", .int(pandaID))
        add("job_status", "state", .string(state.rawValue))
        add("node", "node", text(context.node, limit: 128))
        add("site_name", "siteName", text(context.site))
        add("attempt_nr", "attemptNr", int(attemptNr))
        add("scheduler_id", "schedulerID", text(context.schedulerID))
        add("pilot_id", "pilotID", text(context.pilotID, limit: 200))
        add("batch_id", "batchID", text(context.batchID, limit: 80))
        add("job_sub_status", "jobSubStatus", text(subStatus))
        add("start_time", "startTime", progress.startTime.map { .string(PandaTime.format($0)) })
        add("end_time", "endTime", end.map { .string(PandaTime.format($0.endTime)) })
        add("pilot_timing", "pilotTiming", text(end?.timing?.text))

        add("cpu_consumption_time", "cpuConsumptionTime", int(progress.cpuSeconds))
        add("cpu_consumption_unit", "cpuConsumptionUnit", text(context.cpu?.consumptionUnit))
        add("cpu_conversion_factor", "cpuConversionFactor", context.cpu?.conversionFactor.map(JSONValue.double))
        add("cpu_architecture_level", "cpu_architecture_level", text(context.cpu?.architectureLevel, limit: 20))
        add("core_count", "coreCount", int(progress.actualCoreCount ?? coreCount))
        add("mean_core_count", "meanCoreCount", int(progress.meanCoreCount))

        add("trans_exit_code", "transExitCode", int(end?.transExitCode))
        add("pilot_error_code", "pilotErrorCode", int(pilotErrorCodeValue))
        add("pilot_error_diag", "pilotErrorDiag", text(pilotErrorDiagText))
        add("exe_error_code", "exeErrorCode", int(end?.exeErrorCode))
        add("exe_error_diag", "exeErrorDiag", text(end?.exeErrorDiag.map { Self.oneLine($0, limit: 500) }))
        add("n_events", "nEvents", int(progress.events))
        add("n_input_files", "nInputFiles", int(progress.inputFiles))

        let memory = progress.memory
        add("max_rss", "maxRSS", int(memory?.maxRSS))
        add("max_vmem", "maxVMEM", int(memory?.maxVMEM))
        add("max_swap", "maxSWAP", int(memory?.maxSwap))
        add("max_pss", "maxPSS", int(memory?.maxPSS))
        add("avg_rss", "avgRSS", int(memory?.avgRSS))
        add("avg_vmem", "avgVMEM", int(memory?.avgVMEM))
        add("avg_swap", "avgSWAP", int(memory?.avgSwap))
        add("avg_pss", "avgPSS", int(memory?.avgPSS))
        let io = progress.io
        add("tot_rchar", "totRCHAR", int(io?.totalReadChars))
        add("tot_wchar", "totWCHAR", int(io?.totalWrittenChars))
        add("tot_rbytes", "totRBYTES", int(io?.totalReadBytes))
        add("tot_wbytes", "totWBYTES", int(io?.totalWrittenBytes))
        add("rate_rchar", "rateRCHAR", int(io?.readCharsRate))
        add("rate_wchar", "rateWCHAR", int(io?.writtenCharsRate))
        add("rate_rbytes", "rateRBYTES", int(io?.readBytesRate))
        add("rate_wbytes", "rateWBYTES", int(io?.writtenBytesRate))

        add("job_metrics", "jobMetrics", text(jobMetricsText))
        add("job_output_report", "xml", text(end?.outputs?.json))
        add("meta_data", "metaData", text(end?.metadata))
        add("pilot_log", "pilotLog", text(end?.pilotLog))
        add("stdout", "stdout", text(progress.stdoutTail, limit: 2048))
        add("corrupted_files", "corruptedFiles", text(end.map { $0.corruptedFiles.joined(separator: ",") }))
        return out
    }

    /// The v1 `update_job` body.
    var v1Body: [String: JSONValue] {
        var body: [String: JSONValue] = [:]
        for field in fields { body[field.v1] = field.value }
        return body
    }

    /// The legacy `updateJob` form fields (with the ISO 8601 `timestamp` pilot3 adds), values as text.
    func legacyForm(now: Date = Date()) -> [(name: String, value: String)] {
        var form = fields.compactMap { field in field.legacy.map { ($0, field.value.text ?? field.value.jsonText) } }
        form.insert(("timestamp", PandaTime.iso8601(now)), at: 2)
        return form
    }

    /// What Harvester reads from `worker_attributes.json`: the legacy names with native types plus
    /// `jobStatus`, without the file report, job report, log and stdout (pilot3
    /// `publish_work_report`; Harvester reads the job report from its own file).
    func workerAttributes(now: Date = Date()) -> [String: JSONValue] {
        let left = Set(["xml", "metaData", "pilotLog", "stdout"])
        var attributes: [String: JSONValue] = ["jobStatus": .string(state.rawValue), "timestamp": .string(PandaTime.iso8601(now))]
        for field in fields {
            guard let name = field.legacy, !left.contains(name) else { continue }
            attributes[name] = field.value
        }
        return attributes
    }
}
