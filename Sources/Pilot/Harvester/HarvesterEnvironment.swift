/// What Harvester's Kubernetes submitter puts in the pod's environment (harvester
/// `k8s_utils.py`, `create_job_from_yaml`; PANDA.md §7), read into the pilot's settings so that
/// a pod started by Harvester needs no flag.
///
/// | variable | setting |
/// |---|---|
/// | `pandaQueueName`, else `computingSite` | `panda.queue` |
/// | `resourceType`, `prodSourceLabel`, `jobType` | `panda.resource_type`, `panda.prod_source_label`, `panda.job_type` |
/// | `HARVESTER_ID` | `panda.harvester_id` |
/// | `HARVESTER_WORKER_ID`, else `workerID` | `panda.worker_id` |
/// | `PANDA_JSID` | `panda.scheduler_id` |
/// | `K8S_JOB_ID` | `panda.batch_id` |
/// | `PANDA_HOSTNAME` (the pod's `spec.nodeName`) | `panda.node` |
/// | `submit_mode` (`PULL`/`PUSH`) | `panda.submit_mode` |
///
/// There is no `PANDA_QUEUE`. Credentials (`PANDA_AUTH_*`, `X509_USER_PROXY`) are read by
/// `PandaAuthentication`; Harvester's `proxySecretPath` names the proxy before pilots_starter
/// copies it, so it is used when `X509_USER_PROXY` is not set.
struct HarvesterEnvironment: Sendable, Equatable {
    var environment: [String: String]

    /// Reads `environment` (nothing is looked at until `layer()`).
    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// Whether this process was started by Harvester (pilot3's test: `HARVESTER_ID` or `HARVESTER_WORKER_ID`).
    var isHarvesterWorker: Bool {
        value("HARVESTER_ID") != nil || value("HARVESTER_WORKER_ID") != nil
    }

    /// The settings the variables give; a worker id or submit mode that cannot be read is an error
    /// naming the variable.
    func layer() throws(ConfigurationError) -> PandaSettingsLayer {
        var layer = PandaSettingsLayer()
        layer.queue = value("pandaQueueName") ?? value("computingSite")
        layer.resourceType = value("resourceType")
        layer.prodSourceLabel = value("prodSourceLabel")
        layer.jobType = value("jobType")
        layer.harvesterID = value("HARVESTER_ID")
        for name in ["HARVESTER_WORKER_ID", "workerID"] {
            guard let text = value(name) else { continue }
            guard let id = Int(text) else {
                throw .invalidEnvironment(variable: name, value: text, expected: "an integer worker id")
            }
            layer.workerID = id
            break
        }
        layer.schedulerID = value("PANDA_JSID")
        layer.batchID = value("K8S_JOB_ID")
        layer.node = value("PANDA_HOSTNAME")
        if let mode = value("submit_mode") {
            guard let parsed = HarvesterSubmitMode(rawValue: mode.lowercased()) else {
                throw .invalidEnvironment(variable: "submit_mode", value: mode, expected: "PULL or PUSH")
            }
            layer.submitMode = parsed
        }
        return layer
    }

    /// The proxy path when `X509_USER_PROXY` is unset: Harvester's `proxySecretPath`.
    var proxyPath: String? {
        value("X509_USER_PROXY") ?? value("proxySecretPath")
    }

    private func value(_ name: String) -> String? {
        guard let text = environment[name]?.trimmed, !text.isEmpty else { return nil }
        return text
    }
}
