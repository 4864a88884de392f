import ArgumentParser
import FoundationEssentials

/// `pilot server` (hidden): the PanDA client by hand, to check a server, a queue and the
/// credentials before `pilot run` does the same in its loop.
struct PandaServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Talk to the PanDA server by hand: ask for a job, send one update.",
        shouldDisplay: false,
        subcommands: [PandaAcquireCommand.self, PandaUpdateCommand.self]
    )
}

/// Where the server is and how to speak to it; each flag overrides `panda.*` of the configuration.
struct PandaServerOptions: ParsableArguments {
    @Option(name: .long, help: "The PanDA server's base URL (panda.server_url).")
    var server: String?

    @Option(name: .long, help: "The PanDA queue (panda.queue).")
    var queue: String?

    @Option(name: .long, help: "auto (v1, legacy if the server lacks v1), v1 or legacy (panda.api).")
    var api: PandaAPIMode?

    @Option(name: .long, help: "Attempts per call for transient failures (panda.retries).")
    var retries: Int?

    @Option(name: .long, help: "A CA bundle to trust instead of the system bundle (panda.ca_file).")
    var cacert: String?

    /// The configuration keys these flags set.
    var layer: ConfigurationLayer {
        var panda = PandaSettingsLayer()
        panda.serverURL = server
        panda.queue = queue
        panda.api = api
        panda.retries = retries
        panda.caFile = cacert
        var layer = ConfigurationLayer()
        layer.panda = panda
        return layer
    }
}

extension PandaAPIMode: ExpressibleByArgument {}
extension JobState: ExpressibleByArgument {}

/// `pilot server acquire`: one `acquire_jobs` call; prints what came back.
struct PandaAcquireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acquire",
        abstract: "Ask the server for a job and print it (the job is then assigned to this caller).",
        discussion: "Exit codes: 0 a job or no job, 69 server unavailable or refusing, 82 credentials refused, 78 bad configuration."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var server: PandaServerOptions

    @Flag(name: .long, help: "Print JSON: api, result (jobs or no_jobs), each job's PandaID and whether it is valid.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: server.layer, label: "pilot.server")
        let settings = context.configuration.panda
        guard let request = JobRequest(settings: settings, node: settings.nodeName) else {
            throw CommandContext.fail(ConfigurationError.invalidValue(key: "panda.queue", reason: "no queue: use --queue or PILOT_PANDA_QUEUE"))
        }
        let client = PandaClient.make(settings: settings, environment: context.environment, logger: context.logger)
        let result: AcquireResult
        do { result = try await client.acquireJobs(request) } catch { throw CommandContext.fail(error) }
        let summary = AcquireSummary(result, api: client.apiVersion)
        if json {
            print(try JSONOutput.encode(summary))
        } else if summary.jobs.isEmpty {
            print("no jobs: \(summary.message ?? "")")
        } else {
            for job in summary.jobs {
                print("\(job.pandaID.map(String.init) ?? "?") \(job.error.map { "invalid: \($0)" } ?? job.transformation ?? "")")
            }
        }
    }
}

/// What `pilot server acquire --json` prints.
struct AcquireSummary: Encodable {
    /// One job handed out.
    struct Job: Encodable {
        @EncodedAsNull var pandaID: Int?
        var valid: Bool
        @EncodedAsNull var error: String?
        @EncodedAsNull var transformation: String?
        var inputs: Int
        var outputs: Int

        enum CodingKeys: String, CodingKey {
            case valid, error, transformation, inputs, outputs
            case pandaID = "panda_id"
        }
    }

    @EncodedAsNull var api: String?
    var result: String
    @EncodedAsNull var message: String?
    var jobs: [Job]

    init(_ result: AcquireResult, api: PandaAPIVersion?) {
        self.api = api?.rawValue
        switch result {
        case .noJobs(let message):
            self.result = "no_jobs"
            self.message = message
            jobs = []
        case .jobs(let offers):
            self.result = "jobs"
            jobs = offers.map { offer in
                switch offer.description {
                case .success(let job):
                    Job(pandaID: job.pandaID, valid: true, transformation: job.transformation,
                        inputs: job.inputs.count, outputs: job.outputs.count)
                case .failure(let error):
                    Job(pandaID: offer.pandaID, valid: false, error: error.description, inputs: 0, outputs: 0)
                }
            }
        }
    }
}

/// `pilot server update PANDAID STATE`: one `update_job` call; prints the commands in the reply.
struct PandaUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Send one job update and print the server's commands (e.g. tobekilled)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var server: PandaServerOptions

    @Argument(help: "The job's PandaID.")
    var pandaID: Int

    @Argument(help: "starting, running, transferring, holding, finished or failed.")
    var state: JobState

    @Option(name: .long, help: "The job's attempt number.")
    var attempt: Int?

    @Option(name: .customLong("error-code"), help: "A pilot error code (failed jobs).")
    var errorCode: Int?

    @Option(name: .long, help: "One line on what went wrong.")
    var diag: String?

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: server.layer, label: "pilot.server")
        let settings = context.configuration.panda
        var update = JobUpdate(pandaID: pandaID, state: state, attemptNr: attempt,
                               context: settings.updateContext(cpu: nil), progress: JobProgress())
        if state == .finished || state == .failed || state == .holding {
            var end = JobEnd(endTime: Date())
            end.pilotError = errorCode.flatMap(PilotErrorCode.init(rawValue:))
            end.pilotErrorDiag = diag
            update.end = end
        }
        let client = PandaClient.make(settings: settings, environment: context.environment, logger: context.logger)
        let reply: UpdateReply
        do { reply = try await client.updateJob(update) } catch { throw CommandContext.fail(error) }
        print(reply.commands.isEmpty ? "ok" : reply.commands.map(\.description).joined(separator: ","))
    }
}
