#if canImport(Glibc)
import Glibc
#endif
import Payload

/// Turns a PanDA job into the container its payload runs in: the image from `container_name`,
/// the job's directory at `/srv`, CVMFS read-only, a clean environment with the job's identity,
/// and `transformation jobPars` run by `/bin/sh`.
struct PayloadSpecBuilder: Sendable {
    /// Where CVMFS is mounted on this node.
    var cvmfsRoot: String
    /// The image for jobs that name none.
    var defaultImage: String?

    /// Why a job's payload cannot be given a container.
    enum Failure: Error, CustomStringConvertible, Equatable {
        case noImage
        case imageNotFound(String, looked: String)

        var description: String {
            switch self {
            case .noImage: "the job names no container image and run.payload_image is not set"
            case let .imageNotFound(name, looked): "container image \(name) not found (looked for \(looked))"
            }
        }
    }

    /// The spec for `job`, whose directory is `jobDirectory`.
    func spec(for job: JobDescription, jobDirectory: String) throws(Failure) -> ContainerSpec {
        var binds = [Bind(source: jobDirectory, destination: "/srv", readOnly: false)]
        if Self.isDirectory(cvmfsRoot) { binds.append(Bind(source: cvmfsRoot, destination: "/cvmfs", readOnly: true)) }
        let environment: [EnvironmentVariable] = [
            .init(name: "PATH", value: ContainerSpec.defaultPath), .init(name: "HOME", value: "/srv"),
            .init(name: "TMPDIR", value: "/srv"), .init(name: "PandaID", value: String(job.pandaID)),
            .init(name: "PanDA_TaskID", value: job.taskID.map(String.init) ?? ""),
            .init(name: "PanDA_AttemptNr", value: String(job.attemptNr)),
            .init(name: "ATHENA_CORE_NUMBER", value: String(job.coreCount)),
            .init(name: "ATHENA_PROC_NUMBER", value: String(job.coreCount)),
        ]
        let command = job.jobParameters.isEmpty ? job.transformation : job.transformation + " " + job.jobParameters
        return ContainerSpec(
            rootfs: try image(for: job), binds: binds, environment: environment, workingDirectory: "/srv",
            command: ["/bin/sh", "-c", command], hostname: "panda-\(job.pandaID)")
    }

    /// `container_name` as an image path: a path as is; `docker://REGISTRY/NAME:TAG` (or a bare
    /// `NAME:TAG`) as the unpacked copy CVMFS keeps under unpacked.cern.ch, as ATLAS sites use it.
    func image(for job: JobDescription) throws(Failure) -> String {
        guard let name = job.containerName, !name.isEmpty, name != "NULL" else {
            guard let defaultImage else { throw .noImage }
            return defaultImage
        }
        if name.hasPrefix("/") { return name }
        var reference = name.hasPrefix("docker://") ? String(name.dropFirst("docker://".count)) : name
        let first = reference.split(separator: "/").first.map(String.init) ?? ""
        if !(first.contains(".") || first.contains(":")) { reference = "registry.hub.docker.com/" + reference }
        let unpacked = "\(cvmfsRoot)/unpacked.cern.ch/\(reference)"
        guard Self.isDirectory(unpacked) else { throw .imageNotFound(name, looked: unpacked) }
        return unpacked
    }

    /// The CVMFS repositories a job needs: the one its image lives in, and the one its release
    /// comes from (ATLAS releases, `swRelease` `Atlas-…`, live on atlas.cern.ch).
    func repositories(for job: JobDescription, image: String) -> [String] {
        var names: [String] = []
        if let name = repository(of: image) { names.append(name) }
        if let release = job.swRelease, release.hasPrefix("Atlas"), !names.contains("atlas.cern.ch") { names.append("atlas.cern.ch") }
        return names
    }

    /// The CVMFS repository an image lives in (`/cvmfs/unpacked.cern.ch/...` -> `unpacked.cern.ch`),
    /// which must be healthy before the payload starts; nil for an image elsewhere.
    func repository(of image: String) -> String? {
        let root = cvmfsRoot.hasSuffix("/") ? String(cvmfsRoot.dropLast()) : cvmfsRoot
        guard image.hasPrefix(root + "/") else { return nil }
        return image.dropFirst(root.count + 1).split(separator: "/").first.map(String.init)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
