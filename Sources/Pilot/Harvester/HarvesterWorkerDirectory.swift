#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The pilot's launch directory as Harvester's shared-file messenger sees it: where a PUSH-mode
/// job arrives and where the pilot leaves what Harvester reads (PANDA.md §7). Every write is
/// atomic (temporary file, rename), as Harvester may read at any moment.
struct HarvesterWorkerDirectory: Sendable, Equatable {
    /// Harvester → pilot: the job description (PUSH mode).
    static let jobFile = "pandaJobData.out"
    /// Where the pilot keeps the job file once taken, as pilot3 does.
    static let takenJobFile = "job_definition.json"
    /// Pilot → Harvester: "send me another job".
    static let jobRequestFile = "worker_requestjob.json"
    /// Harvester → pilot: the PandaIDs fed to this worker.
    static let pandaIDsFile = "worker_pandaids.json"
    /// Pilot → Harvester: the job's state and attributes (the legacy update fields plus `jobStatus`).
    static let attributesFile = "worker_attributes.json"
    /// Pilot → Harvester: the payload's job report.
    static let jobReportFile = "jobReport.json"
    /// Pilot → Harvester: the files staged out, for Harvester's stager.
    static let stageOutFile = "event_status.dump.json"
    /// Pilot → Harvester: the pilot is done; kill the worker.
    static let killWorkerFile = "kill_worker"
    /// Where Harvester's Kubernetes job mounts the PUSH ConfigMap (pilots_starter copies it into
    /// the launch directory; the pilot looks there too, in case nothing copied it).
    static let kubernetesJobConfig = "/scratch/jobconfig"

    /// The launch directory (the pilot's work directory under Harvester).
    var path: String
    /// Other directories where the job file may be (`kubernetesJobConfig`), looked at after `path`.
    var jobFileDirectories: [String] = [Self.kubernetesJobConfig]

    /// The launch directory at `path`.
    init(_ path: String, jobFileDirectories: [String] = [Self.kubernetesJobConfig]) {
        self.path = path
        self.jobFileDirectories = jobFileDirectories
    }

    /// `path`/`name`.
    func file(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// Takes the pushed job, if one is there: parses it, keeps a copy as `job_definition.json`,
    /// removes the original (when it can: a ConfigMap is read-only) and the job request file.
    /// pilot3 runs one job at a time, so only the first job of the file is returned.
    func takePushedJob() throws(HarvesterFileError) -> JobOffer? {
        let candidates = [file(Self.jobFile)] + jobFileDirectories.map { $0 + "/" + Self.jobFile }
        var pushed: (text: String, path: String)?
        for candidate in candidates where pushed == nil {
            do {
                if let text = try FileReader.readIfPresent(candidate) { pushed = (text, candidate) }
            } catch {
                throw .unreadable(error)
            }
        }
        guard let (text, found) = pushed else { return nil }
        let offers = try HarvesterFileFormat.jobs(in: text, path: found)
        try write(text, to: Self.takenJobFile)
        unlink(found)
        unlink(file(Self.jobRequestFile))
        return offers.first
    }

    /// Polls for a pushed job as pilot3 does: once a second, up to 60 times by default.
    func waitForPushedJob(attempts: Int = 60, interval: Duration = .seconds(1)) async throws(HarvesterFileError) -> JobOffer? {
        for attempt in 1...max(1, attempts) {
            if let offer = try takePushedJob() { return offer }
            if attempt < attempts { try? await Task.sleep(for: interval) }
        }
        return nil
    }

    /// Asks Harvester for `count` more jobs, unless a request is already waiting.
    func requestJobs(_ count: Int = 1) throws(HarvesterFileError) {
        guard access(file(Self.jobRequestFile), F_OK) != 0 else { return }
        try write(HarvesterFileFormat.jobRequest(count: count), to: Self.jobRequestFile)
    }

    /// The PandaIDs Harvester fed this worker; nil when it wrote none.
    func pandaIDs() throws(HarvesterFileError) -> [Int]? {
        let text: String?
        do { text = try FileReader.readIfPresent(file(Self.pandaIDsFile)) } catch { throw .unreadable(error) }
        return text.flatMap(HarvesterFileFormat.pandaIDs)
    }

    /// Publishes a job's state for Harvester (every update, as pilot3 does).
    func publishAttributes(_ update: JobUpdate, now: Date = Date()) throws(HarvesterFileError) {
        try write(JSONValue.object(update.workerAttributes(now: now)).jsonText, to: Self.attributesFile)
    }

    /// Declares the files staged out (the final update).
    func publishStageOut(pandaID: Int, files: [StagedOutFile]) throws(HarvesterFileError) {
        try write(HarvesterFileFormat.stageOut(pandaID: pandaID, files: files), to: Self.stageOutFile)
    }

    /// Copies the payload's job report (shrunk) where Harvester reads it; false when it is not JSON.
    @discardableResult
    func publishJobReport(_ text: String) throws(HarvesterFileError) -> Bool {
        guard let shrunk = HarvesterFileFormat.shrunkJobReport(text) else { return false }
        try write(shrunk, to: Self.jobReportFile)
        return true
    }

    /// Tells Harvester the pilot has finished and the worker can go.
    func requestKill() throws(HarvesterFileError) {
        try write("", to: Self.killWorkerFile)
    }

    private func write(_ text: String, to name: String) throws(HarvesterFileError) {
        do { try AtomicFile.write(text, to: file(name)) } catch { throw .unwritable(error) }
    }
}
