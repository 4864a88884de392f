import FoundationEssentials
import Logging

/// Verifies CVMFS repositories without ever touching /cvmfs from the pilot's own threads.
///
/// Each repository is probed by a child process (`pilot cvmfs observe`), all in parallel, each
/// killed at the deadline: a stuck cvmfs2 costs one timeout, never a hung pilot. mountinfo is read
/// after the children have triggered autofs.
struct CVMFSProbe: Sendable {
    /// Where repositories are mounted, `/cvmfs` by default.
    var cvmfsRoot: String
    /// The pilot executable that runs `cvmfs observe` (`/proc/self/exe` for the pilot itself).
    var observer: String
    /// How long one repository's probe may take.
    var timeout: Duration
    /// A freshness stamp older than this many seconds makes a repository degraded.
    var maxAge: Int
    /// Freshness files by repository name, replacing a named repository's own list
    /// (`cvmfs_freshness_files`; see `CVMFSFreshnessFiles`).
    var freshnessFiles: [String: [String]] = [:]
    /// The mount table to read; injectable for tests.
    var mountInfoPath = "/proc/self/mountinfo"
    /// Where each verdict is logged at debug level.
    var logger: Logger

    /// The directory of a repository.
    func path(of repository: CVMFSRepository) -> String {
        (cvmfsRoot.hasSuffix("/") ? cvmfsRoot : cvmfsRoot + "/") + repository.name
    }

    /// One verdict per repository, in the order given.
    func probe(_ repositories: [CVMFSRepository]) async -> [CVMFSRepoReport] {
        let repositories = CVMFSFreshnessFiles.apply(freshnessFiles, to: repositories)
        let outcomes = await withTaskGroup(of: (Int, CVMFSProbeOutcome).self) { group in
            for (index, repository) in repositories.enumerated() {
                group.addTask { (index, await observe(repository)) }
            }
            var outcomes = [CVMFSProbeOutcome](repeating: .failed("not run"), count: repositories.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        let mounts: [MountInfo.Entry]
        do {
            mounts = MountInfo.parse(try FileReader.readString(mountInfoPath))
        } catch {
            logger.warning("cannot read the mount table", metadata: ["error": "\(error)"])
            mounts = []
        }
        let classifier = CVMFSClassifier(now: Int(Date().timeIntervalSince1970), maxAge: maxAge)
        return zip(repositories, outcomes).map { repository, outcome in
            let path = path(of: repository)
            let report = classifier.classify(
                repository, path: path, mount: MountInfo.mount(at: path, in: mounts), outcome: outcome)
            logger.debug("cvmfs repository probed", metadata: [
                "repo": "\(repository.name)", "status": "\(report.status.rawValue)", "reason": "\(report.reason ?? "")",
            ])
            return report
        }
    }

    private func observe(_ repository: CVMFSRepository) async -> CVMFSProbeOutcome {
        let arguments = ["cvmfs", "observe", path(of: repository)] + repository.freshnessFiles.flatMap { ["--file", $0] }
        // SIGKILL at once: a process blocked on a FUSE request ignores nothing but that.
        let runner = DeadlineRunner(executable: observer, timeout: timeout, environment: [:], killGrace: nil)
        switch await runner.run(arguments) {
        case .exited(0, let output, _):
            do {
                return .observed(try JSONDecoder().decode(CVMFSObservation.self, from: Data(output.utf8)))
            } catch {
                return .failed("unreadable answer from the observer: \(error)")
            }
        case .exited(let code, _, let error):
            return .failed("observer exited \(code): \(error.split(separator: "\n").first ?? "")")
        case .signaled(let signal):
            return .failed("observer killed by signal \(signal)")
        case .timedOut:
            return .timedOut(seconds: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        case .launchFailed(let message):
            return .failed("cannot start \(observer): \(message)")
        }
    }
}
