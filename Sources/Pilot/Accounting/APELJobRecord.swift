/// One individual job record, `APEL-individual-job-message: v0.3` (APEL.md §2).
///
/// Built from a job's facts by `init(facts:settings:benchmark:)`, which makes text ASCII and
/// durations whole; `validate(now:)` then refuses anything the server would reject. Stored in the
/// ledger as JSON, so summaries are computed from exactly what was sent.
struct APELJobRecord: Codable, Sendable, Equatable {
    /// Site: the GOCDB site name (mandatory).
    var site: String
    /// SubmitHost: `<host>/<queue>`, the group a summary counts under.
    var submitHost: String?
    /// MachineName: the pod or VM.
    var machineName: String?
    /// Queue: the PanDA queue (100 characters at most).
    var queue: String?
    /// LocalJobId: the PanDA id (mandatory).
    var localJobID: String
    /// LocalUserId: the local account.
    var localUserID: String?
    /// GlobalUserName: the owner's DN.
    var globalUserName: String?
    /// FQAN: when present, the server takes VO, VOGroup and VORole from it.
    var fqan: String?
    /// VO, written only without an FQAN.
    var vo: String?
    /// WallDuration in whole seconds.
    var wallDuration: Int64
    /// CpuDuration in whole seconds, all cores of the payload tree.
    var cpuDuration: Int64
    /// Processors: cores.
    var processors: Int64?
    /// NodeCount.
    var nodeCount: Int64?
    /// StartTime, seconds since the epoch.
    var startTime: Int64
    /// EndTime, seconds since the epoch; part of APEL's primary key.
    var endTime: Int64
    /// InfrastructureDescription (100 characters at most).
    var infrastructureDescription: String?
    /// InfrastructureType: `grid` or `local`.
    var infrastructureType: String?
    /// MemoryReal in kB: peak resident memory.
    var memoryReal: Int64?
    /// MemoryVirtual in kB: peak virtual memory.
    var memoryVirtual: Int64?
    /// ServiceLevelType and ServiceLevel (per core).
    var benchmark: APELBenchmark

    /// The message header.
    static let header = "APEL-individual-job-message: v0.3"

    /// The server's column widths for the text fields (APEL.md §2).
    static let limits: [String: Int] = [
        "Site": 255, "SubmitHost": 255, "MachineName": 255, "Queue": 100, "LocalJobId": 255, "LocalUserId": 255,
        "GlobalUserName": 255, "FQAN": 255, "VO": 255, "InfrastructureDescription": 100, "InfrastructureType": 20,
    ]

    /// A record as given (tests, and records read back from the ledger).
    init(site: String, submitHost: String? = nil, machineName: String? = nil, queue: String? = nil, localJobID: String,
         localUserID: String? = nil, globalUserName: String? = nil, fqan: String? = nil, vo: String? = nil,
         wallDuration: Int64, cpuDuration: Int64, processors: Int64? = nil, nodeCount: Int64? = nil,
         startTime: Int64, endTime: Int64, infrastructureDescription: String? = nil, infrastructureType: String? = nil,
         memoryReal: Int64? = nil, memoryVirtual: Int64? = nil, benchmark: APELBenchmark) {
        self.site = site
        self.submitHost = submitHost
        self.machineName = machineName
        self.queue = queue
        self.localJobID = localJobID
        self.localUserID = localUserID
        self.globalUserName = globalUserName
        self.fqan = fqan
        self.vo = vo
        self.wallDuration = wallDuration
        self.cpuDuration = cpuDuration
        self.processors = processors
        self.nodeCount = nodeCount
        self.startTime = startTime
        self.endTime = endTime
        self.infrastructureDescription = infrastructureDescription
        self.infrastructureType = infrastructureType
        self.memoryReal = memoryReal
        self.memoryVirtual = memoryVirtual
        self.benchmark = benchmark
    }

