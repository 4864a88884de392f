/// The exact `apptainer exec` command line and environment that run a `ContainerSpec`.
///
/// ATLAS runs payloads with `-c -i` by default and weighs `-C` against it (CONTAINERS.md
/// section 1); the pilot wants `-C` (`--containall`): contained /dev, /tmp and home, new PID and
/// IPC namespaces and a clean environment. The payload's variables reach the container as
/// `APPTAINERENV_NAME=value` on the apptainer process (not `--env`, which splits on commas),
/// and that process gets nothing else of the pilot's environment: apptainer passes `TERM` and
/// the proxy variables through even `--cleanenv` (`internal/pkg/util/env/clean.go`).
///
/// GPUs: `--nv` binds the driver and every GPU of the pod (apptainer honours
/// NVIDIA_VISIBLE_DEVICES only with `--nvccli`), so the request is carried by
/// CUDA_VISIBLE_DEVICES (see `GPUSelection.environment`). HOME: apptainer refuses
/// `APPTAINERENV_HOME`, so a HOME in the spec becomes `--no-home --home DIR`.
///
/// Not applied here: `limits` (the caller's cgroup and rlimits, which apptainer inherits) and
/// `allowNestedNamespaces` (part of the BPF filter the caller compiles).
public struct ApptainerInvocation: Sendable, Equatable {
    /// The apptainer (or singularity) executable.
    public var executable: String
    /// Everything after the executable: `exec`, the options, the image, the command.
    public var arguments: [String]
    /// The apptainer process's whole environment.
    public var environment: [String: String]

    /// The full argument vector, executable first.
    public var argv: [String] { [executable] + arguments }

    /// Builds the command line.
    ///
    /// - Parameters:
    ///   - spec: what to run.
    ///   - apptainer: the binary and its version (prefix, `--no-eval`).
    ///   - seccomp: the pilot binary and BPF file; required unless `spec.seccomp` is `.none`.
    ///   - visibleGPUs: the GPUs the pod can use, for `spec.gpus`.
    ///   - processEnvironment: the apptainer process's own variables (PATH, APPTAINER_TMPDIR…),
    ///     never the pilot's whole environment.
    public init(
        spec: ContainerSpec, apptainer: ApptainerInstallation, seccomp: SeccompExecWrapper?,
        visibleGPUs: [VisibleGPU] = [], processEnvironment: [String: String] = ["PATH": ContainerSpec.defaultPath]
    ) throws(ApptainerInvocationError) {
        guard !spec.command.isEmpty else { throw .emptyCommand }
        guard spec.rootfs.hasPrefix("/") else { throw .relativePath(what: "rootfs", path: spec.rootfs) }
        guard spec.workingDirectory.hasPrefix("/") else {
            throw .relativePath(what: "working directory", path: spec.workingDirectory)
        }
        let version = apptainer.version
        let selection: GPUSelection
        do {
            selection = try GPUSelection(request: spec.gpus, visible: visibleGPUs)
        } catch {
            throw .gpu(error)
        }

        var payloadEnvironment = spec.environment
        for variable in selection.environment(containerSees: visibleGPUs) {
            payloadEnvironment.set(variable.name, variable.value)
        }
        var arguments = ["exec", "--containall"]
        if version.supportsNoEval { arguments.append("--no-eval") }
        if !spec.hostname.isEmpty { arguments += ["--hostname", spec.hostname] }
        arguments += ["--pwd", spec.workingDirectory]
        if let home = payloadEnvironment.value(of: "HOME") {
            // apptainer refuses APPTAINERENV_HOME; `--home` alone would bind the host's
            // directory of that name, `--no-home` keeps only the variable.
            guard home.hasPrefix("/"), !home.contains(":") else {
                throw .unrepresentableValue(name: "HOME", reason: "--home takes an absolute path without ':'")
            }
            arguments += ["--no-home", "--home", home]
        }
        if !spec.readOnlyRoot { arguments.append("--writable-tmpfs") }
        if !selection.gpus.isEmpty { arguments.append("--nv") }

        var binds = spec.binds
        var prefix: [String] = []
        if spec.seccomp != .none {
            guard let seccomp else { throw .seccompWrapperMissing(spec.seccomp) }
            binds += seccomp.binds
            prefix = seccomp.commandPrefix
        }
        for bind in binds {
            try Self.check(bind)
            arguments += ["-B", bind.description]
        }
        arguments.append(spec.rootfs)
        arguments += prefix + spec.command

        var environment = processEnvironment
        for variable in payloadEnvironment where variable.name != "HOME" {
            try Self.check(variable, version: version)
            environment[version.environmentPrefix + variable.name] = variable.value
        }
        self.executable = apptainer.binary.path
        self.arguments = arguments
        self.environment = environment
    }

