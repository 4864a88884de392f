import Logging

/// Finds the GPUs this pod can use, from /proc/driver/nvidia and nvidia-smi.
///
/// nvidia-smi gives names, memory and compute capability; /proc/driver/nvidia adds the minor
/// numbers and still names the GPUs when nvidia-smi is missing or broken. The visibility
/// variables are applied last, so the answer is what the pod can use, not what the node has.
struct GPUProbe: Sendable {
    /// Prefix of /proc/driver/nvidia; "/" for the live system.
    var root: String
    /// Command name looked up in `environment["PATH"]`, or a path; "" skips nvidia-smi.
    var nvidiaSMI: String
    /// Deadline for each nvidia-smi run.
    var timeout: Duration
    /// The process environment: PATH and the visibility variables.
    var environment: [String: String]
    /// Where failures are logged.
    var logger: Logger

    /// A probe over `root` that runs `nvidiaSMI` with `timeout`.
    init(root: String, nvidiaSMI: String, timeout: Duration, environment: [String: String], logger: Logger) {
        self.root = root
        self.nvidiaSMI = nvidiaSMI
        self.timeout = timeout
        self.environment = environment
        self.logger = logger
    }

    /// The part of the pilot's environment nvidia-smi gets: what finds its libraries and GPUs,
    /// never the pilot's tokens or proxies.
    static func childEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in
            ["PATH", "LD_LIBRARY_PATH", "LANG", "LC_ALL"].contains(name)
                || name.hasPrefix("NVIDIA_") || name.hasPrefix("CUDA_")
        }
    }

    /// What /proc/driver/nvidia holds.
    struct ProcSnapshot: Sendable, Equatable {
        /// True when /proc/driver/nvidia/version or gpus/ exists: the driver is loaded.
        var present = false
        /// The parsed version file.
        var version: NvidiaProcDriver.Version?
        /// One entry per readable gpus/<bus>/information.
        var gpus: [NvidiaProcDriver.Information] = []
    }

    /// The devices and how the probe went; never throws, failures end up in the status.
    func detect() async -> (devices: [GPUDevice], status: GPUProbeStatus) {
        let proc = readProc()
        let visibility = GPUVisibility(environment: environment)
        var status = GPUProbeStatus(source: .none, nvidiaSMI: .notRun, visibleFilter: visibility.filterDescription)
        var smiDevices: [GPUDevice]? = nil
        var migParents: [String: String] = [:]

        if nvidiaSMI.isEmpty {
            logger.debug("nvidia-smi disabled")
        } else if let path = DeadlineRunner.locate(nvidiaSMI, environment: environment) {
            let runner = DeadlineRunner(
                executable: path, timeout: timeout, environment: GPUProbe.childEnvironment(environment))
            let query = await queryDevices(runner)
            smiDevices = query.devices
            status.nvidiaSMI = query.state
            status.error = query.error
            if smiDevices != nil {
                status.cuda = await cudaVersion(runner)
                if visibility.mentionsMIG { migParents = await readMIGParents(runner) }
            }
        } else {
            status.nvidiaSMI = .notFound
            logger.debug("nvidia-smi not found", metadata: ["command": "\(nvidiaSMI)"])
        }

        status.source = smiDevices != nil ? .nvidiaSMI : (proc.present ? .proc : .none)
        status.driver = smiDevices?.lazy.compactMap(\.driver).first ?? proc.version?.version
        let merged = Self.merge(nvidiaSMI: smiDevices ?? [], proc: proc.gpus, driver: status.driver)
        let devices = visibility.apply(to: merged, migParents: migParents)
        if devices.count != merged.count {
            logger.debug("gpus hidden by visibility variables", metadata: [
                "gpu.found": "\(merged.count)", "gpu.visible": "\(devices.count)", "filter": "\(status.visibleFilter ?? "")",
            ])
        }
        return (devices, status)
    }

    /// nvidia-smi's devices joined with /proc's by UUID or bus id; /proc-only GPUs follow, in bus order.
    ///
    /// Excluded GPUs (`GPU Excluded: Yes`) are left out: the driver will not run work on them.
    static func merge(nvidiaSMI: [GPUDevice], proc: [NvidiaProcDriver.Information], driver: String?) -> [GPUDevice] {
        let usable = proc.filter { !$0.excluded }.sorted { ($0.busID ?? "~") < ($1.busID ?? "~") }
        var devices = nvidiaSMI
        var matched = Set<Int>()
        for i in devices.indices {
            let device = devices[i]
            let j = usable.indices.first { j in
                !matched.contains(j)
                    && ((usable[j].uuid != nil && usable[j].uuid == device.uuid)
                        || (usable[j].busID != nil && usable[j].busID == device.busID))
            }
            if let j {
                matched.insert(j)
                devices[i].uuid = device.uuid ?? usable[j].uuid
                devices[i].busID = device.busID ?? usable[j].busID
                devices[i].minor = device.minor ?? usable[j].minor
            }
            devices[i].driver = device.driver ?? driver
        }
        var next = (devices.map(\.index).max() ?? -1) + 1
        for (j, info) in usable.enumerated() where !matched.contains(j) {
            devices.append(GPUDevice(
                index: next, name: info.model ?? "unknown", uuid: info.uuid, memoryBytes: nil, driver: driver,
                computeCapability: nil, migMode: nil, busID: info.busID, minor: info.minor))
            next += 1
        }
        return devices
    }

    /// Reads /proc/driver/nvidia under `root`; unreadable or unparsable files are logged and skipped.
    func readProc() -> ProcSnapshot {
        let base = (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/proc/driver/nvidia"
        var snapshot = ProcSnapshot()
        do {
            if let text = try FileReader.readIfPresent("\(base)/version") {
                snapshot.present = true
                snapshot.version = try NvidiaProcDriver.parseVersion(text)
            }
        } catch {
            logger.notice("cannot read nvidia driver version", metadata: ["path": "\(base)/version", "error": "\(error)"])
        }
        let entries: [String]
        do {
            entries = try FileReader.directoryEntries("\(base)/gpus") ?? []
        } catch {
            logger.notice("cannot list nvidia gpus", metadata: ["path": "\(base)/gpus", "error": "\(error)"])
            return snapshot
        }
        if !entries.isEmpty { snapshot.present = true }
        for entry in entries {
            let path = "\(base)/gpus/\(entry)/information"
            do {
                guard let text = try FileReader.readIfPresent(path) else { continue }
                snapshot.gpus.append(try NvidiaProcDriver.parseInformation(text))
            } catch {
                logger.notice("cannot read nvidia gpu information", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        return snapshot
    }
}
