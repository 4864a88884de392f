import Foundation
import Payload
import Testing
@testable import Pilot

/// What the end-to-end apptainer tests need: the stand-in script (Scripts/apptainer), bwrap
/// that can create namespaces, and busybox-static for the image.
enum ApptainerStandIn {
    /// Why the stand-in cannot run here; nil when it can.
    static let skipReason: String? = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") else { return "needs bwrap (apt-get install bubblewrap)" }
        guard FileManager.default.isExecutableFile(atPath: "/bin/busybox") else { return "needs /bin/busybox (apt-get install busybox-static)" }
        var probe = ["/usr/bin/bwrap", "--ro-bind", "/", "/", "--unshare-pid", "/bin/true"]
        if getuid() != 0 { probe.insert("--unshare-user", at: 1) }
        guard let result = try? ChildProcess.run(probe, environment: ["PATH": "/usr/bin:/bin"]), result.status == 0 else {
            return "bwrap cannot create namespaces here (run as root, or allow unprivileged user namespaces)"
        }
        return nil
    }()

    /// True when the end-to-end tests can run.
    static var isUsable: Bool { skipReason == nil }

    /// The environment the apptainer process gets: bash and bwrap are in /usr/bin.
    static let processEnvironment = ["PATH": "/usr/bin:/bin"]

    /// The stand-in found through `ApptainerLocator` and its `--version`, as the pilot would.
    static func installation() async throws -> ApptainerInstallation {
        let locator = ApptainerLocator(searchPath: PayloadScripts.directory, cvmfsRoot: "/nonexistent")
        let binary = try #require(locator.locate().first)
        return try await ApptainerLocator.version(of: binary, runner: DeadlineHelperRunner(), timeout: .seconds(10), searchPath: "/usr/bin:/bin")
    }

    /// Builds a busybox image at `directory` with Scripts/make-busybox-rootfs.sh.
    static func makeImage(at directory: String) throws {
        let result = try ChildProcess.run(
            ["/bin/bash", PayloadScripts.directory + "/make-busybox-rootfs.sh", directory], environment: processEnvironment)
        guard result.status == 0 else { throw ImageError(message: result.stderr) }
    }

    /// make-busybox-rootfs.sh failed.
    struct ImageError: Error, CustomStringConvertible {
        var message: String
        var description: String { "make-busybox-rootfs.sh failed: \(message)" }
    }

    /// Runs an invocation with its environment only, as the pilot will.
    static func run(_ invocation: ApptainerInvocation) throws -> ChildProcess.Result {
        try ChildProcess.run(invocation.argv, environment: invocation.environment)
    }
}

/// Whether `pilot __seccomp-exec` works, which the seccomp path of the apptainer backend needs.
enum SeccompExecMode {
    /// A BPF program that allows everything: `ret SECCOMP_RET_ALLOW`.
    static let allowAll: [UInt8] = instruction(code: 0x06, k: 0x7fff_0000)

    /// On x86_64: mkdir and mkdirat fail with EPERM, everything else is allowed.
    static let denyMkdir: [UInt8] = [
        instruction(code: 0x20, k: 4),                            // A = arch
        instruction(code: 0x15, jt: 0, jf: 4, k: 0xC000_003E),     // not x86_64: allow
        instruction(code: 0x20, k: 0),                            // A = syscall number
        instruction(code: 0x15, jt: 1, jf: 0, k: 83),              // mkdir
        instruction(code: 0x15, jt: 0, jf: 1, k: 258),             // mkdirat
        instruction(code: 0x06, k: 0x0005_0001),                   // SECCOMP_RET_ERRNO | EPERM
        instruction(code: 0x06, k: 0x7fff_0000),                   // SECCOMP_RET_ALLOW
    ].flatMap { $0 }

    /// One `struct sock_filter` (code, jt, jf, k), little-endian.
    static func instruction(code: UInt16, jt: UInt8 = 0, jf: UInt8 = 0, k: UInt32) -> [UInt8] {
        [UInt8(code & 0xff), UInt8(code >> 8), jt, jf] + (0..<4).map { UInt8((k >> (8 * $0)) & 0xff) }
    }

    /// Why the seccomp end-to-end test cannot run; nil when it can.
    static let skipReason: String? = {
        #if !arch(x86_64)
        return "the test's hand-written filter is for x86_64"
        #else
        let pilot = PilotBinary.path
        guard FileManager.default.isExecutableFile(atPath: pilot) else { return "no pilot binary at \(pilot)" }
        let bpf = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-allow-\(UUID().uuidString).bpf")
        defer { try? FileManager.default.removeItem(at: bpf) }
        guard (try? Data(allowAll).write(to: bpf)) != nil,
              let result = try? ChildProcess.run([pilot, "__seccomp-exec", bpf.path, "/bin/true"], environment: ["PATH": "/usr/bin:/bin"])
        else { return "cannot run \(pilot)" }
        if result.status != 0 {
            let said = (result.stderr + result.stdout).split(separator: "\n").first.map(String.init) ?? "exit \(result.status)"
            if said.contains("not built yet") { return "pilot __seccomp-exec is not built yet (\(said))" }
            if said.contains("unexpected argument") { return "pilot's main does not dispatch __seccomp-exec yet" }
            return "pilot __seccomp-exec does not work yet: \(said)"
        }
        if isDynamicallyLinked(pilot) {
            return "\(pilot) is dynamically linked and cannot run inside the busybox image; set PILOT_BINARY to the static build"
        }
        return nil
        #endif
    }()

    /// True when the ELF file has a PT_INTERP program header (it needs a dynamic loader).
    static func isDynamicallyLinked(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count > 64,
              data.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]), data[4] == 2 else { return true }
        func integer(_ offset: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(data[offset + $1]) << (8 * $1) }
        }
        let table = integer(32, 8), entrySize = integer(54, 2), count = integer(56, 2)
        for i in 0..<count where table + i * entrySize + 4 <= data.count {
            if integer(table + i * entrySize, 4) == 3 { return true }  // PT_INTERP
        }
        return false
    }
}
