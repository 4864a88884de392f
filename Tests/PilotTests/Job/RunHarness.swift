import Foundation
@testable import Pilot

/// A whole `pilot run` on this machine: nginx serving the input and taking the outputs over
/// signed URLs, the project's PanDA job server handing out the job, the busybox image, and the
/// built pilot as a pod would run it.
final class RunHarness {
    let storage: StagingServers
    let server: PandaJobServer
    let work: String
    let pandaID: Int
    let input: StagingServers.DataFile

    /// A job whose payload is `script` (run by /bin/sh in /srv, with in.dat staged in); it
    /// produces out.dat (staged out with the log). With `limitRate`, the input comes from
    /// nginx's rate-limited location (a slow stage-in); `outputURL` replaces out.dat's URL.
    init(pandaID: Int = Int.random(in: 1_000_000...9_999_999), script: String, fields: [String: Any] = [:],
         serverOptions: PandaJobServer.Options = .init(), inputSize: Int = 4096, limitRate: String? = nil,
         outputURL: String? = nil) throws {
        self.pandaID = pandaID
        storage = try StagingServers(limitRate: limitRate ?? "20m")
        input = try storage.addFile("in-\(pandaID).dat", size: inputSize, seed: UInt64(pandaID))
        let expires = Int(Date().timeIntervalSince1970) + 3600
        var job: [String: Any] = [
            "PandaID": pandaID, "jobsetID": 1, "taskID": 77, "attemptNr": 1, "prodSourceLabel": "managed",
            "transformation": "sh", "jobPars": "-c '\(script)'", "container_name": BusyboxImage.path,
            "coreCount": 1, "minRamCount": 2000, "maxWalltime": 600, "maxDiskCount": 1000,
            "inFiles": "in.dat", "GUID": "11111111-2222-3333-4444-555555555555", "fsize": "\(input.size)",
            "checksum": "ad:\(input.adler32)", "scopeIn": "user", "realDatasetsIn": "user:in",
            "signedURLsIn": limitRate == nil ? storage.signedURL(path: input.path, method: "GET", expires: expires) : storage.limitedURL(input.path),
            "outFiles": "out.dat", "scopeOut": "user", "realDatasets": "user.out/", "destinationDblock": "user.out/",
            "destinationDBlockToken": "NULL", "fileDestinationSE": "LOCAL", "ddmEndPointOut": "LOCAL",
            "logFile": "log.tgz", "logGUID": "ABCDEF01-2345-6789-ABCD-EF0123456789", "scopeLog": "user",
            "signedURLsOut": (outputURL ?? storage.signedURL(path: "out-\(pandaID).dat", method: "PUT", expires: expires)) + ","
                + storage.signedURL(path: "log-\(pandaID).tgz", method: "PUT", expires: expires),
        ]
        for (key, value) in fields { job[key] = value }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: job), as: UTF8.self)
        server = try PandaJobServer(jobs: ["\(pandaID).json": text], options: serverOptions)
        work = BusyboxImage.scratch("run")
    }

    deinit {
        server.tearDown()
        storage.tearDown()
        try? FileManager.default.removeItem(atPath: work)
    }

    /// The environment of a pod: the queue, no CVMFS requirement, no APEL queue, quick cadences.
    func environment(_ extra: [String: String?] = [:]) -> [String: String?] {
        var env: [String: String?] = [
            "PILOT_CVMFS_REPOS": "", "PILOT_ACCOUNTING_APEL_QUEUE": "", "PILOT_BENCHMARK": "HEPscore23:10.5",
            "PILOT_RUN_MONITOR_INTERVAL": "0.2", "PILOT_RUN_GRACE": "2", "PILOT_RUN_POLL_INTERVAL": "0",
            "PILOT_PANDA_RETRIES": "8", "PATH": "/usr/bin:/bin",
        ]
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// Runs `pilot run` against the job server.
    func run(_ options: [String] = [], environment extra: [String: String?] = [:]) throws -> PilotBinary.Result {
        try PilotBinary.run(["run", "--server", server.base, "--queue", "TEST_QUEUE", "--workdir", work, "--heartbeat", "1"] + options,
                            environment: environment(extra))
    }

    /// Starts `pilot run` in the background (to signal it, or to disturb the server meanwhile);
    /// its log lines go to `stderr` when given.
    func start(_ options: [String] = [], environment extra: [String: String?] = [:], stderr: String? = nil) throws -> Process {
        let pilot = Process()
        pilot.executableURL = URL(fileURLWithPath: PilotBinary.path)
        pilot.arguments = ["run", "--server", server.base, "--queue", "TEST_QUEUE", "--workdir", work, "--heartbeat", "1"] + options
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment(extra) { env[key] = value }
        pilot.environment = env
        if let stderr {
            FileManager.default.createFile(atPath: stderr, contents: nil)
            pilot.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        } else {
            pilot.standardError = FileHandle.nullDevice
        }
        try pilot.run()
        return pilot
    }

    /// Waits (up to 20 s) until the job has sent a `running` heartbeat.
    func waitUntilRunning() throws {
        try waitUntil { try $0.updates().contains(where: { $0["job_status"] as? String == "running" }) }
    }

    /// Waits (up to `seconds`) until `condition` holds; whether it did.
    @discardableResult
    func waitUntil(seconds: Double = 20, _ condition: (RunHarness) throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition(self) { return true }
            usleep(50_000)
        }
        return false
    }

    /// The job's final updates (`finished` or `failed`), in order.
    func finalUpdates() throws -> [[String: Any]] {
        try updates().filter { ["finished", "failed"].contains($0["job_status"] as? String ?? "") }
    }

    /// The ledger's entries for this job (one file per job under `jobs/`).
    func ledgerEntries(_ ledger: String) -> [String] {
        let names = (FileManager.default.enumerator(atPath: ledger)?.allObjects as? [String] ?? []).filter { $0.hasPrefix("jobs/") && $0.hasSuffix(".json") }
        return names.compactMap { try? String(contentsOfFile: ledger + "/" + $0, encoding: .utf8) }
    }

    /// The bodies of the job's updates, in order.
    func updates() throws -> [[String: Any]] {
        try server.requests(to: "update_job").compactMap { $0["body"] as? [String: Any] }
    }

    /// Errors the job server found in what the pilot sent (types, times, unknown keys).
    func protocolErrors() throws -> [String] {
        try server.requests().flatMap { ($0["errors"] as? [String]) ?? [] }
    }
}
