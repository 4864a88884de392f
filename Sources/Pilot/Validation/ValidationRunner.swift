#if canImport(Glibc)
import Glibc
#endif
import Logging
import Payload

/// Runs a suite's cases on this node, each `repeats` times, through `PayloadRunner` (the
/// containers production uses), and collects what the bundle records: outputs with their
/// checksums, and each run's exit, wall time, CPU time and peak memory.
///
/// A failing case (an input that cannot be staged, a payload that cannot start or exits non-zero,
/// a missing output) is recorded as failed and the next case runs; only the bundle directory
/// being unwritable stops the run.
struct ValidationRunner: Sendable {
    /// The suite to run.
    var suite: ValidationSuite
    /// Absolute; relative images and input paths are taken from here.
    var suiteDirectory: String
    /// The bundle directory (absolute, existing, empty).
    var bundle: String
    /// Runs per case (`--repeat`).
    var repeats: Int
    /// `--image NAME=PATH`: image names a case may use instead of a path.
    var images: [String: String]
    /// The container runtime asked for.
    var runtime: RuntimeChoice
    /// The payload runner, its cgroup policy `always` so that the tree's peak memory is measured.
    var payloads: PayloadRunner
    /// Puts the inputs in place.
    var stager: InputStager
    /// Keep the work directories (`.work/`) for inspection.
    var keepWork = false
    /// Where warnings go.
    var logger: Logger
    /// Receives one line per run, for the terminal.
    var progress: @Sendable (String) -> Void = { _ in }

    /// The scratch directory of a case: staged inputs and one work directory per run.
    private func workDirectory(_ item: ValidationCase) -> String { "\(bundle)/.work/\(item.name)" }

    /// The image a case names: a `--image` name, else a path (relative to the suite).
    func image(for item: ValidationCase) -> String {
        images[item.image] ?? InputStager.resolve(item.image, against: suiteDirectory)
    }

    /// Runs every case in order.
    func run() async throws(ValidateError) -> [CaseRecord] {
        var records: [CaseRecord] = []
        for item in suite.cases {
            records.append(try await run(item))
        }
        if !keepWork {
            do { try BundleFiles.removeTree(bundle + "/.work") } catch {
                logger.warning("cannot remove the work directories", metadata: ["error": "\(error)"])
            }
        }
        return records
    }

    /// Runs one case `repeats` times.
    func run(_ item: ValidationCase) async throws(ValidateError) -> CaseRecord {
        var record = CaseRecord(name: item.name, image: image(for: item), command: item.command, status: .ok,
                                inputs: [], runs: [], outputs: [])
        let work = workDirectory(item)
        do {
            for input in item.inputs {
                record.inputs.append(try await stager.stage(input, to: "\(work)/inputs/\(input.name)"))
            }
        } catch {
            record.status = .failed
            record.error = error.description
            progress("\(item.name): \(error)")
            record.outputs = item.outputs.map { OutputRecord(path: $0.path, compare: $0.compare, files: []) }
            return record
        }
        var files: [[OutputFile]] = Array(repeating: [], count: item.outputs.count)
        for index in 1...repeats {
            let (run, collected, failure) = try await runOnce(item, index: index, record: record)
            if let run { record.runs.append(run) }
            for (slot, file) in collected.enumerated() { if let file { files[slot].append(file) } }
            if let failure {
                record.status = .failed
                record.error = "run \(index): \(failure)"
                progress("\(item.name) run \(index)/\(repeats): failed: \(failure)")
                break
            }
        }
        record.outputs = zip(item.outputs, files).map { output, files in
            OutputRecord(path: output.path, compare: output.compare, files: files,
                         spread: record.status == .ok ? spread(output.compare, files) : nil)
        }
        return record
    }

