import ArgumentParser

/// `pilot validate`: run the same work on a new and a reference architecture and check that the
/// physics comes out the same.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run a validation suite on this node, or compare the result bundles of two architectures.",
        discussion: """
            pilot validate run SUITE --out DIR on each architecture, then \
            pilot validate compare REF_DIR NEW_DIR [--html REPORT.html]. README.md, "pilot validate", \
            has the suite and bundle formats.
            """,
        subcommands: [ValidateRunCommand.self, ValidateCompareCommand.self]
    )
}
