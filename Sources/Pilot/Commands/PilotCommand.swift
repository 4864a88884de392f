import ArgumentParser

/// The `pilot` executable: a worker-node agent for a grid's workload system.
struct PilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pilot",
        abstract: "Turns this pod or VM into a grid worker: detects the node, runs jobs, accounts for them.",
        version: BuildInfo.pilotVersion,
        subcommands: [RunCommand.self, DetectCommand.self, CVMFSCommand.self, StageCommand.self, ExecCommand.self, SeccompCommand.self,
                      AccountingCommand.self, ValidateCommand.self, VersionCommand.self, PandaServerCommand.self, RucioCommand.self]
    )
}