    /// One run: the work directory with fresh copies of the inputs, the payload, the outputs
    /// moved into the bundle. Returns the run (nil if it could not start), the collected outputs
    /// in suite order, and what went wrong.
    private func runOnce(_ item: ValidationCase, index: Int, record: CaseRecord) async throws(ValidateError)
        -> (RunRecord?, [OutputFile?], String?)
    {
        let work = workDirectory(item)
        let srv = "\(work)/run-\(index)"
        let relative = "cases/\(item.name)/run-\(index)"
        let logs = (stdout: "\(relative)/stdout.txt", stderr: "\(relative)/stderr.txt")
        var payloads = self.payloads
        do {
            try BundleFiles.makeDirectories(srv)
            try BundleFiles.makeDirectories("\(bundle)/\(relative)")
            for input in item.inputs {
                let destination = "\(srv)/\(input.name)"
                if let slash = destination.lastIndex(of: "/") { try BundleFiles.makeDirectories(String(destination[..<slash])) }
                _ = try BundleFiles.copy("\(work)/inputs/\(input.name)", to: destination)
            }
            payloads.standardOutput = try BundleFiles.openLog("\(bundle)/\(logs.stdout)")
            payloads.standardError = try BundleFiles.openLog("\(bundle)/\(logs.stderr)")
        } catch {
            throw .cannotWrite(error)
        }
        defer {
            payloads.standardOutput.map { _ = close($0) }
            payloads.standardError.map { _ = close($0) }
        }
        let outcome: ExecOutcome
        do {
            outcome = try await payloads.run(spec(item, record: record, srv: srv), runtime: runtime, grace: 10, timeout: item.timeout)
        } catch {
            return (nil, Array(repeating: nil, count: item.outputs.count), "the payload could not run: \(error)")
        }
        let report = outcome.report
        let run = RunRecord(
            index: index, exitCode: report.exitCode, signal: report.signal, wallSeconds: report.wallSeconds,
            userCPUSeconds: report.userCPUSeconds, systemCPUSeconds: report.systemCPUSeconds,
            maxRSSKilobytes: report.maxRSSKilobytes, timedOut: report.timedOut, outOfMemory: report.outOfMemory,
            runtime: report.runtime, stdout: logs.stdout, stderr: logs.stderr)
        progress("\(item.name) run \(index)/\(repeats): exit \(run.exitCode), wall \(NumberText.seconds(run.wallSeconds)), "
            + "CPU \(NumberText.seconds(run.cpuSeconds)), peak \(NumberText.mebibytes(kilobytes: Double(run.maxRSSKilobytes)))")
        var problems: [String] = []
        if report.timedOut { problems.append("timed out after \(NumberText.seconds(item.timeout ?? 0))") }
        if report.outOfMemory { problems.append("killed for lack of memory") }
        if report.exitCode != 0 && problems.isEmpty {
            problems.append(report.signal.map { "the payload was killed by signal \($0)" } ?? "the payload exited \(report.exitCode)")
        }
        var collected: [OutputFile?] = []
        for output in item.outputs {
            let file = "\(relative)/outputs/\(output.path)"
            do {
                switch try BundleFiles.collect(output.path, from: srv, to: "\(bundle)/\(file)") {
                case nil:
                    problems.append("output \(output.path) is missing")
                    collected.append(nil)
                case false?:
                    problems.append("output \(output.path) is not a regular file (or lies below a symlink)")
                    collected.append(nil)
                case true?:
                    let sums = try BundleFiles.sums("\(bundle)/\(file)")
                    collected.append(OutputFile(index: index, file: file, sha256: sums.sha256, bytes: sums.bytes))
                }
            } catch {
                throw .cannotWrite(error)
            }
        }
        if !keepWork {
            do { try BundleFiles.removeTree(srv) } catch {
                logger.warning("cannot remove a work directory", metadata: ["path": "\(srv)", "error": "\(error)"])
            }
        }
        return (run, collected, problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// The container: the image, the run's work directory at `/srv`, a clean environment.
    private func spec(_ item: ValidationCase, record: CaseRecord, srv: String) -> ContainerSpec {
        var environment = [
            EnvironmentVariable(name: "PATH", value: ContainerSpec.defaultPath),
            EnvironmentVariable(name: "HOME", value: "/srv"),
        ]
        for (name, value) in item.environment.sorted(by: { $0.key < $1.key }) {
            environment.removeAll { $0.name == name }
            environment.append(EnvironmentVariable(name: name, value: value))
        }
        return ContainerSpec(
            rootfs: record.image, binds: [Bind(source: srv, destination: "/srv", readOnly: false)],
            environment: environment, workingDirectory: "/srv", command: item.command)
    }

    /// The spread between the repeats of an output; only numeric and histogram outputs are read.
    private func spread(_ spec: ComparisonSpec, _ files: [OutputFile]) -> OutputSpread? {
        guard files.count >= 2 else { return nil }
        let contents = files.map { file in
            let text = spec == .exact ? "" : ((try? FileReader.readString("\(bundle)/\(file.file)", limit: 1 << 30)) ?? "")
            return OutputContent(sha256: file.sha256, text: text)
        }
        return OutputSpread.measure(spec, contents)
    }
}
