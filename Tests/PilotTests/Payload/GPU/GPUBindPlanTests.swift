import Foundation
import Testing
@testable import Payload

#if canImport(Glibc)
import Glibc
#endif

/// A fake root with an NVIDIA driver 535.129.03: device nodes for minors 0, 2 and 3, the
/// libraries `LdconfigSample` lists (relative symlinks, a dangling one, a CUDA compat copy of
/// another version) and two programs.
final class FakeNvidiaHost {
    static let version = "535.129.03"
    let scratch: ScratchDirectory
    var root: String { scratch.path }

    init(deviceNodes: [String] = ["nvidia0", "nvidia2", "nvidia3", "nvidiactl", "nvidia-uvm", "nvidia-modeset"]) throws {
        scratch = try ScratchDirectory("nvidia-host")
        for node in deviceNodes { try scratch.write("dev/\(node)") }
        let lib = "lib/x86_64-linux-gnu"
        for name in ["libcuda", "libnvidia-ml", "libnvidia-ptxjitcompiler", "libnvoptix"] {
            try scratch.write("\(lib)/\(name).so.\(Self.version)", "ELF \(name)")
            try scratch.link("\(lib)/\(name).so.1", to: "\(name).so.\(Self.version)")
        }
        try scratch.link("\(lib)/libcuda.so", to: "libcuda.so.1")
        try scratch.write("\(lib)/libnvidia-glcore.so.\(Self.version)", "ELF glcore")
        try scratch.write("\(lib)/vdpau/libvdpau_nvidia.so.\(Self.version)", "ELF vdpau")
        try scratch.link("\(lib)/libvdpau_nvidia.so", to: "vdpau/libvdpau_nvidia.so.\(Self.version)")
        try scratch.link("\(lib)/libnvidia-cfg.so.1", to: "libnvidia-cfg.so.\(Self.version)")  // dangling
        try scratch.write("\(lib)/libnvidia-egl-wayland.so.1", "ELF wayland")
        try scratch.write("\(lib)/libGL.so.1", "ELF glvnd")
        try scratch.write("usr/local/cuda-12.2/compat/libcuda.so.545.23.06", "ELF compat")
        try scratch.link("usr/local/cuda-12.2/compat/libcuda.so.1", to: "libcuda.so.545.23.06")
        try scratch.write("usr/bin/nvidia-smi", "#!/bin/sh\n", executable: true)
        try scratch.write("usr/sbin/nvidia-persistenced", "#!/bin/sh\n", executable: true)
        try scratch.link("usr/bin/nvidia-persistenced", to: "../sbin/nvidia-persistenced")
    }

    /// The driver files as `NvidiaDriverFiles` picks them from `LdconfigSample`.
    func driver(version: String? = FakeNvidiaHost.version) throws -> NvidiaDriverFiles {
        NvidiaDriverFiles(cache: try LdconfigCache.parse(LdconfigSample.text), abi: "libc6,x86-64",
                          searchPath: "/usr/bin:/usr/sbin", root: root, driverVersion: version)
    }

    /// `root/lib/x86_64-linux-gnu/<name>`.
    func lib(_ name: String) -> String { scratch("lib/x86_64-linux-gnu/\(name)") }
}

@Suite("GPU binds and variables for the builtin runtime")
struct GPUBindPlanTests {
    static let visible = GPUSelectionTests.visible
    static let v = FakeNvidiaHost.version

    /// What every plan binds after the device nodes: libraries sorted by name, then programs.
    static func driverBinds(_ host: FakeNvidiaHost) -> [Bind] {
        let libraries: [(String, String)] = [
            ("libcuda.so", "libcuda.so.\(v)"), ("libcuda.so.1", "libcuda.so.\(v)"),
            ("libnvidia-glcore.so", "libnvidia-glcore.so.\(v)"), ("libnvidia-glcore.so.\(v)", "libnvidia-glcore.so.\(v)"),
            ("libnvidia-ml.so", "libnvidia-ml.so.\(v)"), ("libnvidia-ml.so.1", "libnvidia-ml.so.\(v)"),
            ("libnvidia-ptxjitcompiler.so", "libnvidia-ptxjitcompiler.so.\(v)"),
            ("libnvidia-ptxjitcompiler.so.1", "libnvidia-ptxjitcompiler.so.\(v)"),
            ("libnvoptix.so", "libnvoptix.so.\(v)"), ("libnvoptix.so.1", "libnvoptix.so.\(v)"),
            ("libvdpau_nvidia.so", "vdpau/libvdpau_nvidia.so.\(v)"),
        ]
        return libraries.map { Bind(source: host.lib($0.1), destination: "/.pilot/nvidia/lib/\($0.0)", readOnly: true) } + [
            Bind(source: host.scratch("usr/bin/nvidia-smi"), destination: "/.pilot/nvidia/bin/nvidia-smi", readOnly: true),
            Bind(source: host.scratch("usr/sbin/nvidia-persistenced"), destination: "/.pilot/nvidia/bin/nvidia-persistenced", readOnly: true),
        ]
    }

