import Testing
@testable import Pilot

@Suite("GPU fixture coverage")
struct GPUFixtureCoverageTests {
    /// Every nvidia-smi and /proc/driver/nvidia capture in shared/fixtures is parsed by some test.
    @Test func everyGPUFixtureIsParsed() throws {
        let present = Set(try Fixtures.names(withPrefix: "nvidia-smi_") + Fixtures.names(withPrefix: "proc_driver_nvidia_"))
        let parsed = Set(
            NvidiaSMICSVTests.files + NvidiaSMIReportTests.files + NvidiaSMIListTests.files + NvidiaProcDriverTests.files)
        #expect(present.subtracting(parsed).isEmpty, "fixtures no test parses")
        #expect(parsed.subtracting(present).isEmpty, "tests name fixtures that are missing")
        #expect(present.count >= 37)
    }
}
