import Foundation
import Testing

/// The image built once for the suite by scripts/build-image.sh from the static binary.
enum PilotImage {
    /// Why the image tests cannot run here, or nil.
    static let unavailable: String? = DeploymentKit.staticPilot == nil
        ? "needs the static pilot: dist/pilot from scripts/build-static.sh (or PILOT_BINARY=dist/pilot)" : nil

    /// The scratch directory holding the archive (kept for the process's life).
    static let directory = NSTemporaryDirectory() + "pilot-image-\(getpid())"

    /// The archive and its manifest digest, as build-image.sh printed them.
    static let built: (archive: String, digest: String, output: LocalCommand.Result)? = {
        guard let pilot = DeploymentKit.staticPilot else { return nil }
        let archive = directory + "/pilot.oci.tar"
        guard let result = try? LocalCommand.run([DeploymentKit.path("scripts/build-image.sh"), "--pilot", pilot, "--output", archive]) else { return nil }
        let lines = result.stdout.split(separator: "\n").map(String.init)
        atexit { try? FileManager.default.removeItem(atPath: PilotImage.directory) }
        return (archive, lines.last ?? "", result)
    }()

    /// The archive unpacked (tar) into `directory/layout`, once.
    static let layout: String = {
        let path = directory + "/layout"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if let archive = built?.archive { _ = try? LocalCommand.run(["tar", "-C", path, "-xf", archive]) }
        return path
    }()

    /// A blob of the layout by digest (`sha256:…`).
    static func blob(_ digest: String) -> String { layout + "/blobs/sha256/" + digest.replacingOccurrences(of: "sha256:", with: "") }

    /// The SHA-256 of a file, as sha256sum prints it.
    static func sha256(_ file: String) throws -> String {
        String(try LocalCommand.run(["sha256sum", file]).stdout.prefix(64))
    }
}