    static func devices(_ host: FakeNvidiaHost, _ names: [String]) -> [Bind] {
        names.map { Bind(source: host.scratch("dev/\($0)"), destination: "/dev/\($0)", readOnly: false) }
    }

    static let controls = ["nvidiactl", "nvidia-uvm", "nvidia-modeset"]

    @Test func driverFilesFromTheCache() throws {
        let host = try FakeNvidiaHost()
        let driver = try host.driver()
        #expect(driver.skipped == [
            "/lib/x86_64-linux-gnu/libnvidia-cfg.so.1: leads to no file",
            "/usr/local/cuda-12.2/compat/libcuda.so.1: \(host.scratch("usr/local/cuda-12.2/compat/libcuda.so.545.23.06")) is not from driver \(Self.v)",
        ])
        #expect(driver.binaries.map(\.name) == ["nvidia-smi", "nvidia-persistenced"])
        // Without the driver's version the compat copy, listed first, would win.
        let unchecked = try host.driver(version: nil)
        #expect(unchecked.libraries.first { $0.name == "libcuda.so.1" }?.source
            == host.scratch("usr/local/cuda-12.2/compat/libcuda.so.545.23.06"))
    }

    @Test func allGPUs() throws {
        let host = try FakeNvidiaHost()
        let plan = try GPUBindPlan(request: .all, visible: Self.visible, driver: try host.driver(), root: host.root)
        #expect(plan.binds == Self.devices(host, ["nvidia0", "nvidia2", "nvidia3"] + Self.controls) + Self.driverBinds(host))
        #expect(plan.visibilityEnvironment == [
            EnvironmentVariable(name: "NVIDIA_VISIBLE_DEVICES", value: "GPU-0aaa,GPU-1bbb,GPU-2ccc"),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "GPU-0aaa,GPU-1bbb,GPU-2ccc"),
        ])
    }

    @Test func listByIndexBindsOnlyThoseNodes() throws {
        let host = try FakeNvidiaHost()
        let plan = try GPUBindPlan(request: .list(["2", "0"]), visible: Self.visible, driver: try host.driver(), root: host.root)
        #expect(plan.binds == Self.devices(host, ["nvidia3", "nvidia0"] + Self.controls) + Self.driverBinds(host))
        #expect(plan.visibilityEnvironment.map(\.value) == ["GPU-2ccc,GPU-0aaa", "GPU-2ccc,GPU-0aaa"])
    }

    @Test func listByUUIDAndTheEnvironment() throws {
        let host = try FakeNvidiaHost()
        let plan = try GPUBindPlan(request: .list(["GPU-1bbb"]), visible: Self.visible, driver: try host.driver(), root: host.root)
        #expect(plan.binds.prefix(4) == Self.devices(host, ["nvidia2"] + Self.controls)[...])
        let environment = plan.environment(extending: [
            EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin"),
            EnvironmentVariable(name: "LD_LIBRARY_PATH", value: "/opt/lib"),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "0"),
            EnvironmentVariable(name: "FOO", value: "1"),
        ])
        #expect(environment == [
            EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin:/.pilot/nvidia/bin"),
            EnvironmentVariable(name: "LD_LIBRARY_PATH", value: "/opt/lib:/.pilot/nvidia/lib"),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "GPU-1bbb"),
            EnvironmentVariable(name: "FOO", value: "1"),
            EnvironmentVariable(name: "NVIDIA_VISIBLE_DEVICES", value: "GPU-1bbb"),
        ])
        #expect(plan.environment(extending: []) == [
            EnvironmentVariable(name: "NVIDIA_VISIBLE_DEVICES", value: "GPU-1bbb"),
            EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "GPU-1bbb"),
            EnvironmentVariable(name: "LD_LIBRARY_PATH", value: "/.pilot/nvidia/lib"),
            EnvironmentVariable(name: "PATH", value: ContainerSpec.defaultPath + ":/.pilot/nvidia/bin"),
        ])
        let spec = ContainerSpec(rootfs: "/images/el9", binds: [Bind(source: "/pool/job", destination: "/srv", readOnly: false)],
                                 command: ["nvidia-smi"], gpus: .list(["GPU-1bbb"]))
        let applied = plan.applied(to: spec)
        #expect(applied.binds == spec.binds + plan.binds)
        #expect(applied.environment == plan.environment(extending: []))
    }

    @Test func noneProducesNothing() async throws {
        let host = try FakeNvidiaHost()
        let plan = try GPUBindPlan(request: .none, visible: Self.visible, driver: try host.driver(), root: host.root)
        #expect(plan == .empty)
        #expect(plan.binds.isEmpty && plan.visibilityEnvironment.isEmpty)
        let spec = ContainerSpec(rootfs: "/images/el9", environment: [EnvironmentVariable(name: "PATH", value: "/bin")], command: ["true"])
        #expect(plan.applied(to: spec) == spec)
        // Nothing is read either: no ldconfig run for a payload without GPUs.
        let runner = CannedHelperRunner { _, _ in .launchFailed("must not run") }
        let prepared = try await GPUBindPlan.prepare(
            request: .none, visible: [], searchPath: "/usr/bin", driverVersion: nil, runner: runner, timeout: .seconds(1))
        #expect(prepared == .empty && runner.calls.isEmpty)
    }

    @Test func prepareReadsTheCacheWhenGPUsAreAsked() async throws {
        let host = try FakeNvidiaHost()
        let runner = CannedHelperRunner { _, _ in .exited(code: 0, output: LdconfigSample.text, error: "") }
        let plan = try await GPUBindPlan.prepare(
            request: .list(["0"]), visible: Self.visible, searchPath: "/usr/bin:/usr/sbin", driverVersion: Self.v, root: host.root,
            runner: runner, timeout: .seconds(5))
        #expect(plan.binds == Self.devices(host, ["nvidia0"] + Self.controls) + Self.driverBinds(host))
        #expect(runner.calls.map(\.arguments) == [["-p"]])
    }

    @Test func unknownGPU() throws {
        let host = try FakeNvidiaHost()
        #expect(throws: GPUPlanError.request(.notVisible(entry: "GPU-9999", visible: Self.visible))) {
            try GPUBindPlan(request: .list(["GPU-9999"]), visible: Self.visible, driver: try host.driver(), root: host.root)
        }
    }

    @Test func missingPieces() throws {
        let host = try FakeNvidiaHost(deviceNodes: ["nvidia0"])
        let driver = try host.driver()
        #expect(throws: GPUPlanError.deviceMissing("/dev/nvidiactl")) {
            try GPUBindPlan(request: .list(["0"]), visible: Self.visible, driver: driver, root: host.root)
        }
        #expect(throws: GPUPlanError.deviceMissing("/dev/nvidia2")) {
            try GPUBindPlan(request: .list(["1"]), visible: Self.visible, driver: driver, root: host.root)
        }
        let noMinor = [VisibleGPU(index: 0, minor: nil, uuid: "GPU-0aaa")]
        #expect(throws: GPUPlanError.unknownMinor(noMinor[0])) {
            try GPUBindPlan(request: .all, visible: noMinor, driver: driver, root: host.root)
        }
        let full = try FakeNvidiaHost()
        let withoutCUDA = NvidiaDriverFiles(libraries: try full.driver().libraries.filter { !$0.name.hasPrefix("libcuda") }, binaries: [])
        #expect(throws: GPUPlanError.driverLibraryMissing("libcuda.so")) {
            try GPUBindPlan(request: .all, visible: Self.visible, driver: withoutCUDA, root: full.root)
        }
    }

    @Test(.enabled(if: getuid() == 0, "mknod of a character device needs root (CAP_MKNOD)"))
    func realCharacterDevices() throws {
        let host = try FakeNvidiaHost(deviceNodes: [])
        try host.scratch.makeDirectory("dev")
        for (name, minor) in [("nvidia1", 1), ("nvidiactl", 255), ("nvidia-uvm", 0)] {
            let major = name == "nvidia-uvm" ? 511 : 195
            let device = dev_t((major & 0xfff) << 8 | (minor & 0xff))
            #expect(mknod(host.scratch("dev/\(name)"), S_IFCHR | 0o666, device) == 0, "mknod \(name): errno \(errno)")
        }
        let visible = [VisibleGPU(index: 0, minor: 1, uuid: "GPU-0aaa")]
        let plan = try GPUBindPlan(request: .all, visible: visible, driver: try host.driver(), root: host.root)
        #expect(plan.binds.prefix(3) == Self.devices(host, ["nvidia1", "nvidiactl", "nvidia-uvm"])[...])
    }
}
