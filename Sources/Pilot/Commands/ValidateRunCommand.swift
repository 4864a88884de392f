import ArgumentParser
import FoundationEssentials
import Payload

/// `pilot validate run SUITE --out DIR`: runs every case of a suite on this node and writes the
/// result bundle.
struct ValidateRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a validation suite's cases in their containers and write a result bundle.",
        discussion: """
            The bundle (DIR/bundle.json, suite.json, node.json, cases/) holds each output with its \
            SHA-256, the node description, and each run's wall time, CPU time and peak memory. Exit \
            codes: 0 every case ran, 91 some case failed (recorded in the bundle), 66 the suite is \
            unreadable or invalid, 64 bad arguments (DIR not empty), 85 the bundle cannot be written.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The suite file (JSON).")
    var suite: String

    @Option(name: .long, help: "The bundle directory to create (must not exist, or be empty).")
    var out: String

    @Option(name: .long, help: "Runs of each case, to measure the run-to-run spread (default 1).")
    var `repeat`: Int = 1

    @Option(name: .long, help: "NAME=PATH: the image a case names NAME (repeatable); other names are paths relative to the suite.")
    var image: [String] = []

    @Option(name: .long, help: "auto, builtin or apptainer (default auto: apptainer where the node has it).")
    var runtime: RuntimeChoice = .auto

    @Option(name: .customLong("image-cache"), help: "Where image archives are unpacked (default as for pilot exec).")
    var imageCache: String?

    @Option(name: .long, help: "A CA bundle for inputs over signed URLs, instead of the system bundle.")
    var cacert: String?

    @Flag(name: .customLong("keep-work"), help: "Keep each run's work directory under DIR/.work.")
    var keepWork = false

    func validate() throws {
        guard (1...1000).contains(self.repeat) else { throw ValidationError("--repeat must be between 1 and 1000") }
        for mapping in image where !mapping.contains("=") || mapping.hasPrefix("=") {
            throw ValidationError("--image \(mapping): give NAME=PATH")
        }
    }

    func run() async throws {
        let context = try CommandContext.make(global: global, label: "pilot.validate")
        let here = ProcessEnvironment.currentDirectory()
        let absolute = { (path: String) in InputStager.resolve(path, against: here) }
        let suitePath = absolute(suite), bundle = absolute(out)
        let runner: ValidationRunner
        let suiteText: String
        do throws(ValidateError) {
            do { suiteText = try FileReader.readString(suitePath) } catch { throw ValidateError.unreadable(error) }
            let parsed = try ValidationSuite.parse(suiteText, path: suite)
            let empty: Bool
            do { empty = try BundleFiles.isMissingOrEmpty(bundle) } catch { throw ValidateError.cannotWrite(error) }
            guard empty else { throw ValidateError.usage("--out \(out) is not empty") }
            do { try BundleFiles.makeDirectories(bundle) } catch { throw ValidateError.cannotWrite(error) }
            var images: [String: String] = [:]
            for mapping in image {
                let parts = mapping.split(separator: "=", maxSplits: 1)
                images[String(parts[0])] = absolute(parts.count > 1 ? String(parts[1]) : "")
            }
            let directory = suitePath.lastIndex(of: "/").map { String(suitePath[..<$0]) } ?? here
            runner = ValidationRunner(
                suite: parsed, suiteDirectory: directory.isEmpty ? "/" : directory, bundle: bundle, repeats: self.repeat,
                images: images, runtime: runtime,
                payloads: PayloadRunner(
                    configuration: context.configuration, environment: context.environment, logger: context.logger,
                    imageCache: imageCache ?? ExecCommand.defaultImageCache(context.environment), cgroupPolicy: .always),
                stager: InputStager(suiteDirectory: directory, curl: .fromEnvironment(context.environment, caFile: cacert), logger: context.logger),
                keepWork: keepWork, logger: context.logger, progress: { print($0) })
        } catch {
            throw CommandContext.fail(error)
        }
        let started = Date()
        let node: NodeReport
        let records: [CaseRecord]
        do throws(ValidateError) {
            do { node = try await DetectCommand.describe(context) } catch { throw ValidateError.node(error) }
            records = try await runner.run()
            try write(suiteText, name: runner.suite.name, node: node, records: records, started: started, bundle: bundle)
        } catch {
            throw CommandContext.fail(error)
        }
        let failed = records.filter { $0.status == .failed }
        print("bundle \(out): \(records.count - failed.count) of \(records.count) cases ran"
            + (failed.isEmpty ? "" : "; failed: " + failed.map(\.name).joined(separator: ", ")))
        if !failed.isEmpty { throw PilotExitCode.validationFailed.exitCode }
    }

    /// Writes `suite.json`, `node.json` and, last, `bundle.json`, each atomically.
    private func write(_ suiteText: String, name: String, node: NodeReport, records: [CaseRecord], started: Date, bundle: String) throws(ValidateError) {
        let manifest = ValidationBundle(
            suite: SuiteRecord(name: name, file: "suite.json", sha256: Digest.hex(of: Array(suiteText.utf8), .sha256)),
            pilotVersion: BuildInfo.pilotVersion, created: PandaTime.iso8601(started),
            node: NodeRecord(
                arch: node.arch.rawValue, hostname: node.hostname, cpuModel: node.cpu.model,
                cpuLevel: node.cpu.microarchLevel ?? node.cpu.part, cores: node.cpu.effectiveCores,
                memoryBytes: node.memory.effectiveBytes, gpus: node.gpus.map(\.name), file: "node.json"),
            repeats: self.repeat, runtime: runtime.rawValue, cases: records)
        do {
            try AtomicFile.write(suiteText, to: bundle + "/suite.json")
            try AtomicFile.write((try? JSONOutput.encode(node)).map { $0 + "\n" } ?? "null\n", to: bundle + "/node.json")
            try AtomicFile.write(((try? BundleJSON.encode(manifest)) ?? "{}") + "\n", to: bundle + "/bundle.json")
        } catch {
            throw .cannotWrite(error)
        }
    }
}
