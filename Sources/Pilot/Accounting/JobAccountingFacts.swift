/// Everything a finished job tells accounting: the value `pilot run` hands to
/// `AccountingLedger.record(_:)` when a job ends, however it ended.
///
/// Plain measurements, not yet APEL: text may hold any Unicode, durations are fractional. The
/// APEL record (`APELJobRecord`) and the usage record (`UsageRecord`) are derived from it. As
/// JSON (`pilot accounting record --facts FILE`) the keys are the snake_case names below;
/// optional keys may be left out.
struct JobAccountingFacts: Codable, Sendable, Equatable {
    /// The PanDA job id: APEL's LocalJobId and the ledger's key (letters, digits, `.`, `_`, `-`, `:`).
    var pandaID: String
    /// The PanDA queue the job came from: APEL's Queue.
    var queue: String
    /// The GOCDB site name; the configured `accounting.site` wins over it.
    var site: String?
    /// The node (pod or VM) the job ran on: APEL's MachineName.
    var nodeName: String
    /// The job owner's X.509 DN: APEL's GlobalUserName.
    var userDN: String?
    /// The local account the payload ran as: APEL's LocalUserId.
    var localUser: String?
    /// The VOMS FQAN (`/atlas/Role=production/Capability=NULL`); when present, APEL takes VO,
    /// VOGroup and VORole from it.
    var fqan: String?
    /// The VO, used when there is no FQAN.
    var vo: String?
    /// When the payload started, in whole seconds since the epoch (UTC).
    var startTime: Int64
    /// When the payload ended, in whole seconds since the epoch (UTC).
    var endTime: Int64
    /// The payload's wall-clock time in seconds.
    var wallSeconds: Double
    /// User CPU seconds of the whole payload process tree (cgroup `cpu.stat` or rusage of children).
    var cpuUserSeconds: Double
    /// System CPU seconds of the whole payload process tree.
    var cpuSystemSeconds: Double
    /// Cores the job was given: APEL's Processors.
    var cores: Int
    /// Nodes the job ran on (1 for a pilot job).
    var nodeCount: Int?
    /// The payload's peak resident memory in KiB (APEL's MemoryReal, which counts in kB).
    var maxRSSKiB: Int64?
    /// The payload's peak virtual memory in KiB (APEL's MemoryVirtual).
    var maxVMemKiB: Int64?
    /// How the job ended.
    var exitState: JobExitState
    /// The payload's exit code, when it had one.
    var exitCode: Int32?
    /// The CPU architecture (`x86_64`, `aarch64`).
    var architecture: String
    /// The CPU model as detected (`AMD EPYC 9654 96-Core Processor`, `Neoverse-V2`).
    var cpuModel: String?
    /// The GPU model the job used, if any (`NVIDIA H100 80GB HBM3`).
    var gpuModel: String?
    /// GPU-seconds: seconds of wall time times GPUs held.
    var gpuSeconds: Double?
    /// Bytes staged in, per storage endpoint (`https://s3.example.org`, an RSE name).
    var stagedIn: [String: Int64]?
    /// Bytes staged out, per storage endpoint; every one counts as egress in cost estimates.
    var stagedOut: [String: Int64]?
    /// The cloud instance type the node is (`m7i.4xlarge`), which selects the core-hour price.
    var instanceType: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case pandaID = "panda_id", queue, site
        case nodeName = "node_name"
        case userDN = "user_dn"
        case localUser = "local_user"
        case fqan, vo
        case startTime = "start_time"
        case endTime = "end_time"
        case wallSeconds = "wall_seconds"
        case cpuUserSeconds = "cpu_user_seconds"
        case cpuSystemSeconds = "cpu_system_seconds"
        case cores
        case nodeCount = "node_count"
        case maxRSSKiB = "max_rss_kib"
        case maxVMemKiB = "max_vmem_kib"
        case exitState = "exit_state"
        case exitCode = "exit_code"
        case architecture
        case cpuModel = "cpu_model"
        case gpuModel = "gpu_model"
        case gpuSeconds = "gpu_seconds"
        case stagedIn = "staged_in"
        case stagedOut = "staged_out"
        case instanceType = "instance_type"
    }

    /// CPU seconds of the whole tree, user plus system.
    var cpuSeconds: Double { cpuUserSeconds + cpuSystemSeconds }

    /// Whether `pandaID` can be a ledger key and a file name: 1 to 128 of `[A-Za-z0-9._:-]`, not
    /// starting with a dot.
    var hasValidKey: Bool {
        guard (1...128).contains(pandaID.utf8.count), pandaID.first != "." else { return false }
        return pandaID.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ":")
        }
    }
}

/// How a job ended, as the pilot saw it.
enum JobExitState: String, Codable, Sendable, CaseIterable {
    /// The payload exited 0 and its outputs were staged out.
    case finished
    /// The payload or a step around it failed.
    case failed
    /// The server or a limit (wall time, memory) killed it.
    case killed
    /// The pilot itself was told to stop (SIGTERM, pod eviction) and ended the payload.
    case pilotTerminated = "pilot_terminated"
    /// The pilot died while the job ran; a restarted pilot found it and recorded it.
    case lost
}
