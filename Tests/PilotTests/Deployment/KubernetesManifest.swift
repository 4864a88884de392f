import Foundation

/// The Kubernetes manifests as validated and read by `Scripts/kube-manifests.py`
/// (kubernetes-validate in its venv), with the accessors the field checks need.
struct KubernetesManifest {
    /// One document of a manifest file.
    struct Document {
        var file: String
        var kind: String
        var name: String
        /// What the schema validation found; empty when the document is valid.
        var errors: [String]
        /// The document itself, as JSON.
        var object: [String: Any]
    }

    /// Every document of the files, validated against the API schema of `version` (strict).
    static func validate(_ files: [String], version: String) throws -> [Document] {
        guard let python = DeploymentKit.kubeValidatePython else { return [] }
        let result = try LocalCommand.run([python, LocalCommand.script("kube-manifests.py"), "validate", version] + files)
        let reply = try DeploymentKit.json(result.stdout) as? [String: Any] ?? [:]
        return (reply["documents"] as? [[String: Any]] ?? []).map {
            Document(file: $0["file"] as? String ?? "", kind: $0["kind"] as? String ?? "",
                     name: $0["name"] as? String ?? "", errors: $0["errors"] as? [String] ?? [],
                     object: $0["object"] as? [String: Any] ?? [:])
        }
    }

    /// A YAML file as JSON (cloud-init user-data).
    static func yaml(_ file: String) throws -> [String: Any] {
        guard let python = DeploymentKit.kubeValidatePython else { return [:] }
        let result = try LocalCommand.run([python, LocalCommand.script("kube-manifests.py"), "json", file])
        return try DeploymentKit.json(result.stdout) as? [String: Any] ?? [:]
    }

    /// A Job's pod spec, its pilot container and that container's environment.
    struct PilotPod {
        var spec: [String: Any]
        var container: [String: Any]

        init(job: [String: Any]) throws {
            let template = (job["spec"] as? [String: Any])?["template"] as? [String: Any]
            spec = template?["spec"] as? [String: Any] ?? [:]
            let containers = spec["containers"] as? [[String: Any]] ?? []
            container = containers.first { $0["name"] as? String == "pilot" } ?? [:]
        }

        /// The container's `env` entries by name.
        var env: [String: [String: Any]] {
            var byName: [String: [String: Any]] = [:]
            for entry in container["env"] as? [[String: Any]] ?? [] {
                if let name = entry["name"] as? String { byName[name] = entry }
            }
            return byName
        }

        /// A plain `value` of the environment.
        func value(_ name: String) -> String? { env[name]?["value"] as? String }

        /// The downward-API field a variable is taken from.
        func fieldPath(_ name: String) -> String? {
            ((env[name]?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String
        }

        /// The container's volume mounts.
        var mounts: [[String: Any]] { container["volumeMounts"] as? [[String: Any]] ?? [] }

        /// The pod's volumes by name.
        var volumes: [String: [String: Any]] {
            var byName: [String: [String: Any]] = [:]
            for volume in spec["volumes"] as? [[String: Any]] ?? [] {
                if let name = volume["name"] as? String { byName[name] = volume }
            }
            return byName
        }

        /// The volume mounted at `path`, if any.
        func volume(mountedAt path: String) -> (mount: [String: Any], volume: [String: Any])? {
            guard let mount = mounts.first(where: { $0["mountPath"] as? String == path }),
                  let name = mount["name"] as? String, let volume = volumes[name] else { return nil }
            return (mount, volume)
        }

        /// `resources.requests` or `resources.limits`.
        func resources(_ kind: String) -> [String: Any] {
            (container["resources"] as? [String: Any])?[kind] as? [String: Any] ?? [:]
        }

        /// The container's securityContext.
        var security: [String: Any] { container["securityContext"] as? [String: Any] ?? [:] }
    }

    /// A Kubernetes quantity in bytes or units: `16000Mi`, `40Gi`, `8`, `500m`.
    static func quantity(_ value: Any?) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        guard let text = value as? String else { return nil }
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("m", 1e-3),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }
}
