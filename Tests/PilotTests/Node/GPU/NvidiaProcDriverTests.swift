import Testing
@testable import Pilot

@Suite("/proc/driver/nvidia")
struct NvidiaProcDriverTests {
    static let versionCases: [(file: String, version: String, open: Bool, jetson: Bool, arch: String)] = [
        ("proc_driver_nvidia_version_jetson_aarch64_35.3.1_nixgl139.txt", "35.3.1", true, true, "aarch64"),
        ("proc_driver_nvidia_version_open_525.60.11_arch_nixgl121.txt", "525.60.11", true, false, "x86_64"),
        ("proc_driver_nvidia_version_open_565.57.01_ubuntu2404_nixgl186.txt", "565.57.01", true, false, "x86_64"),
        ("proc_driver_nvidia_version_proprietary_384.98_neofetch876.txt", "384.98", false, false, "x86_64"),
    ]

    static let informationCases: [(file: String, info: NvidiaProcDriver.Information)] = [
        ("proc_driver_nvidia_gpus_0000-04-00.0_information_gtx650_old_driver_no_minor_lxd3950.txt",
         .init(model: "GeForce GTX 650", uuid: "GPU-e3f822b9-8c5f-95a5-b379-8dfdeefd7758", busID: "0000:04:00.0",
               minor: nil, excluded: false)),
        ("proc_driver_nvidia_gpus_0000-70-00.0_information_L4_snapd14893.txt",
         .init(model: "NVIDIA L4", uuid: "GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689", busID: "0000:70:00.0",
               minor: 0, excluded: false)),
    ]

    static var files: [String] { versionCases.map(\.file) + informationCases.map(\.file) }

    @Test("version", arguments: versionCases)
    func version(_ expected: (file: String, version: String, open: Bool, jetson: Bool, arch: String)) throws {
        let version = try NvidiaProcDriver.parseVersion(Fixtures.text(expected.file))
        #expect(version.version == expected.version)
        #expect(version.openModule == expected.open)
        #expect(version.jetson == expected.jetson)
        #expect(version.architecture == expected.arch)
    }

    @Test("information", arguments: informationCases)
    func information(_ expected: (file: String, info: NvidiaProcDriver.Information)) throws {
        #expect(try NvidiaProcDriver.parseInformation(Fixtures.text(expected.file)) == expected.info)
    }

    @Test(arguments: ["GPU Excluded:\t Yes\nBus Location:\t 0000:01:00.0\n", "Blacklisted:  Yes\n"])
    func excludedGPUs(_ text: String) throws {
        #expect(try NvidiaProcDriver.parseInformation(text).excluded)
    }

    @Test(arguments: ["", "GCC version:  gcc version 9.3.0\n", "NVRM version: NVIDIA UNIX Kernel Module\n"])
    func unreadableVersionIsAnError(_ text: String) {
        #expect(throws: GPUParseError.self) { try NvidiaProcDriver.parseVersion(text) }
    }
}
