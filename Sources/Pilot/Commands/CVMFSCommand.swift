import ArgumentParser
import FoundationEssentials

/// `pilot cvmfs`: verify the CVMFS repositories a job needs, and mount them where the node allows.
struct CVMFSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvmfs",
        abstract: "Verify CVMFS repositories (mounted, healthy, fresh), or mount them.",
        subcommands: [CVMFSProbeCommand.self, CVMFSObserveCommand.self]
    )
}

/// `pilot cvmfs probe`: one verdict per repository; exit 0 only when all are ok.
struct CVMFSProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Check that each repository is mounted, is CVMFS, answers in time and is fresh.",
        discussion: """
            Each repository is probed by a child process killed after --timeout, so a hung cvmfs2 \
            never hangs the pilot. Exit codes: 0 all ok, 75 some degraded (usable, with a problem), \
            69 some unavailable, 64 bad repository name, 78 bad configuration.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Repositories to check (default: cvmfs_repos, the ATLAS set).")
    var repositories: [String] = []

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .customLong("cvmfs-root"), help: "Where repositories are mounted (default /cvmfs).")
    var cvmfsRoot: String?

    @Option(name: .long, help: "Seconds one repository may take before it counts as hung (default 10).")
    var timeout: Double?

    @Option(name: .customLong("max-age"), help: "Seconds after which a lastUpdate stamp is stale (default 172800).")
    var maxAge: Int?

    @Option(name: .customLong("freshness-file"), help: ArgumentHelp(
        "REPO=PATH: a file holding a 'date | host | epoch' stamp, relative to the repository; repeat for more, REPO= for none. Replaces REPO's built-in list (ATLAS lastUpdate files); also cvmfs_freshness_files.",
        valueName: "repo=path"))
    var freshnessFiles: [String] = []

    @Flag(name: .long, help: "Mount repositories that are missing (mount.cvmfs or cvmfs_mount_command), then check again.")
    var mount = false

    func run() async throws {
        var flags = ConfigurationLayer(cvmfsRoot: cvmfsRoot, cvmfsTimeout: timeout, cvmfsMaxAge: maxAge)
        do {
            flags.cvmfsFreshnessFiles = freshnessFiles.isEmpty ? nil : try CVMFSFreshnessFiles.parse(freshnessFiles)
        } catch {
            throw CommandContext.fail(CVMFSFreshnessFlagError(error))
        }
        let context = try CommandContext.make(global: global, flags: flags, label: "pilot.cvmfs")
        let settings = context.configuration
        var wanted: [CVMFSRepository] = []
        for name in repositories.isEmpty ? settings.cvmfsRepos : repositories {
            do { wanted.append(try CVMFSRepository(name: name)) } catch { throw CommandContext.fail(error) }
        }
        let probe = CVMFSProbe(
            cvmfsRoot: settings.cvmfsRoot, observer: "/proc/self/exe",
            timeout: .milliseconds(Int64(settings.cvmfsTimeout * 1000)), maxAge: settings.cvmfsMaxAge,
            freshnessFiles: settings.cvmfsFreshnessFiles, logger: context.logger
        )
        var reports = await probe.probe(wanted)
        if mount {
            let mounter = CVMFSMounter(
                command: settings.cvmfsMountCommand, environment: context.environment,
                timeout: .seconds(max(30, Int64(settings.cvmfsTimeout))))
            reports = await CVMFSRemount(probe: probe, mounter: mounter, logger: context.logger)
                .mountMissing(wanted, reports)
        }
        let summary = CVMFSSummary(cvmfsRoot: settings.cvmfsRoot, repos: reports)
        print(json ? try JSONOutput.encode(summary) : summary.table(), terminator: json ? "\n" : "")
        if let code = summary.exitCode.flatMap({ $0 == .success ? nil : $0 }) { throw code.exitCode }
    }
}

/// `pilot cvmfs observe PATH`: the child side of a probe. Not for people: it touches the path and
/// prints the raw results as JSON for the parent to judge.
struct CVMFSObserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Touch one repository and print the raw results (used by probe).",
        shouldDisplay: false
    )

    @Argument var path: String

    @Option(name: .customLong("file"), help: "A freshness file to read, relative to the repository.")
    var files: [String] = []

    func run() throws {
        let observation = CVMFSObserver.observe(path: path, xattrs: CVMFSObservation.xattrNames, files: files)
        print(try JSONOutput.encode(observation))
    }
}

/// A `--freshness-file` value that is not `REPO=PATH` with a valid name and a relative path: 64.
struct CVMFSFreshnessFlagError: CommandError {
    let error: CVMFSFreshnessFiles.ParseError

    init(_ error: CVMFSFreshnessFiles.ParseError) { self.error = error }

    var description: String { "invalid --freshness-file: \(error)" }
    var exitCode: PilotExitCode { .usage }
}
