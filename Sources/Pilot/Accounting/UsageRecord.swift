/// The usage record of one job, beyond APEL, for cost studies: where bytes went, what hardware
/// ran it, how long, and what it cost by the configured price table.
///
/// Written as `<ledger>/usage/<panda_id>.json` and totalled by `pilot accounting report`. Every
/// documented key is present; unknown values are `null`.
struct UsageRecord: Codable, Sendable, Equatable {
    /// The format's version, for readers.
    var version = 1
    /// The PanDA job id, the ledger's key.
    var pandaID: String
    /// The PanDA queue.
    var queue: String
    /// The site as written in the APEL record (configured, else the job's).
    @EncodedAsNull var site: String?
    /// How the job ended.
    var exitState: JobExitState
    /// The payload's exit code.
    @EncodedAsNull var exitCode: Int32?
    /// The start, whole seconds since the epoch.
    var startTime: Int64
    /// The end, whole seconds since the epoch.
    var endTime: Int64
    /// The UTC month of the end, `YYYY-MM`: the month APEL counts the job in.
    var month: String
    /// Wall seconds, rounded.
    var wallSeconds: Int64
    /// CPU seconds, user + system of the payload tree.
    var cpuSeconds: Int64
    /// Cores the job was given.
    var cores: Int
    /// Cores x wall seconds: what a core-hour price applies to.
    var coreSeconds: Int64
    /// `x86_64`, `aarch64`.
    var architecture: String
    /// The CPU model as detected.
    @EncodedAsNull var cpuModel: String?
    /// The cloud instance type.
    @EncodedAsNull var instanceType: String?
    /// The GPU model, and GPU-seconds (0 without GPUs).
    @EncodedAsNull var gpuModel: String?
    /// GPU-seconds (0 without GPUs).
    var gpuSeconds: Double
    /// Bytes staged in per endpoint, sorted by endpoint.
    var stagedIn: [EndpointBytes]
    /// Bytes staged out per endpoint, sorted by endpoint.
    var stagedOut: [EndpointBytes]
    /// Bytes staged in, all endpoints.
    var bytesIn: Int64
    /// Bytes staged out, all endpoints: the egress priced.
    var bytesOut: Int64
    /// Peak resident memory in KiB.
    @EncodedAsNull var maxRSSKiB: Int64?
    /// The estimate; null without a price table.
    @EncodedAsNull var cost: UsageCost?

    enum CodingKeys: String, CodingKey {
        case version
        case pandaID = "panda_id"
        case queue, site
        case exitState = "exit_state"
        case exitCode = "exit_code"
        case startTime = "start_time"
        case endTime = "end_time"
        case month
        case wallSeconds = "wall_seconds"
        case cpuSeconds = "cpu_seconds"
        case cores
        case coreSeconds = "core_seconds"
        case architecture
        case cpuModel = "cpu_model"
        case instanceType = "instance_type"
        case gpuModel = "gpu_model"
        case gpuSeconds = "gpu_seconds"
        case stagedIn = "staged_in"
        case stagedOut = "staged_out"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case maxRSSKiB = "max_rss_kib"
        case cost
    }

    /// The record of a job's facts, priced by `prices` when given; `site` is the one APEL gets.
    init(facts: JobAccountingFacts, site: String?, prices: PriceTable?) {
        let wall = Int64(max(0, facts.wallSeconds).rounded())
        let stagedIn = EndpointBytes.list(facts.stagedIn)
        let stagedOut = EndpointBytes.list(facts.stagedOut)
        let bytesOut = stagedOut.reduce(0) { $0 + $1.bytes }
        let gpuSeconds = max(0, facts.gpuSeconds ?? 0)
        pandaID = facts.pandaID
        queue = facts.queue
        self.site = site
        exitState = facts.exitState
        exitCode = facts.exitCode
        startTime = facts.startTime
        endTime = facts.endTime
        month = UTCMonth(containing: facts.endTime).description
        wallSeconds = wall
        cpuSeconds = Int64(max(0, facts.cpuSeconds).rounded())
        cores = facts.cores
        coreSeconds = Int64(max(0, facts.cores)) * wall
        architecture = facts.architecture
        cpuModel = facts.cpuModel
        instanceType = facts.instanceType
        gpuModel = facts.gpuModel
        self.gpuSeconds = gpuSeconds
        self.stagedIn = stagedIn
        self.stagedOut = stagedOut
        bytesIn = stagedIn.reduce(0) { $0 + $1.bytes }
        self.bytesOut = bytesOut
        maxRSSKiB = facts.maxRSSKiB
        cost = prices?.estimate(
            cores: facts.cores, wallSeconds: wall, instanceType: facts.instanceType, gpuModel: facts.gpuModel,
            gpuSeconds: gpuSeconds, bytesOut: bytesOut)
    }
}

/// Bytes moved to or from one storage endpoint.
struct EndpointBytes: Codable, Sendable, Equatable {
    /// The endpoint (URL prefix or RSE name).
    var endpoint: String
    /// Bytes moved.
    var bytes: Int64

    /// The entries of a per-endpoint map, sorted by endpoint; negative counts become 0.
    static func list(_ map: [String: Int64]?) -> [EndpointBytes] {
        (map ?? [:]).sorted { $0.key < $1.key }.map { EndpointBytes(endpoint: $0.key, bytes: max(0, $0.value)) }
    }
}
