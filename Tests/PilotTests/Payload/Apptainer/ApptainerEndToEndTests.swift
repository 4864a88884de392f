import Foundation
import Testing
@testable import Payload

/// Runs `ApptainerInvocation`s through the stand-in (Scripts/apptainer, which uses bwrap) on a
/// busybox image, and checks what the payload sees inside.
@Suite("apptainer backend end to end (stand-in)",
       .enabled(if: ApptainerStandIn.isUsable, Comment(rawValue: ApptainerStandIn.skipReason ?? "")))
final class ApptainerEndToEndTests {
    let scratch: ScratchDirectory
    let image: String
    /// A tricky value: spaces, commas, quotes, a dollar, a backslash, a newline.
    static let foo = "two words, a comma; $HOME `id` \"quoted\" \\ back\nsecond line"
    /// The payload prints FOO, its directory, ids, host name, environment, then tries to write.
    static let script = """
        printf '%s\\n' "$FOO"; echo ---; pwd; id -u; hostname; echo ---; env | sort; echo ---
        touch /data/x 2>&1; echo payload > /srv/out && echo wrote
        """

    init() throws {
        scratch = try ScratchDirectory("apptainer-e2e")
        image = scratch("image")
        try ApptainerStandIn.makeImage(at: image)
        try scratch.write("data/input", "input\n")
        try scratch.makeDirectory("work")
    }

    func spec(_ edit: (inout ContainerSpec) -> Void = { _ in }) -> ContainerSpec {
        var spec = ContainerSpec(
            rootfs: image,
            binds: [
                Bind(source: scratch("data"), destination: "/data", readOnly: true),
                Bind(source: scratch("work"), destination: "/srv", readOnly: false),
            ],
            environment: [EnvironmentVariable(name: "FOO", value: Self.foo), EnvironmentVariable(name: "PATH", value: "/bin:/sbin")],
            workingDirectory: "/srv", command: ["/bin/sh", "-c", Self.script], seccomp: .none, hostname: "atlas-payload")
        edit(&spec)
        return spec
    }

    /// The output's sections between `---` lines.
    static func sections(_ output: String) -> [String] {
        output.components(separatedBy: "---\n")
    }

    @Test func payloadSeesItsEnvironmentAndBindsOnly() async throws {
        let invocation = try ApptainerInvocation(
            spec: spec(), apptainer: try await ApptainerStandIn.installation(), seccomp: nil,
            processEnvironment: ApptainerStandIn.processEnvironment)
        // Nothing of this process's environment reaches apptainer, only PATH and the payload's.
        #expect(invocation.environment.keys.sorted() == ["APPTAINERENV_FOO", "APPTAINERENV_PATH", "PATH"])
        let result = try ApptainerStandIn.run(invocation)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let parts = Self.sections(result.stdout)
        try #require(parts.count == 4, "stdout: \(result.stdout)")
        #expect(parts[0] == Self.foo + "\n")
        #expect(parts[1] == "/srv\n\(getuid())\natlas-payload\n")
        let names = Set(parts[2].split(separator: "\n").compactMap { line in line.split(separator: "=").first.map(String.init) })
        #expect(names.contains("FOO") && names.contains("PATH"))
        #expect(parts[2].contains("PATH=/bin:/sbin\n"))
        for name in ProcessInfo.processInfo.environment.keys where !["PATH", "HOME", "PWD", "SHLVL", "LANG"].contains(name) {
            #expect(!names.contains(name), "\(name) leaked into the container")
        }
        #expect(parts[3] == "touch: /data/x: Read-only file system\nwrote\n")
        #expect(try String(contentsOfFile: scratch("work/out"), encoding: .utf8) == "payload\n")
    }

    @Test func homeIsSetWithoutBindingTheHostDirectory() async throws {
        let spec = spec {
            $0.environment.append(EnvironmentVariable(name: "HOME", value: "/srv"))
            $0.command = ["/bin/sh", "-c", "echo $HOME; ls -A $HOME"]
        }
        let invocation = try ApptainerInvocation(
            spec: spec, apptainer: try await ApptainerStandIn.installation(), seccomp: nil,
            processEnvironment: ApptainerStandIn.processEnvironment)
        let result = try ApptainerStandIn.run(invocation)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "/srv\n")  // the job directory bound at /srv, empty
        #expect(!result.stderr.contains("APPTAINERENV_HOME"))
    }

    @Test func payloadExitStatusComesBack() async throws {
        let invocation = try ApptainerInvocation(
            spec: spec { $0.command = ["/bin/sh", "-c", "exit 7"] }, apptainer: try await ApptainerStandIn.installation(),
            seccomp: nil, processEnvironment: ApptainerStandIn.processEnvironment)
        #expect(try ApptainerStandIn.run(invocation).status == 7)
    }

    @Test func standInRejectsUnknownFlags() throws {
        let result = try ChildProcess.run(
            [PayloadScripts.apptainer, "exec", "--fakeroot", image, "/bin/true"], environment: ApptainerStandIn.processEnvironment)
        #expect(result.status == 255)
        #expect(result.stderr == "Error for command \"exec\": unknown flag: --fakeroot\n")
    }

    @Test(.enabled(if: SeccompExecMode.skipReason == nil, Comment(rawValue: SeccompExecMode.skipReason ?? "")))
    func seccompFilterAppliesInside() async throws {
        try Data(SeccompExecMode.denyMkdir).write(to: URL(fileURLWithPath: scratch("seccomp.bpf")))
        let wrapper = SeccompExecWrapper(pilotBinary: PilotBinary.path, filterFile: scratch("seccomp.bpf"))
        let spec = spec {
            $0.seccomp = .default
            $0.command = ["/bin/sh", "-c", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir /srv/d 2>&1; touch /srv/f && echo touched"]
        }
        let invocation = try ApptainerInvocation(
            spec: spec, apptainer: try await ApptainerStandIn.installation(), seccomp: wrapper,
            processEnvironment: ApptainerStandIn.processEnvironment)
        let result = try ApptainerStandIn.run(invocation)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "NoNewPrivs:\t1\nSeccomp:\t2\nmkdir: can't create directory '/srv/d': Operation not permitted\ntouched\n")
    }
}
