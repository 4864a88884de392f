import ArgumentParser

/// `pilot validate compare REF_DIR NEW_DIR`: the verdict of each case between two bundles.
struct ValidateCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two validation bundles case by case: identical, compatible, different or failed.",
        discussion: """
            Each output is compared under the reference suite's method (exact, numeric tolerances, \
            chi-square / Kolmogorov-Smirnov tests for histograms). Exit codes: 0 every case identical \
            or compatible, 90 some case different, 91 some case failed (and none different), 92 the \
            bundles are of different suites, 66 a bundle is unreadable, 85 the report cannot be written.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The reference bundle directory.")
    var reference: String

    @Argument(help: "The new architecture's bundle directory.")
    var new: String

    @Option(name: .long, help: "Also write an HTML report with each histogram's distributions and ratio as inline SVG.")
    var html: String?

    @Flag(name: .long, help: "Print the comparison as JSON instead of the table.")
    var json = false

    func run() async throws {
        // Only for the configuration's checks and the logging it starts.
        _ = try CommandContext.make(global: global, label: "pilot.validate")
        let comparison: BundleComparison
        do throws(ValidateError) {
            comparison = try BundleComparison.compare(try LoadedBundle.load(reference), try LoadedBundle.load(new))
            if let html {
                do { try AtomicFile.write(HTMLReport.render(comparison), to: html) } catch { throw ValidateError.cannotWrite(error) }
            }
        } catch {
            throw CommandContext.fail(error)
        }
        if json {
            print(try BundleJSON.encode(comparison))
        } else {
            print(VerdictTable.render(comparison), terminator: "")
        }
        let code = comparison.exitCode
        if code != .success { throw code.exitCode }
    }
}
