import FoundationEssentials

/// What every update from this worker repeats: where it runs and who it is.
struct UpdateContext: Sendable, Equatable {
    /// The worker node (`node`; `PANDA_HOSTNAME` under Harvester, else the host name).
    var node: String
    /// The PanDA queue (`site_name`).
    var site: String
    /// Who submitted the pilot (`scheduler_id`; `PANDA_JSID`, e.g. `harvester-CERN_central_A`).
    var schedulerID: String?
    /// The pilot's identity (`pilot_id`; pilot3 sends `GTAG|…|PR|version`).
    var pilotID: String?
    /// The batch job (`batch_id`; `K8S_JOB_ID` in a Harvester pod).
    var batchID: String?
    /// The CPU as PanDA accounts it.
    var cpu: CPUIdentity?
    /// The GPUs the job was given, reported in `job_metrics` as pilot3 does.
    var gpu: GPUIdentity?
}

/// The CPU as PanDA accounts for it: `cpu_consumption_unit` and `cpu_architecture_level`.
struct CPUIdentity: Sendable, Equatable {
    /// The model name from cpuinfo (`AMD EPYC 7B13 64-Core Processor`; on Arm the part name).
    var model: String
    /// `x86-64-v3`, `ARMv8.2-A`, …
    var architectureLevel: String?
    /// Whether the CPU has AVX2; pilot3 appends `+AVX2` to the unit when it has.
    var hasAVX2: Bool
    /// HS23 (or HS06) per core relative to the reference; `cpu_conversion_factor` (pilot3 sends 1).
    var conversionFactor: Double?

    /// `s+<model>[+AVX2]`: the unit pilot3 sends, CPU time in seconds on this model.
    var consumptionUnit: String { "s+" + model + (hasAVX2 ? "+AVX2" : "") }

    /// The identity in a node report (`pilot detect`).
    init(report: CPUReport) {
        self.init(model: report.model ?? report.part ?? "UNKNOWN", architectureLevel: report.microarchLevel,
                  hasAVX2: report.features.contains("avx2"))
    }

    /// An identity from its parts.
    init(model: String, architectureLevel: String?, hasAVX2: Bool, conversionFactor: Double? = nil) {
        self.model = model
        self.architectureLevel = architectureLevel
        self.hasAVX2 = hasAVX2
        self.conversionFactor = conversionFactor
    }
}

/// The GPUs a job ran with: `GPU_name` and `nGPU` in `job_metrics` (pilot3 `add_gpu_info`).
struct GPUIdentity: Sendable, Equatable {
    /// The model (`NVIDIA A100-SXM4-40GB`); spaces become `_` in the metrics.
    var model: String
    var count: Int
}

/// Memory as prmon reports it, in kB (`max_rss`, …, `avg_pss`).
struct MemoryUsage: Sendable, Equatable {
    var maxRSS: Int?
    var maxVMEM: Int?
    var maxSwap: Int?
    var maxPSS: Int?
    var avgRSS: Int?
    var avgVMEM: Int?
    var avgSwap: Int?
    var avgPSS: Int?
}

/// I/O in **bytes** and bytes per second (`tot_rchar`, …, `rate_wbytes`); the server divides by
/// 1024 itself.
struct IOUsage: Sendable, Equatable {
    var totalReadChars: Int?
    var totalWrittenChars: Int?
    var totalReadBytes: Int?
    var totalWrittenBytes: Int?
    var readCharsRate: Int?
    var writtenCharsRate: Int?
    var readBytesRate: Int?
    var writtenBytesRate: Int?
}

/// Where the pilot's time went, in whole seconds: `getjob|stagein|payload|stageout|initsetup|setup`.
struct PilotTiming: Sendable, Equatable {
    var getJob = 0
    var stageIn = 0
    var payload = 0
    var stageOut = 0
    var initialSetup = 0
    var setup = 0

    /// The `pilot_timing` text.
    var text: String { [getJob, stageIn, payload, stageOut, initialSetup, setup].map(String.init).joined(separator: "|") }
}

/// What the loop has measured of a job so far; every update after `starting` carries it.
struct JobProgress: Sendable, Equatable {
    /// When the payload started (`start_time`).
    var startTime: Date?
    /// CPU time used by the payload, in seconds.
    var cpuSeconds: Int?
    /// Cores actually used (`core_count`); the job's `coreCount` when not measured.
    var actualCoreCount: Int?
    /// Mean cores used over the run (`mean_core_count`, an integer for the v1 API).
    var meanCoreCount: Int?
    var memory: MemoryUsage?
    var io: IOUsage?
    /// Events processed (`n_events`).
    var events: Int?
    /// Input files read (`n_input_files`).
    var inputFiles: Int?
    /// More `key=value` pairs for `job_metrics` (spaces in values become `_`).
    var metrics: [JobMetric] = []
    /// Debug mode: a tail of the payload's output (`stdout`).
    var stdoutTail: String?
}

/// One `key=value` of `job_metrics`.
struct JobMetric: Sendable, Equatable {
    var key: String
    var value: String
}

/// How a job ended: what only the final update (`finished`, `failed`, `holding`) carries.
struct JobEnd: Sendable, Equatable {
    /// When the job ended (`end_time`).
    var endTime: Date
    var timing: PilotTiming?
    /// The payload's exit code (`trans_exit_code`).
    var transExitCode: Int?
    /// Why the pilot failed the job.
    var pilotError: PilotErrorCode?
    /// A recoverable user error is sent as a negative code (PANDA.md §6).
    var recoverable = false
    /// One line on what went wrong (`pilot_error_diag`; the code's description when nil).
    var pilotErrorDiag: String?
    var exeErrorCode: Int?
    var exeErrorDiag: String?
    /// The files staged out, with the log (`job_output_report`).
    var outputs: OutputFileReport?
    /// The payload's jobReport.json, as text (`meta_data`).
    var metadata: String?
    /// The end of the pilot's log (`pilot_log`).
    var pilotLog: String?
    /// Input files found corrupted (`corrupted_files`).
    var corruptedFiles: [String] = []

    /// An end at `endTime` with nothing else known yet.
    init(endTime: Date) {
        self.endTime = endTime
    }
}
