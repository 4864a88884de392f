/// The host's NVIDIA user-space driver files that a GPU payload needs inside its container.
///
/// The driver's libraries must match the loaded kernel module exactly, so they come from the
/// host, never from the image: the same job `apptainer --nv` (nvliblist.conf) and
/// libnvidia-container (`nvc_info.c`) do.
public struct NvidiaDriverFiles: Sendable, Equatable {
    /// One file to bind: its name inside the container's directory and the host file.
    public struct File: Sendable, Equatable {
        /// The file name inside: `libcuda.so.1`, `libcuda.so`, `nvidia-smi`.
        public var name: String
        /// The real file on the host (symlinks resolved), with the root in front.
        public var source: String

        /// A file from its parts.
        public init(name: String, source: String) {
            self.name = name
            self.source = source
        }
    }

    /// Libraries the driver installs, by unversioned name: libnvidia-container's utility,
    /// compute, video, graphics and NGX lists, without X server modules and without the glvnd
    /// loaders (`libGL.so`, `libEGL.so`, `libOpenCL.so`) that belong to the image.
    public static let libraryNames: [String] = [
        // management and configuration
        "libnvidia-ml.so", "libnvidia-cfg.so", "libnvidia-nscq.so",
        // CUDA and OpenCL
        "libcuda.so", "libcudadebugger.so", "libnvidia-opencl.so", "libnvidia-ptxjitcompiler.so",
        "libnvidia-fatbinaryloader.so", "libnvidia-allocator.so", "libnvidia-compiler.so",
        "libnvidia-nvvm.so", "libnvidia-gpucomp.so", "libnvidia-pkcs11.so", "libnvidia-pkcs11-openssl3.so",
        "libnvidia-tileiras.so",
        // video
        "libnvcuvid.so", "libnvidia-encode.so", "libnvidia-opticalflow.so", "libvdpau_nvidia.so",
        // ray tracing and rendering without a display
        "libnvoptix.so", "libnvidia-rtcore.so", "libnvidia-eglcore.so", "libnvidia-glcore.so",
        "libnvidia-tls.so", "libnvidia-glsi.so", "libnvidia-fbc.so", "libnvidia-ifr.so",
        "libnvidia-glvkspirv.so", "libnvidia-cbl.so", "libGLX_nvidia.so", "libEGL_nvidia.so",
        "libGLESv2_nvidia.so", "libGLESv1_CM_nvidia.so", "libnvidia-ngx.so",
    ]

    /// Driver programs searched on PATH.
    public static let binaryNames: [String] = [
        "nvidia-smi", "nvidia-debugdump", "nvidia-persistenced", "nvidia-cuda-mps-control", "nvidia-cuda-mps-server",
    ]

    /// Each chosen library under its cache name and under its unversioned name, sorted by name.
    public var libraries: [File]
    /// The driver programs found.
    public var binaries: [File]
    /// Why a candidate was left out: a dangling link, a library of another driver version.
    public var skipped: [String]

    /// Files from their parts.
    public init(libraries: [File], binaries: [File], skipped: [String] = []) {
        self.libraries = libraries
        self.binaries = binaries
        self.skipped = skipped
    }

    /// Picks the driver's libraries from the cache and its programs from `searchPath`, and
    /// resolves them under `root`.
    ///
    /// - Parameters:
    ///   - cache: `ldconfig -p` entries, in the cache's order; the first usable one of a name wins.
    ///   - abi: which entries are native (the rest, 32-bit ones, are ignored).
    ///   - driverVersion: the kernel module's version; when given, a library whose real file
    ///     does not end in `.so.<version>` (a CUDA compat copy, a leftover) is skipped.
    public init(cache: [LdconfigCache.Entry], abi: String = LdconfigCache.nativeABI, searchPath: String,
                root: String = "/", driverVersion: String? = nil) {
        let host = HostFileSystem(root: root)
        let wanted = Set(Self.libraryNames)
        var byName: [String: File] = [:]
        var chosen: [File] = []  // in cache order, so the unversioned names below are deterministic
        var skipped: [String] = []
        for entry in cache where entry.abi == abi && wanted.contains(entry.unversionedName) && byName[entry.name] == nil {
            guard let real = host.realPath(entry.path) else {
                skipped.append("\(entry.path): leads to no file")
                continue
            }
            if let driverVersion, !real.hasSuffix(".so.\(driverVersion)") {
                skipped.append("\(entry.path): \(real) is not from driver \(driverVersion)")
                continue
            }
            byName[entry.name] = File(name: entry.name, source: real)
            chosen.append(File(name: entry.name, source: real))
        }
        for file in chosen {
            let unversioned = LdconfigCache.Entry(name: file.name, abi: abi, path: "").unversionedName
            if byName[unversioned] == nil { byName[unversioned] = File(name: unversioned, source: file.source) }
        }
        libraries = byName.values.sorted { $0.name < $1.name }
        binaries = Self.binaryNames.compactMap { name in
            guard let path = host.findExecutable(name, searchPath: searchPath), let real = host.realPath(path) else { return nil }
            return File(name: name, source: real)
        }
        self.skipped = skipped
    }

    /// Where ldconfig usually is.
    public static let ldconfigPaths = ["/sbin/ldconfig", "/usr/sbin/ldconfig"]

    /// Runs `ldconfig -p` (the first of `ldconfig` that exists) and picks the files as above.
    public static func read(
        searchPath: String, root: String = "/", driverVersion: String? = nil, ldconfig: [String] = ldconfigPaths,
        runner: some HelperCommandRunner, timeout: Duration
    ) async throws(LdconfigError) -> NvidiaDriverFiles {
        guard let program = ldconfig.first(where: HostFileSystem.isExecutableFile) else { throw .notFound(ldconfig) }
        let outcome = await runner.run(program, arguments: ["-p"], environment: ["PATH": ContainerSpec.defaultPath], timeout: timeout)
        guard case .exited(0, let output, _) = outcome else {
            throw .failed(outcome.failureSummary("\(program) -p", timeout: timeout))
        }
        let cache = try LdconfigCache.parse(output)
        return NvidiaDriverFiles(cache: cache, searchPath: searchPath, root: root, driverVersion: driverVersion)
    }
}
