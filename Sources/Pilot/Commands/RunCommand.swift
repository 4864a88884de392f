#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import Payload

/// `pilot run`: the pilot's main job, as a pod's entrypoint.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Take jobs from PanDA (or a job file), run each in its container, report, account; exit when there is none.",
        discussion: """
            Every option is also a configuration key (file `panda`/`run`/`accounting` objects, PILOT_PANDA_*, \
            PILOT_RUN_*, PILOT_ACCOUNTING_* variables); a Harvester pod needs none. Exit codes: 0 no more \
            jobs (or --max-jobs, or the lifetime, reached), 69 the server refused or cannot be used, or a \
            CVMFS repository the queue needs is unavailable, 78 no server and no job file, or bad \
            configuration, 125 no container runtime works on this node.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var accountingOptions: AccountingOptions

    @Option(name: .long, help: "The PanDA server URL (panda.server_url).")
    var server: String?

    @Option(name: .long, help: "The PanDA queue (panda.queue; Harvester's pandaQueueName).")
    var queue: String?

    @Option(name: .long, help: "The site name for accounting (accounting.site).")
    var site: String?

    @Option(name: .long, help: "Where job directories are made (default: the current directory).")
    var workdir: String?

    @Option(name: .long, help: "Seconds between heartbeats (run.heartbeat, default 1800).")
    var heartbeat: Double?

    @Option(name: .customLong("max-jobs"), help: "Jobs to run before exiting (run.max_jobs; default 0: no limit).")
    var maxJobs: Int?

    @Option(name: .customLong("job-file"), help: "Run the job described in this file instead of asking the server (run.job_file).")
    var jobFile: String?

    @Option(name: .customLong("empty-polls"), help: "Empty answers in a row before exiting 0 (run.empty_polls, default 1).")
    var emptyPolls: Int?

    @Option(name: .long, help: "Seconds the pilot may live (run.lifetime; default 0: unlimited).")
    var lifetime: Double?

    func run() async throws {
        var flags = ConfigurationLayer()
        flags.workdir = workdir
        flags.accounting = accountingOptions.layer.accounting
        if let site {
            var accounting = flags.accounting ?? AccountingLayer()
            accounting.site = site
            flags.accounting = accounting
        }
        var panda = PandaSettingsLayer()
        panda.serverURL = server
        panda.queue = queue
        flags.panda = panda
        var run = RunSettingsLayer()
        run.heartbeat = heartbeat
        run.maxJobs = maxJobs
        run.jobFile = jobFile
        run.emptyPolls = emptyPolls
        run.lifetime = lifetime
        flags.run = run
        let context = try CommandContext.make(global: global, flags: flags, label: "pilot.run")
        let settings = context.configuration
        guard settings.run.jobFile != nil || settings.panda.queue != nil || settings.panda.submitMode == .push else {
            throw CommandContext.fail(RunError.nothingToDo)
        }
        try await checkNode(context)
        context.warnAboutAccounting()
        let ledger = context.accountingLedger()
        _ = await BlockingThread.run { try? ledger.deliverPending() }
        let client = settings.run.jobFile == nil ? PandaClient.make(settings: settings.panda, environment: context.environment, logger: context.logger) : nil
        let harvester = settings.panda.submitMode == .push ? HarvesterWorkerDirectory(settings.workdir) : nil
        let reporter = JobReporter(client: client, harvester: harvester, logger: context.logger)
        let loop = JobLoop(configuration: settings, environment: context.environment, logger: context.logger, reporter: reporter,
                           context: settings.panda.updateContext(cpu: nil), ledger: ledger)
        let (ending, jobs) = await loop.run()
        context.logger.info("pilot ends", metadata: ["jobs": "\(jobs)", "reason": "\(ending)"])
        if case let .serverRefused(message) = ending { throw CommandContext.fail(RunError.serverRefused(message)) }
    }

    /// Before any job: a container runtime that works, and the CVMFS repositories the queue needs.
    private func checkNode(_ context: CommandContext) async throws {
        let settings = context.configuration
        let runtimes = await ContainerRuntimesReport.probe(configuration: settings, environment: context.environment, logger: context.logger)
        guard runtimes.preferred != nil else {
            throw CommandContext.fail(RunError.noRuntime(runtimes.builtin.reason ?? "no backend"))
        }
        let repositories = settings.cvmfsRepos.compactMap { try? CVMFSRepository(name: $0) }
        guard !repositories.isEmpty else { return }
        let probe = CVMFSProbe(cvmfsRoot: settings.cvmfsRoot, observer: "/proc/self/exe",
                               timeout: .milliseconds(Int64(settings.cvmfsTimeout * 1000)), maxAge: settings.cvmfsMaxAge, logger: context.logger)
        let unavailable = await probe.probe(repositories).filter { $0.status == .unavailable }
        if !unavailable.isEmpty {
            let names = unavailable.map { "\($0.name) (\($0.reason ?? "unavailable"))" }.joined(separator: ", ")
            throw CommandContext.fail(RunError.cvmfsUnavailable(names))
        }
    }
}

/// Why `pilot run` cannot start or had to stop.
enum RunError: CommandError {
    case nothingToDo
    case noRuntime(String)
    case cvmfsUnavailable(String)
    case serverRefused(String)

    var description: String {
        switch self {
        case .nothingToDo: "nothing to run: give --server and --queue (or PILOT_PANDA_QUEUE, or Harvester's environment), or --job-file"
        case let .noRuntime(reason): "no container runtime works on this node, so no job is taken: \(reason)"
        case let .cvmfsUnavailable(names): "CVMFS repositories the queue needs are unavailable, so no job is taken: \(names)"
        case let .serverRefused(message): "the server cannot be used: \(message)"
        }
    }

    var exitCode: PilotExitCode {
        switch self {
        case .nothingToDo: .configuration
        case .noRuntime: .containerFailed
        case .cvmfsUnavailable, .serverRefused: .unavailable
        }
    }
}