    /// Names apptainer reads specially after the prefix, which a payload variable must not use.
    static let reservedNames: Set<String> = ["PREPEND_PATH", "APPEND_PATH", "APPTAINER_SHELL", "APPTAINER_APPNAME"]

    /// Characters a shell would act on inside double quotes, plus newline: builds without
    /// `--no-eval` evaluate `…ENV_` values in the container.
    static let evaluatedCharacters: Set<Character> = ["$", "`", "\\", "\"", "\n"]

    /// Checks that `-B SRC:DST:MODE` will be read back as this bind (config/bind.go splits at
    /// `,` and `:` and trims spaces).
    static func check(_ bind: Bind) throws(ApptainerInvocationError) {
        for (what, path) in [("source", bind.source), ("destination", bind.destination)] {
            guard path.hasPrefix("/") else {
                throw .unrepresentableBind(bind, reason: "the \(what) is not an absolute path")
            }
            if let bad = path.first(where: { $0 == "," || $0 == ":" }) {
                throw .unrepresentableBind(bind, reason: "the \(what) contains '\(bad)'")
            }
            if path.last?.isWhitespace == true {
                throw .unrepresentableBind(bind, reason: "the \(what) ends in white space")
            }
        }
    }

    /// Checks that `variable` arrives in the container as written.
    static func check(_ variable: EnvironmentVariable, version: ApptainerVersion) throws(ApptainerInvocationError) {
        let name = variable.name
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) })
        else { throw .invalidEnvironmentName(name) }
        if reservedNames.contains(name) { throw .reservedEnvironmentName(name) }
        if variable.value.contains("\0") {
            throw .unrepresentableValue(name: name, reason: "the value contains a NUL byte")
        }
        if !version.supportsNoEval, let bad = variable.value.first(where: { evaluatedCharacters.contains($0) }) {
            throw .unrepresentableValue(
                name: name, reason: "\(version) has no --no-eval and would evaluate \(bad.debugDescription) in the value")
        }
    }
}

/// Why a `ContainerSpec` cannot be turned into an apptainer command line.
public enum ApptainerInvocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec has no command to run.
    case emptyCommand
    /// A path that must be absolute is not (`what` names it: "rootfs", "working directory").
    case relativePath(what: String, path: String)
    /// apptainer's `-B` splits on `,` and `:` and trims spaces, so this bind cannot be written.
    case unrepresentableBind(Bind, reason: String)
    /// Not a shell variable name (`[A-Za-z_][A-Za-z0-9_]*`), which `…ENV_NAME` must be.
    case invalidEnvironmentName(String)
    /// A name apptainer gives its own meaning after the prefix (`APPEND_PATH`, `APPTAINER_SHELL`).
    case reservedEnvironmentName(String)
    /// A value apptainer would not pass through unchanged.
    case unrepresentableValue(name: String, reason: String)
    /// The spec asks for a seccomp filter, but no pilot binary and BPF file were given.
    case seccompWrapperMissing(SeccompChoice)
    /// The GPU request cannot be met.
    case gpu(GPURequestError)

    public var description: String {
        switch self {
        case .emptyCommand:
            "apptainer command line: the spec has no command"
        case .relativePath(let what, let path):
            "apptainer command line: \(what) \"\(path)\" is not an absolute path"
        case .unrepresentableBind(let bind, let reason):
            "apptainer command line: cannot bind \(bind): \(reason)"
        case .invalidEnvironmentName(let name):
            "apptainer command line: \"\(name)\" is not a valid environment variable name"
        case .reservedEnvironmentName(let name):
            "apptainer command line: \(name) has a meaning of its own to apptainer and cannot be passed"
        case .unrepresentableValue(let name, let reason):
            "apptainer command line: cannot pass \(name): \(reason)"
        case .seccompWrapperMissing(let choice):
            "apptainer command line: seccomp \(choice) needs the pilot binary and a bpf file to bind"
        case .gpu(let error):
            "apptainer command line: \(error)"
        }
    }
}