    /// The record of a finished job. Text goes through `APELText.ascii`; durations are rounded
    /// to whole seconds; CPU is user + system of the whole tree; memory stays in kB. The FQAN,
    /// when known, is written instead of VO, since the server derives VO, VOGroup and VORole from
    /// it. The site is the configured one, else the job's.
    init(facts: JobAccountingFacts, settings: AccountingSettings, benchmark: APELBenchmark) {
        func text(_ value: String?) -> String? {
            guard let value else { return nil }
            let ascii = APELText.ascii(value)
            return ascii.isEmpty ? nil : ascii
        }
        let queue = text(facts.queue)
        let fqan = text(facts.fqan)
        self.init(
            site: text(settings.site ?? facts.site) ?? "", submitHost: text(settings.submitHost(queue: queue ?? "")),
            machineName: text(facts.nodeName), queue: queue, localJobID: text(facts.pandaID) ?? "",
            localUserID: text(facts.localUser), globalUserName: text(facts.userDN), fqan: fqan,
            vo: fqan == nil ? text(facts.vo) : nil,
            wallDuration: Self.seconds(facts.wallSeconds), cpuDuration: Self.seconds(facts.cpuSeconds),
            processors: Int64(facts.cores), nodeCount: Int64(facts.nodeCount ?? 1),
            startTime: facts.startTime, endTime: facts.endTime,
            infrastructureDescription: text(settings.infrastructureDescription),
            infrastructureType: text(settings.infrastructureType),
            memoryReal: facts.maxRSSKiB, memoryVirtual: facts.maxVMemKiB, benchmark: benchmark)
    }

    /// Whole seconds, rounded half away from zero; NaN and infinities become -1 and are refused.
    static func seconds(_ value: Double) -> Int64 {
        guard value.isFinite, abs(value) < 1e15 else { return -1 }
        return Int64(value.rounded())
    }

    /// The `Key: value` lines in the order APEL's own writer uses; absent fields are left out.
    var fields: [(key: String, value: String)] {
        let all: [(String, String?)] = [
            ("Site", site), ("SubmitHost", submitHost), ("MachineName", machineName), ("Queue", queue),
            ("LocalJobId", localJobID), ("LocalUserId", localUserID), ("GlobalUserName", globalUserName),
            ("FQAN", fqan), ("VO", vo), ("WallDuration", String(wallDuration)), ("CpuDuration", String(cpuDuration)),
            ("Processors", processors.map(String.init)), ("NodeCount", nodeCount.map(String.init)),
            ("StartTime", String(startTime)), ("EndTime", String(endTime)),
            ("InfrastructureDescription", infrastructureDescription), ("InfrastructureType", infrastructureType),
            ("MemoryReal", memoryReal.map(String.init)), ("MemoryVirtual", memoryVirtual.map(String.init)),
            ("ServiceLevelType", benchmark.kind.rawValue), ("ServiceLevel", benchmark.value),
        ]
        return all.compactMap { key, value in value.map { (key, $0) } }
    }

    /// Refuses the record when the server would: a bad text field, a negative or too large
    /// number, EndTime before StartTime or more than two days after `now`.
    func validate(now: Int64) throws(APELRecordError) {
        let mandatory: Set = ["Site", "LocalJobId"]
        for (key, value) in fields {
            if let limit = Self.limits[key] {
                try APELText.check(key, value, limit: limit, mandatory: mandatory.contains(key))
            }
        }
        if site.isEmpty { throw .missingField("Site") }
        if localJobID.isEmpty { throw .missingField("LocalJobId") }
        let numbers: [(String, Int64?)] = [
            ("WallDuration", wallDuration), ("CpuDuration", cpuDuration), ("Processors", processors),
            ("NodeCount", nodeCount), ("MemoryReal", memoryReal), ("MemoryVirtual", memoryVirtual),
        ]
        for (key, value) in numbers {
            if let value { try APELText.check(key, value) }
        }
        guard startTime > 0 else { throw .outOfRange(field: "StartTime", value: String(startTime), reason: "must be after 1970") }
        guard endTime >= startTime else { throw .endBeforeStart(start: startTime, end: endTime) }
        guard endTime <= now + 2 * 86400 else { throw .endInFuture(end: endTime, now: now) }
        if let infrastructureType, !["grid", "local"].contains(infrastructureType) {
            throw .outOfRange(field: "InfrastructureType", value: infrastructureType, reason: "must be grid or local")
        }
    }

    /// The job message holding only this record.
    var message: String { APELMessage.render(header: Self.header, records: [fields]) }
}