/// scripts/build-image.sh and container/Containerfile: the final image assembled without a Docker
/// engine, checked as a layout (digests, sizes, reproducibility), against the Containerfile's
/// final stage, and run: by the pilot's own runtime, and as a pod in miniature.
@Suite("container image", .enabled(if: PilotImage.unavailable == nil, "\(PilotImage.unavailable ?? "")"))
struct ContainerImageTests {
    @Test("build-image.sh writes an OCI layout whose every digest and size holds, the same bytes every time")
    func layout() throws {
        let built = try #require(PilotImage.built)
        #expect(built.output.status == 0, "\(built.output.stderr)")
        let index = try DeploymentKit.jsonObject(file: PilotImage.layout + "/index.json")
        #expect(try DeploymentKit.jsonObject(file: PilotImage.layout + "/oci-layout")["imageLayoutVersion"] as? String == "1.0.0")
        let descriptor = try #require((index["manifests"] as? [[String: Any]])?.first)
        #expect(descriptor["digest"] as? String == built.digest)
        // Every blob is named by its own SHA-256 and has the size its descriptor says.
        func check(_ descriptor: [String: Any]) throws -> String {
            let digest = try #require(descriptor["digest"] as? String)
            let file = PilotImage.blob(digest)
            #expect("sha256:" + (try PilotImage.sha256(file)) == digest)
            let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int
            #expect(size == descriptor["size"] as? Int, "\(digest)")
            return file
        }
        let manifest = try DeploymentKit.jsonObject(file: try check(descriptor))
        let config = try DeploymentKit.jsonObject(file: try check(try #require(manifest["config"] as? [String: Any])))
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.count == 1 && layers[0]["mediaType"] as? String == "application/vnd.oci.image.layer.v1.tar+gzip")
        let layer = try check(layers[0])
        // diff_id is the SHA-256 of the uncompressed layer.
        let scratch = try ScratchDirectory("image-layer")
        _ = try LocalCommand.run(["sh", "-c", "gzip -dc '\(layer)' > '\(scratch("layer.tar"))'"])
        let diffIDs = (config["rootfs"] as? [String: Any])?["diff_ids"] as? [String]
        #expect(diffIDs == ["sha256:" + (try PilotImage.sha256(scratch("layer.tar")))])

        let again = try LocalCommand.run([DeploymentKit.path("scripts/build-image.sh"), "--pilot", DeploymentKit.staticPilot!,
                                          "--output", scratch("again.tar")])
        #expect(again.status == 0)
        #expect(try PilotImage.sha256(scratch("again.tar")) == (try PilotImage.sha256(built.archive)), "not reproducible")
    }

    @Test("the file tree: the binary, the CA bundle, passwd, the mount points; nothing else")
    func fileTree() throws {
        let manifest = try DeploymentKit.jsonObject(file: PilotImage.blob(try #require(PilotImage.built).digest))
        let layer = PilotImage.blob(try #require((manifest["layers"] as? [[String: Any]])?.first?["digest"] as? String))
        let listing = try LocalCommand.run(["tar", "-tvzf", layer, "--numeric-owner"]).stdout.split(separator: "\n")
        var modes: [String: String] = [:]
        for line in listing {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = fields.last, let mode = fields.first else { continue }
            #expect(fields[1] == "0/0", "\(line)")
            modes[String(name).trimmingCharacters(in: CharacterSet(charactersIn: "/"))] = String(mode)
        }
        let files = Set(modes.filter { $0.value.hasPrefix("-") }.keys)
        #expect(files == ["usr/local/bin/pilot", "etc/ssl/certs/ca-certificates.crt", "etc/passwd", "etc/group", "etc/nsswitch.conf"])
        #expect(modes["usr/local/bin/pilot"] == "-rwxr-xr-x")
        for point in ["cvmfs", "etc/pilot", "etc/panda-auth", "run/pilot-notice"] { #expect(modes[point]?.hasPrefix("d") == true, "\(point)") }
        for sticky in ["tmp", "pilot", "var/spool/apel/outgoing"] { #expect(modes[sticky] == "drwxrwxrwt", "\(sticky)") }
    }

    @Test("its config is the Containerfile's final stage: entrypoint pilot run, user, work dir, stop signal, PATH")
    func matchesContainerfile() throws {
        let text = try String(contentsOfFile: DeploymentKit.path("container/Containerfile"), encoding: .utf8)
        let stages = text.components(separatedBy: "\nFROM ")
        #expect(stages.count == 4, "build, rootfs, final")
        let final = try #require(stages.last)
        #expect(final.hasPrefix("scratch\n"))
        var instructions: [String: String] = [:]
        for line in final.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix(" ") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { instructions[String(parts[0])] = String(parts[1]) }
        }
        #expect(instructions["COPY"] == "--from=rootfs /rootfs/ /", "the final stage is make-rootfs.sh's tree alone")
        #expect(text.contains("RUN /staging/make-rootfs.sh /rootfs"))

        let manifest = try DeploymentKit.jsonObject(file: PilotImage.blob(try #require(PilotImage.built).digest))
        let configFile = PilotImage.blob(try #require((manifest["config"] as? [String: Any])?["digest"] as? String))
        let config = try #require(try DeploymentKit.jsonObject(file: configFile)["config"] as? [String: Any])
        let entrypointText = try #require(instructions["ENTRYPOINT"])
        let entrypoint = try #require(try DeploymentKit.json(entrypointText) as? [String])
        #expect(entrypoint == ["/usr/local/bin/pilot", "run"])
        #expect(config["Entrypoint"] as? [String] == entrypoint)
        #expect(config["Cmd"] == nil)
        #expect(config["User"] as? String == instructions["USER"])
        #expect(config["WorkingDir"] as? String == instructions["WORKDIR"])
        #expect(config["StopSignal"] as? String == instructions["STOPSIGNAL"])
        let env = try #require(instructions["ENV"])
        #expect(config["Env"] as? [String] == [env])
    }

    @Test("build-image.sh refuses a dynamically linked pilot: the image has no libraries")
    func refusesDynamic() throws {
        guard !DeploymentKit.isStatic(PilotBinary.path) else { return }  // the static pass has no dynamic build at hand
        let scratch = try ScratchDirectory("image-dynamic")
        let result = try LocalCommand.run([DeploymentKit.path("scripts/build-image.sh"), "--pilot", PilotBinary.path, "--output", scratch("x.tar")])
        #expect(result.status != 0 && result.stderr.contains("dynamically linked"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch("x.tar")))
    }

    @Test("the pilot's own runtime runs the image: the static pilot starts in it and describes the node",
          .enabled(if: BusyboxImage.unavailable == nil, "needs root for the builtin runtime"))
    func runsInThePilotsRuntime() throws {
        let built = try #require(PilotImage.built)
        let cache = try ScratchDirectory("image-cache")
        let version = try PilotBinary.run(["exec", "--runtime", "builtin", "--image", built.archive, "--image-cache", cache.path,
                                           "--", "/usr/local/bin/pilot", "version"])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.stdout.hasPrefix("pilot ") && version.stdout.contains(", static)"), "\(version.stdout)")
        let detect = try PilotBinary.run(["exec", "--runtime", "builtin", "--image", built.archive, "--image-cache", cache.path,
                                          "--env", "PILOT_CVMFS_REPOS=", "--", "/usr/local/bin/pilot", "detect", "--json"])
        #expect(detect.status == 0, "\(detect.stderr)")
        let node = try DeploymentKit.json(detect.stdout) as? [String: Any]
        #expect(node?["arch"] as? String == HostMachine.machine)
    }

    @Test("a pod in miniature: under the pod's seccomp profile, the image's pilot as uid 1000 runs a nested payload",
          .enabled(if: BusyboxImage.unavailable == nil && DeploymentKit.hasPythonSeccomp, "needs root, busybox-static and python3-seccomp"))
    func podInMiniature() throws {
        let built = try #require(PilotImage.built)
        let cache = try ScratchDirectory("image-cache-pod")
        // The outer pilot plays the container runtime (runc): the image, uid 1000, no filter of its
        // own, so the inner pilot meets only the pod's Localhost profile, as in a pod.
        let result = try LocalCommand.run([
            LocalCommand.python, LocalCommand.script("oci-seccomp.py"), "exec", DeploymentKit.seccompProfile,
            PilotBinary.path, "exec", "--runtime", "builtin", "--image", built.archive, "--image-cache", cache.path,
            "--user", "1000:1000", "--seccomp", "none", "--bind", BusyboxImage.path + ":/images/busybox:ro", "--",
            "/usr/local/bin/pilot", "exec", "--runtime", "builtin", "--image", "/images/busybox", "--",
            "/bin/sh", "-c", "echo nested payload as $(id -u)",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("nested payload as 1000"), "\(result.stdout)")
    }
}

/// This machine's architecture as `pilot detect` names it.
enum HostMachine {
    static let machine: String = {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()
}
