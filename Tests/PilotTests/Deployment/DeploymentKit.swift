import Foundation

/// The deployment kit's files (`container/`) and the outside tools its tests drive, each with the
/// reason its tests skip when the tool is missing.
enum DeploymentKit {
    /// A file of the repository, by its path from the root.
    static func path(_ relative: String) -> String {
        Fixtures.repositoryRoot.appendingPathComponent(relative).path
    }

    /// The Localhost seccomp profile the Job manifests name.
    static let seccompProfile = path("container/kubernetes/pilot-seccomp.json")

    /// The Kubernetes manifests, every one of which must validate.
    static let manifests = ["pilot-job.yaml", "pilot-job-gpu.yaml", "pilot-config.yaml"]
        .map { path("container/kubernetes/" + $0) }

    /// The Python of the venv `scripts/install-kube-validate.sh` makes, when it can import the validator.
    static let kubeValidatePython: String? = {
        let venv = ProcessInfo.processInfo.environment["PILOT_KUBE_VALIDATE_VENV"] ?? "/var/cache/pilot/kube-validate-venv"
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python),
              (try? LocalCommand.run([python, "-c", "import kubernetes_validate, yaml"]).status) == 0 else { return nil }
        return python
    }()

    /// Why the manifest tests skip.
    static let kubeValidateMissing = "needs kubernetes-validate: run scripts/install-kube-validate.sh"

    /// Whether Debian's python3-seccomp (libseccomp's own bindings) is importable.
    static let hasPythonSeccomp: Bool =
        (try? LocalCommand.run([LocalCommand.python, "-c", "import seccomp"]).status) == 0

    /// `systemd-analyze`, when installed.
    static let systemdAnalyze: String? = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The static binary that goes into the image: `$PILOT_BINARY` when it is static (the static
    /// pass of scripts/test.sh), else `dist/pilot` when present.
    static let staticPilot: String? = {
        var candidates = [path("dist/pilot")]
        if let binary = ProcessInfo.processInfo.environment["PILOT_BINARY"], !binary.isEmpty {
            candidates.insert(binary, at: 0)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && isStatic($0) }
    }()

    /// Whether an ELF executable has no program interpreter (nothing for the loader to find).
    static func isStatic(_ file: String) -> Bool {
        guard let result = try? LocalCommand.run(["readelf", "-l", file]), result.status == 0 else { return false }
        return !result.stdout.contains("Requesting program interpreter")
    }

    /// Reads one JSON document.
    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Reads one JSON object from a file.
    static func jsonObject(file: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any] ?? [:]
    }
}
