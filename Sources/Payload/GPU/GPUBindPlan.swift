/// What the builtin runtime adds to a container so the payload can use its GPUs, as
/// `apptainer --nv` and the NVIDIA container toolkit do: device nodes, the host's driver
/// libraries and programs, and the variables that point at them.
///
/// Libraries are bound file by file into `/.pilot/nvidia/lib` under their cache name and their
/// unversioned name, both straight from the real file, so no symlinks are needed inside and
/// nothing of the image is hidden.
public struct GPUBindPlan: Sendable, Equatable {
    /// Where the driver's libraries appear inside.
    public static let libraryDirectory = "/.pilot/nvidia/lib"
    /// Where the driver's programs appear inside.
    public static let binaryDirectory = "/.pilot/nvidia/bin"
    /// Device nodes every GPU container gets when the host has them; nvidiactl is required.
    public static let controlDevices = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"]

    /// The GPUs chosen.
    public var selection: GPUSelection
    /// Device nodes first, then libraries, then programs.
    public var binds: [Bind]
    /// NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES (see `GPUSelection.environment`).
    public var visibilityEnvironment: [EnvironmentVariable]

    /// The plan for no GPU: no bind, no variable.
    public static let empty = GPUBindPlan(selection: GPUSelection(gpus: []), binds: [], visibilityEnvironment: [])

    private init(selection: GPUSelection, binds: [Bind], visibilityEnvironment: [EnvironmentVariable]) {
        self.selection = selection
        self.binds = binds
        self.visibilityEnvironment = visibilityEnvironment
    }

    /// The plan for `request`.
    ///
    /// - Parameters:
    ///   - visible: the GPUs the pod can use.
    ///   - driver: the host's driver files (`NvidiaDriverFiles.read`).
    ///   - root: the directory standing for `/` when looking at `/dev`.
    public init(request: GPURequest, visible: [VisibleGPU], driver: NvidiaDriverFiles, root: String = "/") throws(GPUPlanError) {
        let selection: GPUSelection
        do {
            selection = try GPUSelection(request: request, visible: visible)
        } catch {
            throw .request(error)
        }
        guard !selection.gpus.isEmpty else {
            self = .empty
            return
        }
        let host = HostFileSystem(root: root)
        var binds: [Bind] = []
        var minors: Set<Int> = []
        for gpu in selection.gpus {
            guard let minor = gpu.minor else { throw .unknownMinor(gpu) }
            guard minors.insert(minor).inserted else { continue }
            binds.append(try Self.device("/dev/nvidia\(minor)", host: host, required: true)!)
        }
        for path in Self.controlDevices {
            if let bind = try Self.device(path, host: host, required: path == "/dev/nvidiactl") { binds.append(bind) }
        }
        guard driver.libraries.contains(where: { $0.name.hasPrefix("libcuda.so") }) else {
            throw .driverLibraryMissing("libcuda.so")
        }
        for library in driver.libraries {
            binds.append(Bind(source: library.source, destination: "\(Self.libraryDirectory)/\(library.name)", readOnly: true))
        }
        for binary in driver.binaries {
            binds.append(Bind(source: binary.source, destination: "\(Self.binaryDirectory)/\(binary.name)", readOnly: true))
        }
        self.init(selection: selection, binds: binds, visibilityEnvironment: selection.environment(containerSees: selection.gpus))
    }

    /// A device node bound read-write (opening a device for writing is the point; the mount's
    /// read-only flag would not stop it anyway). Missing: an error when required, else nil.
    private static func device(_ path: String, host: HostFileSystem, required: Bool) throws(GPUPlanError) -> Bind? {
        guard host.exists(path) else {
            if required { throw .deviceMissing(path) }
            return nil
        }
        return Bind(source: host.path(path), destination: path, readOnly: false)
    }

    /// `environment` with the visibility variables set and the driver's directories appended to
    /// LD_LIBRARY_PATH and PATH (a missing PATH starts from `ContainerSpec.defaultPath`); the
    /// plan for no GPU leaves it unchanged.
    public func environment(extending environment: [EnvironmentVariable]) -> [EnvironmentVariable] {
        guard !selection.gpus.isEmpty else { return environment }
        var result = environment
        for variable in visibilityEnvironment { result.set(variable.name, variable.value) }
        result.appendToList("LD_LIBRARY_PATH", Self.libraryDirectory)
        result.appendToList("PATH", Self.binaryDirectory, default: ContainerSpec.defaultPath)
        return result
    }

    /// `spec` with the plan's binds after its own and its environment extended.
    public func applied(to spec: ContainerSpec) -> ContainerSpec {
        var spec = spec
        spec.binds += binds
        spec.environment = environment(extending: spec.environment)
        return spec
    }

    /// Reads the host's driver files only when `request` needs GPUs, then plans.
    public static func prepare(
        request: GPURequest, visible: [VisibleGPU], searchPath: String, driverVersion: String?, root: String = "/",
        runner: some HelperCommandRunner, timeout: Duration
    ) async throws(GPUPlanError) -> GPUBindPlan {
        if request == .none || request == .list([]) { return .empty }
        let driver: NvidiaDriverFiles
        do {
            driver = try await NvidiaDriverFiles.read(
                searchPath: searchPath, root: root, driverVersion: driverVersion, runner: runner, timeout: timeout)
        } catch {
            throw .ldconfig(error)
        }
        return try GPUBindPlan(request: request, visible: visible, driver: driver, root: root)
    }
}

/// Why the GPUs cannot be given to the payload.
public enum GPUPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request names a GPU the pod cannot use, or all with none.
    case request(GPURequestError)
    /// A chosen GPU's minor number is unknown, so its device node is too.
    case unknownMinor(VisibleGPU)
    /// A device node the container needs is not on the host.
    case deviceMissing(String)
    /// No driver library of this name in the host's library cache.
    case driverLibraryMissing(String)
    /// The library cache could not be read.
    case ldconfig(LdconfigError)

    public var description: String {
        switch self {
        case .request(let error): "\(error)"
        case .unknownMinor(let gpu): "gpu plan: \(gpu) has no known device minor number"
        case .deviceMissing(let path): "gpu plan: device node \(path) does not exist"
        case .driverLibraryMissing(let name): "gpu plan: \(name) is not in the host's library cache"
        case .ldconfig(let error): "gpu plan: \(error)"
        }
    }
}
