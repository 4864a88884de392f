/// What the pilot tells the server when it asks for jobs (PANDA.md §4): `acquire_jobs` in v1
/// (snake_case, native types), `getJob` in the legacy API (camelCase, text).
struct JobRequest: Sendable, Equatable {
    /// The PanDA queue (`site_name` / `siteName`).
    var queue: String
    /// The worker node or slot.
    var node: String?
    /// `managed`, `user`, `unified`, `test`, …; a pilot without the production role only gets `user`.
    var prodSourceLabel: String?
    /// Memory for the job, in MB.
    var memoryMB: Int?
    /// Free scratch space, in MB.
    var diskSpaceMB: Int?
    /// The computing element; pilot3 sends the queue.
    var computingElement: String?
    /// `SCORE`, `MCORE`, … (Harvester's `resourceType`).
    var resourceType: String?
    /// Harvester's `jobType` (`managed`, `user`, …).
    var jobType: String?
    var harvesterID: String?
    var workerID: Int?
    /// Who submitted the pilot (`PANDA_JSID`).
    var schedulerID: String?
    /// Only jobs of this task.
    var taskID: Int?
    /// Seconds the pilot has left: the server then hands out only jobs that fit.
    var remainingTime: Int?
    /// How many jobs to take at once.
    var jobCount = 1
    /// The legacy API's `workingGroup` (no v1 parameter).
    var workingGroup: String?
    /// The legacy API's `cpu` (MHz; no v1 parameter).
    var cpuMHz: Int?

    /// A request for one job from `queue`.
    init(queue: String) {
        self.queue = queue
    }

    /// The v1 `acquire_jobs` body: only parameters the server's signature has (it refuses any
    /// other), each with the type it checks.
    var v1Body: [String: JSONValue] {
        var body: [String: JSONValue] = ["site_name": .string(queue), "n_jobs": .int(jobCount)]
        func set(_ key: String, _ value: String?) { if let value, !value.isEmpty { body[key] = .string(value) } }
        func set(_ key: String, _ value: Int?) { if let value { body[key] = .int(value) } }
        set("node", node)
        set("prod_source_label", prodSourceLabel)
        set("memory", memoryMB)
        set("disk_space", diskSpaceMB)
        set("computing_element", computingElement)
        set("resource_type", resourceType)
        set("job_type", jobType)
        set("harvester_id", harvesterID)
        set("worker_id", workerID)
        set("scheduler_id", schedulerID)
        set("task_id", taskID)
        set("remaining_time", remainingTime)
        return body
    }

    /// The legacy `getJob` form fields.
    var legacyForm: [(name: String, value: String)] {
        var form: [(name: String, value: String)] = [("siteName", queue), ("nJobs", String(jobCount))]
        func add(_ key: String, _ value: String?) { if let value, !value.isEmpty { form.append((key, value)) } }
        func add(_ key: String, _ value: Int?) { if let value { form.append((key, String(value))) } }
        add("computingElement", computingElement ?? queue)
        add("node", node)
        add("prodSourceLabel", prodSourceLabel)
        add("mem", memoryMB)
        add("diskSpace", diskSpaceMB)
        add("cpu", cpuMHz)
        add("workingGroup", workingGroup)
        add("resourceType", resourceType)
        add("jobType", jobType)
        add("harvester_id", harvesterID)
        add("worker_id", workerID)
        add("schedulerID", schedulerID)
        add("taskID", taskID)
        add("remaining_time", remainingTime)
        return form
    }
}

/// The worker's own state for Harvester's bookkeeping (`update_worker_status`; legacy
/// `updateWorkerPilotStatus`): `started` when the pilot begins, `finished` when it leaves.
struct WorkerStatusUpdate: Sendable, Equatable {
    /// The two states the server accepts.
    enum Status: String, Sendable, Equatable {
        case started
        case finished
    }

    /// Harvester's worker id (`HARVESTER_WORKER_ID`).
    var workerID: Int
    /// Harvester's instance (`HARVESTER_ID`).
    var harvesterID: String
    var status: Status
    /// The node (`node_id`).
    var node: String?
    /// The PanDA queue: the legacy call requires it (`site`); v1 has no such parameter.
    var queue: String?

    /// The v1 body.
    var v1Body: [String: JSONValue] {
        var body: [String: JSONValue] = [
            "worker_id": .int(workerID), "harvester_id": .string(harvesterID), "status": .string(status.rawValue),
        ]
        if let node { body["node_id"] = .string(node) }
        return body
    }

    /// The legacy form fields.
    var legacyForm: [(name: String, value: String)] {
        var form: [(name: String, value: String)] = [
            ("site", queue ?? ""), ("workerID", String(workerID)), ("harvesterID", harvesterID), ("status", status.rawValue),
        ]
        if let node { form.append(("node_id", node)) }
        return form
    }
}
