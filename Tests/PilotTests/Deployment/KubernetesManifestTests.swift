import Foundation
import Testing

/// container/kubernetes/: the manifests against the Kubernetes API schema (kubernetes-validate,
/// offline), then what the schema cannot say: Harvester's environment, the pilot's variables,
/// the volumes, the budgets and the security settings the pilot's runtime needs.
@Suite("kubernetes manifests", .enabled(if: DeploymentKit.kubeValidatePython != nil, "\(DeploymentKit.kubeValidateMissing)"))
struct KubernetesManifestTests {
    /// The oldest release the manifests target (hostUsers, appArmorProfile) and the newest bundled.
    @Test("every manifest validates strictly against the API schema", arguments: ["1.30.0", "1.37.0"])
    func schema(version: String) throws {
        let documents = try KubernetesManifest.validate(DeploymentKit.manifests, version: version)
        #expect(documents.map(\.kind).sorted() == ["ConfigMap", "Job", "Job"])
        for document in documents {
            #expect(document.errors.isEmpty, "\(document.file) (\(document.kind) \(document.name)) against \(version): \(document.errors)")
        }
    }

    @Test("the validator is no rubber stamp: a misspelt field and a string for a number are refused")
    func validatorCatchesMistakes() throws {
        let scratch = try ScratchDirectory("kube")
        let text = try String(contentsOfFile: DeploymentKit.path("container/kubernetes/pilot-job.yaml"), encoding: .utf8)
        // One mistake per file: the validator reports the first error of a document.
        let misspelt = try scratch.write("misspelt.yaml", text.replacingOccurrences(of: "mountPropagation", with: "mountPropogation"))
        let string = try scratch.write("string.yaml", text.replacingOccurrences(
            of: "terminationGracePeriodSeconds: 40", with: "terminationGracePeriodSeconds: \"40\""))
        let documents = try KubernetesManifest.validate([misspelt, string], version: "1.37.0")
        #expect(documents.count == 2)
        #expect(documents.first?.errors.joined().contains("mountPropogation") == true, "\(documents.map(\.errors))")
        #expect(documents.last?.errors.joined().contains("terminationGracePeriodSeconds") == true, "\(documents.map(\.errors))")
    }

    /// The two Jobs (CPU and GPU).
    private func jobs() throws -> [KubernetesManifest.Document] {
        try KubernetesManifest.validate(DeploymentKit.manifests, version: "1.37.0").filter { $0.kind == "Job" }
    }

    @Test("a Job in Harvester's style: its environment, no wrapper, never restarted")
    func harvesterStyle() throws {
        let harvester = ["computingSite", "pandaQueueName", "resourceType", "prodSourceLabel", "jobType",
                         "pilotType", "pilotVersion", "proxySecretPath", "PANDA_AUTH_ORIGIN", "PANDA_AUTH_DIR",
                         "PANDA_AUTH_TOKEN", "PANDA_AUTH_TOKEN_KEY", "workerID", "HARVESTER_ID",
                         "HARVESTER_WORKER_ID", "PANDA_JSID", "K8S_JOB_ID", "submit_mode", "logs_frontend_w",
                         "logs_frontend_r", "TMPDIR", "HOME", "PANDA_HOSTNAME"]
        for job in try jobs() {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            #expect(job.object["apiVersion"] as? String == "batch/v1")
            #expect((job.object["spec"] as? [String: Any])?["backoffLimit"] as? Int == 0)
            #expect(pod.spec["restartPolicy"] as? String == "Never")
            #expect(pod.container["command"] == nil && pod.container["args"] == nil, "\(job.name): the image's entrypoint is pilot run")
            let missing = harvester.filter { pod.env[$0] == nil }
            #expect(missing.isEmpty, "\(job.name) lacks Harvester's \(missing)")
            #expect(pod.env["PANDA_QUEUE"] == nil, "Harvester sets no PANDA_QUEUE")
            #expect(pod.fieldPath("PANDA_HOSTNAME") == "spec.nodeName")
            #expect(pod.value("HOME") == pod.value("PILOT_WORKDIR") && pod.value("TMPDIR") == pod.value("PILOT_WORKDIR"))
            #expect(pod.value("PANDA_AUTH_DIR").flatMap { pod.volume(mountedAt: $0)?.volume["secret"] } != nil)
        }
    }

    @Test("pod, node and namespace reach the pilot through the downward API")
    func downwardAPI() throws {
        for job in try jobs() {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            #expect(pod.fieldPath("PILOT_POD_NAME") == "metadata.name")
            #expect(pod.fieldPath("PILOT_POD_NAMESPACE") == "metadata.namespace")
            #expect(pod.fieldPath("PILOT_NODE_NAME") == "spec.nodeName")
            #expect(pod.fieldPath("K8S_JOB_ID") == "metadata.labels['job-name']")
        }
    }

    @Test("volumes: a size-limited emptyDir work dir, CVMFS read-only with HostToContainer, the notice file on a volume")
    func volumes() throws {
        for job in try jobs() {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            let workdir = try #require(pod.value("PILOT_WORKDIR").flatMap { pod.volume(mountedAt: $0) }, "\(job.name): PILOT_WORKDIR is not a volume")
            let emptyDir = try #require(workdir.volume["emptyDir"] as? [String: Any])
            #expect((KubernetesManifest.quantity(emptyDir["sizeLimit"]) ?? 0) >= 10 * 1_073_741_824)

            let cvmfs = try #require(pod.volume(mountedAt: "/cvmfs"))
            #expect(cvmfs.mount["mountPropagation"] as? String == "HostToContainer")
            #expect(cvmfs.mount["readOnly"] as? Bool == true)

            let notice = try #require(pod.value("PILOT_RUN_NOTICE_FILE"))
            let directory = (notice as NSString).deletingLastPathComponent
            #expect(pod.volume(mountedAt: directory) != nil, "\(notice) is on no volume")

            // Every mount names a volume and every volume is mounted.
            let mounted = Set(pod.mounts.compactMap { $0["name"] as? String })
            #expect(mounted == Set(pod.volumes.keys))
            // emptyDirs on disk fit in the container's ephemeral-storage limit.
            let onDisk = pod.volumes.values.compactMap { $0["emptyDir"] as? [String: Any] }
                .filter { $0["medium"] == nil }.compactMap { KubernetesManifest.quantity($0["sizeLimit"]) }.reduce(0, +)
            let limit = try #require(KubernetesManifest.quantity(pod.resources("limits")["ephemeral-storage"]))
            #expect(onDisk <= limit)
        }
    }

