import ArgumentParser
import Payload

/// `pilot seccomp export`: writes the payload's seccomp filter, to inspect it or to give it to
/// another sandbox (`bwrap --seccomp FD`, the benchmark's yardstick).
struct SeccompCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seccomp",
        abstract: "Show or export the seccomp filter payloads run under.",
        subcommands: [SeccompExportCommand.self]
    )
}

/// `pilot seccomp export`.
struct SeccompExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the compiled filter: BPF (struct sock_filter array) or libseccomp's readable PFC.",
        discussion: "Exit codes: 0 written, 64 bad arguments, 78 the profile file is invalid, 85 the output cannot be written."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "default, or a Docker/OCI seccomp profile JSON file.")
    var seccomp: String = "default"

    @Flag(name: .customLong("allow-nested"), help: "The policy that lets payloads create namespaces.")
    var allowNested = false

    @Option(name: .long, help: "bpf or pfc (default bpf).")
    var format: String = "bpf"

    @Option(name: .long, help: "Where to write it (default: standard output, pfc only).")
    var output: String?

    func validate() throws {
        guard ["bpf", "pfc"].contains(format) else { throw ValidationError("--format must be bpf or pfc") }
        if format == "bpf" && output == nil { throw ValidationError("BPF is binary: give --output FILE") }
    }

    func run() async throws {
        _ = try CommandContext.make(global: global, label: "pilot.seccomp")
        let choice: SeccompChoice = seccomp == "default" ? .default : .file(seccomp)
        let program: SeccompProgram
        do {
            guard let policy = try SeccompPolicy.resolve(choice, allowNestedNamespaces: allowNested) else { return }
            program = try policy.compile()
        } catch {
            throw CommandContext.fail(ExecError.seccomp(error))
        }
        let bytes = format == "bpf" ? program.bpf : Array(program.pfc.utf8)
        guard let output else {
            print(program.pfc, terminator: "")
            return
        }
        do { try AtomicFile.write(bytes, to: output) } catch {
            throw CommandContext.fail(ExecError.resultUnwritable(output, "\(error)"))
        }
    }
}
