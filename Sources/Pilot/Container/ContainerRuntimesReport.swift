import Logging
import Payload

/// Which payload container backends work on this node, and why not where one does not:
/// `pilot detect`'s `containers` section, and what `pilot run` checks before taking a job.
struct ContainerRuntimesReport: Codable, Sendable, Equatable {
    /// The builtin runtime: namespaces, mounts and pivot_root actually tried in a throw-away container.
    var builtin: Backend
    /// apptainer or singularity from PATH or CVMFS.
    var apptainer: Backend
    /// The backend `--runtime auto` picks; nil when none works.
    @EncodedAsNull var preferred: String?

    /// One backend's verdict.
    struct Backend: Codable, Sendable, Equatable {
        var usable: Bool
        /// The binary and its version (apptainer), or the namespaces used (builtin).
        @EncodedAsNull var detail: String?
        /// Why it cannot be used, in the words of the failing step.
        @EncodedAsNull var reason: String?
    }

    /// Probes both backends on the live node.
    static func probe(configuration: PilotConfiguration, environment: [String: String], logger: Logger) async -> ContainerRuntimesReport {
        let runtime = BuiltinRuntime(stagingParent: "/tmp")
        let failure = await BlockingThread.run { runtime.probe() }
        let namespaces = runtime.identity.uid == 0 ? "mount, pid, ipc, uts (root: capabilities dropped)" : "user, mount, pid, ipc, uts"
        let builtin = Backend(usable: failure == nil, detail: failure == nil ? namespaces : nil, reason: failure)
        let locator = ApptainerLocator(searchPath: environment["PATH"] ?? ContainerSpec.defaultPath, cvmfsRoot: configuration.cvmfsRoot)
        let availability = await ApptainerProbe(locator: locator, timeout: .seconds(30)).detect(runner: DeadlineHelperRunner())
        let apptainer: Backend
        if let installation = availability.installation {
            apptainer = Backend(usable: true, detail: "\(installation.binary.path) \(installation.version)", reason: nil)
        } else {
            apptainer = Backend(usable: false, detail: nil, reason: availability.description)
        }
        let preferred = apptainer.usable ? "apptainer" : builtin.usable ? "builtin" : nil
        if preferred == nil { logger.warning("no container runtime works on this node", metadata: ["builtin": "\(failure ?? "")"]) }
        return ContainerRuntimesReport(builtin: builtin, apptainer: apptainer, preferred: preferred)
    }

    /// One line for `pilot detect`'s summary.
    var summaryLine: String {
        var parts = ["builtin " + (builtin.usable ? "ok" : "unavailable: \(builtin.reason ?? "?")")]
        parts.append("apptainer " + (apptainer.usable ? "ok (\(apptainer.detail ?? ""))" : "not found"))
        return parts.joined(separator: "; ") + (preferred.map { "; payloads use \($0)" } ?? "; payloads cannot run here")
    }
}