    @Test("resources: guaranteed CPU and memory; the GPU Job asks for whole NVIDIA GPUs")
    func resources() throws {
        var gpuJobs = 0
        for job in try jobs() {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            let requests = pod.resources("requests"), limits = pod.resources("limits")
            for key in ["cpu", "memory"] {
                #expect(KubernetesManifest.quantity(limits[key]) != nil, "\(job.name) has no \(key) limit")
                #expect(KubernetesManifest.quantity(requests[key]) == KubernetesManifest.quantity(limits[key]), "\(job.name): \(key)")
            }
            if let gpus = KubernetesManifest.quantity(limits["nvidia.com/gpu"]) {
                gpuJobs += 1
                #expect(gpus >= 1 && gpus == gpus.rounded())
                #expect(KubernetesManifest.quantity(requests["nvidia.com/gpu"]) == gpus)
                #expect(pod.env["NVIDIA_VISIBLE_DEVICES"] == nil, "the device plugin sets it")
            }
        }
        #expect(gpuJobs == 1)
    }

    @Test("time budgets nest: payload grace < stop budget < grace period; lifetime + budget < deadline")
    func budgets() throws {
        let config = try #require(try KubernetesManifest.validate(DeploymentKit.manifests, version: "1.37.0")
            .first { $0.kind == "ConfigMap" })
        let file = try #require((config.object["data"] as? [String: Any])?["pilot.json"] as? String)
        let run = try #require((try DeploymentKit.json(file) as? [String: Any])?["run"] as? [String: Any])
        let payloadGrace = try #require(run["grace"] as? Double)
        for job in try jobs() {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            let budget = try #require(pod.value("PILOT_RUN_STOP_BUDGET").flatMap(Double.init))
            let lifetime = try #require(pod.value("PILOT_RUN_LIFETIME").flatMap(Double.init))
            let gracePeriod = try #require(pod.spec["terminationGracePeriodSeconds"] as? Double)
            let deadline = try #require(pod.spec["activeDeadlineSeconds"] as? Double)
            #expect(payloadGrace < budget && budget < gracePeriod)
            #expect(lifetime > 0 && lifetime + budget < deadline)
        }
    }

    @Test("security: the shipped Localhost profile, unmasked /proc in a user-namespaced pod, nothing else")
    func security() throws {
        for job in try jobs() {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            let profile = try #require(pod.security["seccompProfile"] as? [String: Any])
            #expect(profile["type"] as? String == "Localhost")
            let relative = try #require(profile["localhostProfile"] as? String)
            // The profile shipped is the file the manifest names (below /var/lib/kubelet/seccomp).
            #expect((relative as NSString).lastPathComponent == (DeploymentKit.seccompProfile as NSString).lastPathComponent)
            #expect(pod.security["procMount"] as? String == "Unmasked")
            #expect(pod.spec["hostUsers"] as? Bool == false, "procMount: Unmasked needs a user-namespaced pod")
            #expect(pod.security["allowPrivilegeEscalation"] as? Bool == false)
            #expect(pod.security["privileged"] == nil)
            #expect((pod.security["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"])
            #expect((pod.spec["securityContext"] as? [String: Any])?["runAsNonRoot"] as? Bool == true)
        }
    }

    @Test("the ConfigMap's file is one the pilot accepts, at the path PILOT_CONFIG names")
    func configuration() throws {
        let documents = try KubernetesManifest.validate(DeploymentKit.manifests, version: "1.37.0")
        let config = try #require(documents.first { $0.kind == "ConfigMap" })
        let data = try #require(config.object["data"] as? [String: String])
        for job in documents where job.kind == "Job" {
            let pod = try KubernetesManifest.PilotPod(job: job.object)
            let path = try #require(pod.value("PILOT_CONFIG"))
            let mounted = try #require(pod.volume(mountedAt: (path as NSString).deletingLastPathComponent))
            #expect((mounted.volume["configMap"] as? [String: Any])?["name"] as? String == config.name)
            #expect(data[(path as NSString).lastPathComponent] != nil)
        }
        let scratch = try ScratchDirectory("kube-config")
        let file = try scratch.write("pilot.json", try #require(data["pilot.json"]))
        let accepted = try PilotBinary.run(["detect", "--json"], environment: ["PILOT_CONFIG": file, "PILOT_CVMFS_REPOS": ""])
        #expect(accepted.status == 0, "the pilot refused the ConfigMap's file: \(accepted.stderr)")
        // The control: the same file with one key misspelt is refused, so the check above means something.
        let typo = try scratch.write("typo.json", data["pilot.json"]!.replacingOccurrences(of: "\"timeout\"", with: "\"timeot\""))
        let refused = try PilotBinary.run(["detect", "--json"], environment: ["PILOT_CONFIG": typo, "PILOT_CVMFS_REPOS": ""])
        #expect(refused.status == 78 && refused.stderr.contains("timeot"), "\(refused.stderr)")
    }
}
