import Logging

/// Every repository's verdict, as `pilot cvmfs probe` prints it and `pilot detect` embeds it.
struct CVMFSSummary: Codable, Sendable, Equatable {
    /// Where the repositories were looked for.
    var cvmfsRoot: String
    /// One verdict per repository asked for.
    var repos: [CVMFSRepoReport]

    enum CodingKeys: String, CodingKey {
        case cvmfsRoot = "cvmfs_root"
        case repos, status
    }

    /// The worst status among the repositories; ok when none was asked for.
    var status: CVMFSRepoReport.Status { repos.map(\.status).max() ?? .ok }

    /// 0 when all are ok, 75 when the worst is degraded, 69 when one is unavailable.
    var exitCode: PilotExitCode? {
        switch status {
        case .ok: .success
        case .degraded: .degraded
        case .unavailable: .unavailable
        }
    }

    init(cvmfsRoot: String, repos: [CVMFSRepoReport]) {
        self.cvmfsRoot = cvmfsRoot
        self.repos = repos
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cvmfsRoot = try container.decode(String.self, forKey: .cvmfsRoot)
        repos = try container.decode([CVMFSRepoReport].self, forKey: .repos)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cvmfsRoot, forKey: .cvmfsRoot)
        try container.encode(status, forKey: .status)
        try container.encode(repos, forKey: .repos)
    }

    /// One line per repository, with its problem and remedy below it.
    func table() -> String {
        let width = (repos.map(\.name.count).max() ?? 0)
        return repos.map { repo in
            let name = repo.name + String(repeating: " ", count: width - repo.name.count)
            let details = details(repo)
            let status = details.isEmpty
                ? repo.status.rawValue
                : repo.status.rawValue + String(repeating: " ", count: 12 - repo.status.rawValue.count) + details
            var line = "\(name)  \(status)\n"
            let indent = String(repeating: " ", count: width + 2)
            if let reason = repo.reason { line += indent + reason + "\n" }
            if let remedy = repo.remedy { line += indent + "fix: " + remedy + "\n" }
            return line
        }.joined()
    }

    private func details(_ repo: CVMFSRepoReport) -> String {
        var parts: [String] = []
        if let revision = repo.revision { parts.append("revision \(revision)") }
        if let expires = repo.expiresMinutes { parts.append("catalogue expires in \(expires) min") }
        if let age = repo.ageSeconds { parts.append("updated \(age / 3600) h \(age % 3600 / 60) min ago") }
        if let proxy = repo.proxy { parts.append("proxy \(proxy)") }
        return parts.joined(separator: ", ")
    }
}

/// `--mount`: mounts the repositories that are simply missing, then probes them again.
struct CVMFSRemount: Sendable {
    var probe: CVMFSProbe
    var mounter: CVMFSMounter
    var logger: Logging.Logger

    /// The reports with every missing repository mounted and re-probed, or its mount failure added.
    func mountMissing(_ repositories: [CVMFSRepository], _ reports: [CVMFSRepoReport]) async -> [CVMFSRepoReport] {
        var result = reports
        for (index, repository) in repositories.enumerated() where Self.isMissing(reports[index]) {
            do {
                try await mounter.mount(repository.name, at: probe.path(of: repository))
                logger.notice("cvmfs repository mounted", metadata: ["repo": "\(repository.name)"])
                result[index] = await probe.probe([repository])[0]
            } catch {
                result[index].reason = (result[index].reason ?? "") + "; mount failed: \(error)"
            }
        }
        return result
    }

    /// Unavailable because nothing is mounted there (as opposed to a broken or hung mount).
    static func isMissing(_ report: CVMFSRepoReport) -> Bool {
        report.status == .unavailable && report.mount == nil
    }
}
