#if canImport(Glibc)
import Glibc
#endif

/// How the child probing one repository ended.
enum CVMFSProbeOutcome: Sendable, Equatable {
    /// It reported what it saw.
    case observed(CVMFSObservation)
    /// It did not finish in time and was killed: the file system hangs.
    case timedOut(seconds: Double)
    /// It could not run or said something unreadable.
    case failed(String)
}

/// Judges one repository from what the child saw and what mountinfo says. Pure: no I/O.
struct CVMFSClassifier: Sendable {
    /// The time of the probe, seconds since the epoch.
    var now: Int
    /// A freshness stamp older than this many seconds makes the repository degraded.
    var maxAge: Int

    /// The verdict for `repository` found at `path`.
    func classify(
        _ repository: CVMFSRepository, path: String, mount: MountInfo.Entry?, outcome: CVMFSProbeOutcome
    ) -> CVMFSRepoReport {
        var report = CVMFSRepoReport(name: repository.name, path: path, status: .ok)
        report.mount = mount.map { .init(fstype: $0.fsType, source: $0.source, options: $0.options) }

        let observation: CVMFSObservation
        switch outcome {
        case .timedOut(let seconds):
            return unavailable(report, "no answer from \(path) within \(NodeSummary.format(seconds)) s",
                               "cvmfs2 is stuck (network, proxy or cache lock): restart the CVMFS client or its CSI node plugin")
        case .failed(let message):
            return unavailable(report, "probe failed: \(message)", nil)
        case .observed(let seen):
            observation = seen
        }

        if let code = observation.listing.errno {
            return unavailable(report, "cannot list \(path): \(ErrnoName.describe(code))", Self.remedy(for: code))
        }
        guard let mount else {
            return unavailable(report, "\(path) is not a mount point (autofs not triggered, or the mount vanished)",
                               "mount CVMFS in the pod (CSI volume or hostPath with mountPropagation: HostToContainer), or run pilot cvmfs probe --mount")
        }
        guard mount.source == "cvmfs2", mount.fsType == "fuse" || mount.fsType == "fuse.cvmfs2" else {
            return unavailable(report, "\(path) is a \(mount.fsType) mount of \(mount.source), not CVMFS", nil)
        }
        if let magic = observation.statfs.value, magic != "0x" + String(CVMFSObserver.fuseMagic, radix: 16) {
            return unavailable(report, "\(path) reports file system type \(magic), not FUSE", nil)
        }

        let xattr = { (name: String) in observation.xattrs[name]?.value }
        report.revision = xattr("user.revision").flatMap { Int($0.trimmed) }
        report.expiresMinutes = xattr("user.expires").flatMap { Int($0.trimmed) }
        report.host = xattr("user.host")
        report.proxy = xattr("user.proxy")
        report.version = xattr("user.version")
        report.ioErrors = xattr("user.nioerr").flatMap { Int($0.trimmed) }

        var problems: [String] = []
        if let fqrn = xattr("user.fqrn"), fqrn != repository.name {
            return unavailable(report, "\(path) serves repository \(fqrn), not \(repository.name)", nil)
        } else if xattr("user.fqrn") == nil {
            let code = observation.xattrs["user.fqrn"]?.errno ?? ENODATA
            problems.append("magic xattrs unreadable (\(ErrnoName.name(code))): revision and expiry unknown")
            report.remedy = "CVMFS_HIDE_MAGIC_XATTRS or CVMFS_XATTR_PROTECTED_XATTRS hides them from this user"
        }
        if let errors = report.ioErrors, errors > 0 {
            problems.append("\(errors) I/O errors since mount")
        }
        if let expires = report.expiresMinutes, expires <= 0 {
            problems.append("root catalogue expired (expires \(expires) min): the client cannot reach a Stratum-1")
        }
        problems += freshness(repository, observation, &report)

        if !problems.isEmpty {
            report.status = .degraded
            report.reason = problems.joined(separator: "; ")
        }
        return report
    }

    private func freshness(_ repository: CVMFSRepository, _ observation: CVMFSObservation,
                           _ report: inout CVMFSRepoReport) -> [String] {
        var problems: [String] = []
        for file in repository.freshnessFiles {
            guard let result = observation.files[file] else { continue }
            if let code = result.errno {
                problems.append("cannot read \(file): \(ErrnoName.describe(code))")
            } else if let stamp = result.value.flatMap(LastUpdateStamp.parse) {
                report.lastUpdate = max(report.lastUpdate ?? stamp, stamp)
            } else {
                problems.append("\(file) holds no timestamp")
            }
        }
        if let stamp = report.lastUpdate {
            let age = now - stamp
            report.ageSeconds = age
            if age > maxAge {
                problems.append("content is stale: last update \(age / 3600) h ago (limit \(maxAge / 3600) h)")
            }
        }
        return problems
    }

    private func unavailable(_ report: CVMFSRepoReport, _ reason: String, _ remedy: String?) -> CVMFSRepoReport {
        var report = report
        report.status = .unavailable
        report.reason = reason
        report.remedy = remedy
        return report
    }

    /// What usually causes each errno on a CVMFS mount point (CVMFS.md §4).
    static func remedy(for code: Int32) -> String? {
        switch code {
        case ELOOP:
            "the pod mounts an autofs /cvmfs without propagation: set mountPropagation: HostToContainer on the volume mount"
        case ENOTCONN:
            "the CVMFS FUSE daemon died (CSI node plugin restarted?): the mount is a corpse, restart the pod"
        case ENOENT:
            "not mounted here: mount CVMFS in the pod (CSI volume or hostPath), or run pilot cvmfs probe --mount"
        case EACCES, EPERM:
            "the pilot's user may not read the mount: check allow_other on the FUSE mount"
        case EIO:
            "the client cannot fetch the catalogue: check the proxy (CVMFS_HTTP_PROXY) and the Stratum-1 servers"
        default:
            nil
        }
    }
}
