import Testing
@testable import Payload
@testable import Pilot

@Suite("Whether the apptainer backend works here")
struct ApptainerProbeTests {
    @Test func notFoundListsWhereItLooked() async throws {
        let scratch = try ScratchDirectory("apptainer-probe")
        let locator = ApptainerLocator(searchPath: scratch("bin"), cvmfsRoot: scratch("cvmfs"), architecture: "x86_64")
        let availability = await ApptainerProbe(locator: locator).detect(runner: DeadlineHelperRunner())
        #expect(availability == .unavailable([.notFound(searched: locator.candidates.map(\.path))]))
        #expect(availability.installation == nil)
        #expect(availability.description.hasPrefix("unavailable: apptainer not found: looked for \(scratch("bin"))/apptainer, "))
    }

    @Test func aBrokenSiteInstallFallsBackToCVMFS() async throws {
        let scratch = try ScratchDirectory("apptainer-probe")
        try scratch.write("bin/apptainer", "#!/bin/sh\necho 'FATAL: no setuid starter' >&2\nexit 255\n", executable: true)
        let cvmfs = "cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/x86_64-el9/current/bin/apptainer"
        try scratch.link(cvmfs, to: PayloadScripts.apptainer)
        let locator = ApptainerLocator(searchPath: scratch("bin"), cvmfsRoot: scratch("cvmfs"), architecture: "x86_64")
        let availability = await ApptainerProbe(locator: locator, timeout: .seconds(10)).detect(runner: DeadlineHelperRunner())
        let site = ApptainerBinary(path: scratch("bin/apptainer"), origin: .path)
        let expected = ApptainerInstallation(
            binary: ApptainerBinary(path: scratch(cvmfs), origin: .cvmfs), version: ApptainerVersion(flavor: .apptainer, text: "1.3.4-standin"))
        #expect(availability == .available(expected, rejected: [
            .versionFailed(site, reason: "\(site.path) --version exited 255: FATAL: no setuid starter"),
        ]))
        #expect(availability.description == "available: apptainer 1.3.4-standin at \(scratch(cvmfs)) (cvmfs)")
    }

    @Test func everyCandidateFailing() async {
        let runner = CannedHelperRunner { _, _ in .timedOut }
        let locator = ApptainerLocator(searchPath: PayloadScripts.directory, cvmfsRoot: "/nonexistent")
        let availability = await ApptainerProbe(locator: locator, timeout: .seconds(2)).detect(runner: runner)
        let binary = ApptainerBinary(path: PayloadScripts.apptainer, origin: .path)
        #expect(availability == .unavailable([.versionTimedOut(binary, timeout: .seconds(2))]))
        #expect(availability.description == "unavailable: apptainer at \(binary): --version did not answer within 2.0 seconds")
    }
}
