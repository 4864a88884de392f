import Foundation
import Testing
@testable import Payload
@testable import Pilot

/// Where the test scripts are, including the apptainer stand-in.
enum PayloadScripts {
    static let directory = Fixtures.repositoryRoot.appendingPathComponent("Tests/PilotTests/Scripts").path
    static let apptainer = directory + "/apptainer"
}

@Suite("Finding apptainer on PATH and CVMFS")
struct ApptainerLocatorTests {
    @Test func candidatesInOrder() {
        let locator = ApptainerLocator(searchPath: "/opt/site/bin:relative:/usr/bin/", cvmfsRoot: "/cvmfs", architecture: "x86_64")
        #expect(locator.candidates.map(\.path) == [
            "/opt/site/bin/apptainer", "/usr/bin/apptainer",
            "/opt/site/bin/singularity", "/usr/bin/singularity",
            "/cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/x86_64-el9/current/bin/apptainer",
            "/cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/x86_64-el8/current/bin/apptainer",
            "/cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/x86_64-el7/current/bin/apptainer",
            "/cvmfs/oasis.opensciencegrid.org/mis/apptainer/current/bin/apptainer",
        ])
        #expect(locator.candidates.map(\.origin) == Array(repeating: .path, count: 4) + Array(repeating: .cvmfs, count: 4))
    }

    @Test func hostReleaseFirstAmongATLASBuilds() {
        let locator = ApptainerLocator(searchPath: "", cvmfsRoot: "/cvmfs", architecture: "aarch64", preferredELRelease: 8)
        #expect(locator.candidates.map(\.path).prefix(3) == [
            "/cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/aarch64-el8/current/bin/apptainer",
            "/cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/aarch64-el9/current/bin/apptainer",
            "/cvmfs/atlas.cern.ch/repo/containers/sw/apptainer/aarch64-el7/current/bin/apptainer",
        ])
    }

    @Test func locatesOnlyExecutableFiles() throws {
        let scratch = try ScratchDirectory("apptainer-locate")
        try scratch.write("site/apptainer", "not executable")
        try scratch.makeDirectory("site/singularity")  // a directory is no program
        try scratch.write("other/singularity", "#!/bin/sh\n", executable: true)
        try scratch.write("cvmfs/oasis.opensciencegrid.org/mis/apptainer/current/bin/apptainer", "#!/bin/sh\n", executable: true)
        let locator = ApptainerLocator(searchPath: "\(scratch("site")):\(scratch("other"))", cvmfsRoot: scratch("cvmfs"))
        #expect(locator.locate() == [
            ApptainerBinary(path: scratch("other/singularity"), origin: .path),
            ApptainerBinary(path: scratch("cvmfs/oasis.opensciencegrid.org/mis/apptainer/current/bin/apptainer"), origin: .cvmfs),
        ])
    }

    @Test func versionOfTheStandIn() async throws {
        let binary = ApptainerBinary(path: PayloadScripts.apptainer, origin: .path)
        let installation = try await ApptainerLocator.version(
            of: binary, runner: DeadlineHelperRunner(), timeout: .seconds(10), searchPath: "/usr/bin:/bin")
        #expect(installation.version == ApptainerVersion(flavor: .apptainer, text: "1.3.4-standin"))
        #expect(installation.binary == binary)
    }

    @Test func versionRunGetsOnlyPATH() async throws {
        let runner = CannedHelperRunner { _, _ in .exited(code: 0, output: "apptainer version 1.3.4\n", error: "") }
        let binary = ApptainerBinary(path: "/usr/bin/apptainer", origin: .path)
        _ = try await ApptainerLocator.version(of: binary, runner: runner, timeout: .seconds(1), searchPath: "/usr/bin")
        #expect(runner.calls.count == 1)
        #expect(runner.calls.first?.arguments == ["--version"])
        #expect(runner.calls.first?.environment == ["PATH": "/usr/bin"])
    }

    @Test func aHangingApptainerIsATimeout() async throws {
        let scratch = try ScratchDirectory("apptainer-hang")
        let path = try scratch.write("bin/apptainer", "#!/bin/sh\nexec sleep 30\n", executable: true)
        let binary = ApptainerBinary(path: path, origin: .cvmfs)
        let started = ContinuousClock.now
        await #expect(throws: ApptainerLookupError.versionTimedOut(binary, timeout: .milliseconds(300))) {
            try await ApptainerLocator.version(
                of: binary, runner: DeadlineHelperRunner(killGrace: nil), timeout: .milliseconds(300), searchPath: "/usr/bin:/bin")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func failuresAreTypedReasons() async throws {
        let scratch = try ScratchDirectory("apptainer-fail")
        let failing = ApptainerBinary(
            path: try scratch.write("a/apptainer", "#!/bin/sh\necho 'FATAL:   could not parse apptainer.conf' >&2\nexit 255\n", executable: true),
            origin: .path)
        await #expect(throws: ApptainerLookupError.versionFailed(
            failing, reason: "\(failing.path) --version exited 255: FATAL:   could not parse apptainer.conf")) {
            try await ApptainerLocator.version(of: failing, runner: DeadlineHelperRunner(), timeout: .seconds(10), searchPath: "/usr/bin:/bin")
        }
        let garbled = ApptainerBinary(path: try scratch.write("b/apptainer", "#!/bin/sh\necho hello\n", executable: true), origin: .path)
        await #expect(throws: ApptainerLookupError.versionUnreadable(garbled, output: "hello")) {
            try await ApptainerLocator.version(of: garbled, runner: DeadlineHelperRunner(), timeout: .seconds(10), searchPath: "/usr/bin:/bin")
        }
        let old = ApptainerBinary(path: try scratch.write("c/singularity", "#!/bin/sh\necho 2.6.1-dist\n", executable: true), origin: .path)
        await #expect(throws: ApptainerLookupError.unsupportedVersion(old, ApptainerVersion(flavor: .singularity, text: "2.6.1-dist"))) {
            try await ApptainerLocator.version(of: old, runner: DeadlineHelperRunner(), timeout: .seconds(10), searchPath: "/usr/bin:/bin")
        }
    }

    @Test func errorMessagesSayWhatAndWhere() {
        let binary = ApptainerBinary(path: "/cvmfs/x/apptainer", origin: .cvmfs)
        #expect(ApptainerLookupError.unsupportedVersion(binary, ApptainerVersion(flavor: .singularity, text: "3.5.3")).description
            == "apptainer at /cvmfs/x/apptainer (cvmfs): singularity 3.5.3 is too old, need singularity 3.6 or later")
        #expect(ApptainerLookupError.notFound(searched: ["/a", "/b"]).description == "apptainer not found: looked for /a, /b")
    }
}
