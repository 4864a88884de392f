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
            CVMFS repository the queue needs is not ok (run.cvmfs_degraded), 75 stopped by a preemption notice \
            (run.notice_file, run.notice_url), 78 no server and no job file, or bad configuration, 125 no \
            container runtime works on this node, 128+N stopped by signal N (SIGTERM: 143); a stopped \
            pilot stops its job, stages out, reports and accounts it within run.stop_budget (30 s).
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
        let cpu = try await checkNode(context)
        context.warnAboutAccounting()
        let ledger = context.accountingLedger()
        _ = await BlockingThread.run { try? ledger.deliverPending() }
        let client = settings.run.jobFile == nil ? PandaClient.make(settings: settings.panda, environment: context.environment, logger: context.logger) : nil
        let harvester = settings.panda.submitMode == .push ? HarvesterWorkerDirectory(settings.workdir) : nil
        let reporter = JobReporter(client: client, harvester: harvester, logger: context.logger)
        let termination = TerminationSignal(budget: StopBudget(seconds: settings.run.stopBudget))
        termination.install()
        let loop = JobLoop(configuration: settings, environment: context.environment, logger: context.logger, reporter: reporter,
                           context: settings.panda.updateContext(cpu: cpu), ledger: ledger, termination: termination)
        let notice = PreemptionNotice(settings: settings.run)
        let (ending, jobs) = await withTaskGroup(of: Void.self, returning: (JobLoop.Ending, Int).self) { group in
            if let notice { group.addTask { await notice.watch(stopping: termination, logger: context.logger) } }
            let outcome = await loop.run()
            group.cancelAll()
            return outcome
        }
        context.logger.info("pilot ends", metadata: ["jobs": "\(jobs)", "reason": "\(ending)"])
        switch ending {
        case let .serverRefused(message): throw CommandContext.fail(RunError.serverRefused(message))
        case let .terminated(.signal(number)): throw ExitCode(128 + number)
        case .terminated(.notice): throw ExitCode(PilotExitCode.degraded.rawValue)
        default: return
        }
    }

    /// Before any job: the node (its CPU identity goes into every update), a container runtime
    /// that works, and the CVMFS repositories the queue needs.
    private func checkNode(_ context: CommandContext) async throws -> CPUIdentity {
        let settings = context.configuration
        let node: NodeReport
        do { node = try await DetectCommand.describe(context) } catch { throw CommandContext.fail(error) }
        let runtimes: ContainerRuntimesReport
        if let probed = node.containers {
            runtimes = probed
        } else {
            runtimes = await ContainerRuntimesReport.probe(configuration: settings, environment: context.environment, logger: context.logger)
        }
        guard runtimes.preferred != nil else {
            throw CommandContext.fail(RunError.noRuntime(runtimes.builtin.reason ?? "no backend"))
        }
        let policy = settings.run.cvmfsDegraded
        let refused = (node.cvmfs?.repos ?? []).filter { policy.refuses($0.status) }
        if !refused.isEmpty {
            let names = refused.map { "\($0.name) \($0.status.rawValue) (\($0.reason ?? "no reason"))" }.joined(separator: ", ")
            throw CommandContext.fail(RunError.cvmfsUnavailable(names))
        }
        for repo in node.cvmfs?.repos ?? [] where repo.status == .degraded {
            context.logger.warning("a CVMFS repository the queue needs is degraded; jobs are taken (run.cvmfs_degraded = accept)",
                                   metadata: ["repo": "\(repo.name)", "reason": "\(repo.reason ?? "")"])
        }
        context.logger.info("node", metadata: [
            "arch": "\(node.arch.rawValue)", "cpu": "\(node.cpu.model ?? "?")", "level": "\(node.cpu.microarchLevel ?? "-")",
            "cores": "\(node.cpu.effectiveCores)", "runtime": "\(runtimes.preferred ?? "none")",
        ])
        return CPUIdentity(report: node.cpu)
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
        case let .cvmfsUnavailable(names): "CVMFS repositories the queue needs are not usable, so no job is taken: \(names)"
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
