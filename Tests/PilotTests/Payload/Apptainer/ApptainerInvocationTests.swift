import Testing
@testable import Payload

@Suite("apptainer exec command lines")
struct ApptainerInvocationTests {
    static let apptainer = ApptainerInstallation(
        binary: ApptainerBinary(path: "/usr/bin/apptainer", origin: .path), version: ApptainerVersion(flavor: .apptainer, text: "1.3.4"))
    static let wrapper = SeccompExecWrapper(pilotBinary: "/opt/pilot/bin/pilot", filterFile: "/var/lib/pilot/job-7/seccomp.bpf")
    static let gpus = [
        VisibleGPU(index: 0, minor: 0, uuid: "GPU-0aaa"), VisibleGPU(index: 1, minor: 2, uuid: "GPU-1bbb"),
        VisibleGPU(index: 2, minor: 3, uuid: "GPU-2ccc"),
    ]

    static func spec(_ edit: (inout ContainerSpec) -> Void = { _ in }) -> ContainerSpec {
        var spec = ContainerSpec(rootfs: "/images/el9", command: ["/bin/sh", "-c", "echo $FOO"], seccomp: .none)
        edit(&spec)
        return spec
    }

    @Test func smallestSpec() throws {
        let invocation = try ApptainerInvocation(spec: Self.spec(), apptainer: Self.apptainer, seccomp: nil)
        #expect(invocation.argv == [
            "/usr/bin/apptainer", "exec", "--containall", "--no-eval", "--hostname", "pilot-payload", "--pwd", "/srv",
            "/images/el9", "/bin/sh", "-c", "echo $FOO",
        ])
        #expect(invocation.environment == ["PATH": ContainerSpec.defaultPath])
    }

    @Test func bindsInOrderWithTheirModes() throws {
        let spec = Self.spec {
            $0.binds = [
                Bind(source: "/cvmfs", destination: "/cvmfs", readOnly: true),
                Bind(source: "/pool/job-7", destination: "/srv", readOnly: false),
                Bind(source: "/pool/job-7/input", destination: "/srv/input", readOnly: true),
            ]
            $0.workingDirectory = "/srv/work"
            $0.hostname = "atlas-payload"
            $0.readOnlyRoot = false
        }
        let invocation = try ApptainerInvocation(spec: spec, apptainer: Self.apptainer, seccomp: nil)
        #expect(invocation.arguments == [
            "exec", "--containall", "--no-eval", "--hostname", "atlas-payload", "--pwd", "/srv/work", "--writable-tmpfs",
            "-B", "/cvmfs:/cvmfs:ro", "-B", "/pool/job-7:/srv:rw", "-B", "/pool/job-7/input:/srv/input:ro",
            "/images/el9", "/bin/sh", "-c", "echo $FOO",
        ])
    }

    @Test func environmentGoesThroughPrefixedVariables() throws {
        let spec = Self.spec {
            $0.environment = [
                EnvironmentVariable(name: "FOO", value: "two words, a comma; $HOME `id` \"quoted\" \\ back"),
                EnvironmentVariable(name: "MULTI", value: "line one\nline two"),
                EnvironmentVariable(name: "EMPTY", value: ""),
                EnvironmentVariable(name: "EQUALS", value: "a=b=c"),
                EnvironmentVariable(name: "PATH", value: "/usr/bin:/bin"),
                EnvironmentVariable(name: "LD_LIBRARY_PATH", value: "/opt/lib"),
                EnvironmentVariable(name: "HOME", value: "/srv"),
            ]
        }
        let invocation = try ApptainerInvocation(
            spec: spec, apptainer: Self.apptainer, seccomp: nil, processEnvironment: ["PATH": "/usr/bin:/bin", "APPTAINER_TMPDIR": "/pool/tmp"])
        #expect(invocation.environment == [
            "PATH": "/usr/bin:/bin",
            "APPTAINER_TMPDIR": "/pool/tmp",
            "APPTAINERENV_FOO": "two words, a comma; $HOME `id` \"quoted\" \\ back",
            "APPTAINERENV_MULTI": "line one\nline two",
            "APPTAINERENV_EMPTY": "",
            "APPTAINERENV_EQUALS": "a=b=c",
            "APPTAINERENV_PATH": "/usr/bin:/bin",
            "APPTAINERENV_LD_LIBRARY_PATH": "/opt/lib",
        ])
        // apptainer refuses APPTAINERENV_HOME; --no-home keeps HOME without binding the host's /srv.
        #expect(invocation.arguments == [
            "exec", "--containall", "--no-eval", "--hostname", "pilot-payload", "--pwd", "/srv", "--no-home", "--home", "/srv",
            "/images/el9", "/bin/sh", "-c", "echo $FOO",
        ])
    }

    @Test func singularityGetsItsOwnPrefixAndNoNoEval() throws {
        let singularity = ApptainerInstallation(
            binary: ApptainerBinary(path: "/usr/bin/singularity", origin: .path), version: ApptainerVersion(flavor: .singularity, text: "3.8.7"))
        let spec = Self.spec { $0.environment = [EnvironmentVariable(name: "FOO", value: "plain value, with comma")] }
        let invocation = try ApptainerInvocation(spec: spec, apptainer: singularity, seccomp: nil)
        #expect(invocation.argv.prefix(4) == ["/usr/bin/singularity", "exec", "--containall", "--hostname"])
        #expect(invocation.environment["SINGULARITYENV_FOO"] == "plain value, with comma")
        // Without --no-eval the value would be evaluated by a shell inside.
        let evaluated = Self.spec { $0.environment = [EnvironmentVariable(name: "FOO", value: "cost $5")] }
        #expect(throws: ApptainerInvocationError.unrepresentableValue(
            name: "FOO", reason: "singularity 3.8.7 has no --no-eval and would evaluate \"$\" in the value")) {
            try ApptainerInvocation(spec: evaluated, apptainer: singularity, seccomp: nil)
        }
    }

    @Test func seccompNoneAddsNothing() throws {
        let invocation = try ApptainerInvocation(spec: Self.spec(), apptainer: Self.apptainer, seccomp: Self.wrapper)
        #expect(!invocation.arguments.contains("-B"))
        #expect(invocation.arguments.suffix(4) == ["/images/el9", "/bin/sh", "-c", "echo $FOO"])
    }

    @Test(arguments: [SeccompChoice.default, .file("/etc/pilot/seccomp.json")])
    func seccompWrapsTheCommand(_ choice: SeccompChoice) throws {
        let spec = Self.spec {
            $0.seccomp = choice
            $0.binds = [Bind(source: "/pool/job-7", destination: "/srv", readOnly: false)]
        }
        let invocation = try ApptainerInvocation(spec: spec, apptainer: Self.apptainer, seccomp: Self.wrapper)
        #expect(invocation.arguments == [
            "exec", "--containall", "--no-eval", "--hostname", "pilot-payload", "--pwd", "/srv",
            "-B", "/pool/job-7:/srv:rw",
            "-B", "/opt/pilot/bin/pilot:/.pilot/pilot:ro",
            "-B", "/var/lib/pilot/job-7/seccomp.bpf:/.pilot/seccomp.bpf:ro",
            "/images/el9", "/.pilot/pilot", "__seccomp-exec", "/.pilot/seccomp.bpf", "/bin/sh", "-c", "echo $FOO",
        ])
        #expect(throws: ApptainerInvocationError.seccompWrapperMissing(choice)) {
            try ApptainerInvocation(spec: spec, apptainer: Self.apptainer, seccomp: nil)
        }
    }

    @Test func allGPUs() throws {
        let spec = Self.spec { $0.gpus = .all }
        let invocation = try ApptainerInvocation(spec: spec, apptainer: Self.apptainer, seccomp: nil, visibleGPUs: Self.gpus)
        #expect(invocation.arguments == [
            "exec", "--containall", "--no-eval", "--hostname", "pilot-payload", "--pwd", "/srv", "--nv",
            "/images/el9", "/bin/sh", "-c", "echo $FOO",
        ])
        #expect(invocation.environment["APPTAINERENV_NVIDIA_VISIBLE_DEVICES"] == "GPU-0aaa,GPU-1bbb,GPU-2ccc")
        #expect(invocation.environment["APPTAINERENV_CUDA_VISIBLE_DEVICES"] == "GPU-0aaa,GPU-1bbb,GPU-2ccc")
    }

    @Test func listedGPUsReplaceThePayloadsOwnVariables() throws {
        let spec = Self.spec {
            $0.gpus = .list(["2", "GPU-0aaa"])
            $0.environment = [EnvironmentVariable(name: "CUDA_VISIBLE_DEVICES", value: "0")]
        }
        let invocation = try ApptainerInvocation(spec: spec, apptainer: Self.apptainer, seccomp: nil, visibleGPUs: Self.gpus)
        #expect(invocation.arguments.contains("--nv"))
        #expect(invocation.environment == [
            "PATH": ContainerSpec.defaultPath,
            "APPTAINERENV_CUDA_VISIBLE_DEVICES": "GPU-2ccc,GPU-0aaa",
            "APPTAINERENV_NVIDIA_VISIBLE_DEVICES": "GPU-2ccc,GPU-0aaa",
        ])
    }

    @Test func noGPUsMeansNoNvAndNoVariables() throws {
        let invocation = try ApptainerInvocation(spec: Self.spec(), apptainer: Self.apptainer, seccomp: nil, visibleGPUs: Self.gpus)
        #expect(!invocation.arguments.contains("--nv"))
        #expect(invocation.environment.keys.sorted() == ["PATH"])
    }

    @Test func unknownGPUIsNamed() {
        let spec = Self.spec { $0.gpus = .list(["0", "GPU-ffff"]) }
        #expect(throws: ApptainerInvocationError.gpu(.notVisible(entry: "GPU-ffff", visible: Self.gpus))) {
            try ApptainerInvocation(spec: spec, apptainer: Self.apptainer, seccomp: nil, visibleGPUs: Self.gpus)
        }
    }

    @Test(arguments: [
        (Bind(source: "/data,x", destination: "/data", readOnly: true), "the source contains ','"),
        (Bind(source: "/data", destination: "/mnt:x", readOnly: true), "the destination contains ':'"),
        (Bind(source: "data", destination: "/data", readOnly: true), "the source is not an absolute path"),
        (Bind(source: "/data ", destination: "/data", readOnly: true), "the source ends in white space"),
    ] as [(Bind, String)])
    func bindsApptainerWouldMisread(_ bind: Bind, _ reason: String) {
        #expect(throws: ApptainerInvocationError.unrepresentableBind(bind, reason: reason)) {
            try ApptainerInvocation(spec: Self.spec { $0.binds = [bind] }, apptainer: Self.apptainer, seccomp: nil)
        }
    }

    @Test func badSpecs() {
        #expect(throws: ApptainerInvocationError.emptyCommand) {
            try ApptainerInvocation(spec: Self.spec { $0.command = [] }, apptainer: Self.apptainer, seccomp: nil)
        }
        #expect(throws: ApptainerInvocationError.relativePath(what: "rootfs", path: "images/el9")) {
            try ApptainerInvocation(spec: Self.spec { $0.rootfs = "images/el9" }, apptainer: Self.apptainer, seccomp: nil)
        }
        #expect(throws: ApptainerInvocationError.invalidEnvironmentName("A-B")) {
            try ApptainerInvocation(spec: Self.spec { $0.environment = [EnvironmentVariable(name: "A-B", value: "")] },
                                    apptainer: Self.apptainer, seccomp: nil)
        }
        #expect(throws: ApptainerInvocationError.invalidEnvironmentName("1A")) {
            try ApptainerInvocation(spec: Self.spec { $0.environment = [EnvironmentVariable(name: "1A", value: "")] },
                                    apptainer: Self.apptainer, seccomp: nil)
        }
        #expect(throws: ApptainerInvocationError.reservedEnvironmentName("APPEND_PATH")) {
            try ApptainerInvocation(spec: Self.spec { $0.environment = [EnvironmentVariable(name: "APPEND_PATH", value: "/x")] },
                                    apptainer: Self.apptainer, seccomp: nil)
        }
        #expect(throws: ApptainerInvocationError.unrepresentableValue(name: "HOME", reason: "--home takes an absolute path without ':'")) {
            try ApptainerInvocation(spec: Self.spec { $0.environment = [EnvironmentVariable(name: "HOME", value: "/a:b")] },
                                    apptainer: Self.apptainer, seccomp: nil)
        }
    }
}
