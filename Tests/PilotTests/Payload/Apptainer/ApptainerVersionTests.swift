import Testing
@testable import Payload

@Suite("apptainer --version")
struct ApptainerVersionTests {
    @Test(arguments: [
        ("apptainer version 1.3.4\n", ApptainerVersion.Flavor.apptainer, "1.3.4", [1, 3, 4]),
        ("apptainer version 1.2.5-1.el8\n", .apptainer, "1.2.5-1.el8", [1, 2, 5]),
        ("apptainer version 1.3.4-standin\n", .apptainer, "1.3.4-standin", [1, 3, 4]),
        ("singularity-ce version 3.11.4-jammy\n", .singularityCE, "3.11.4-jammy", [3, 11, 4]),
        ("singularity version 3.8.7-1.el7\n", .singularity, "3.8.7-1.el7", [3, 8, 7]),
        ("\n  2.6.1-dist\n", .singularity, "2.6.1-dist", [2, 6, 1]),
    ] as [(String, ApptainerVersion.Flavor, String, [Int])])
    func parses(_ output: String, _ flavor: ApptainerVersion.Flavor, _ text: String, _ numbers: [Int]) throws {
        let version = try #require(ApptainerVersion.parse(output))
        #expect(version.flavor == flavor)
        #expect(version.text == text)
        #expect(version.numbers == numbers)
    }

    @Test(arguments: ["", "\n\n", "FATAL: could not open configuration file", "apptainer version", "podman version 4.3.1",
                      "apptainer version unknown"])
    func rejectsWhatIsNotAVersion(_ output: String) {
        #expect(ApptainerVersion.parse(output) == nil)
    }

    @Test(arguments: [
        (ApptainerVersion.Flavor.apptainer, "1.0.3", false, "APPTAINERENV_", true),
        (.apptainer, "1.1.0", true, "APPTAINERENV_", true),
        (.apptainer, "1.3.4", true, "APPTAINERENV_", true),
        (.singularityCE, "3.9.9", false, "SINGULARITYENV_", true),
        (.singularityCE, "3.10.0", true, "SINGULARITYENV_", true),
        (.singularity, "3.8.7", false, "SINGULARITYENV_", true),
        (.singularity, "3.5.3", false, "SINGULARITYENV_", false),
        (.singularity, "2.6.1-dist", false, "SINGULARITYENV_", false),
    ] as [(ApptainerVersion.Flavor, String, Bool, String, Bool)])
    func capabilities(_ flavor: ApptainerVersion.Flavor, _ text: String, _ noEval: Bool, _ prefix: String, _ supported: Bool) {
        let version = ApptainerVersion(flavor: flavor, text: text)
        #expect(version.supportsNoEval == noEval)
        #expect(version.environmentPrefix == prefix)
        #expect(version.isSupported == supported)
    }
}
