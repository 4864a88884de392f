/// Mounts a missing repository with the node's own means: the CVMFS client's `mount.cvmfs`
/// helper (what `mount -t cvmfs REPO DIR` runs), or a configured command such as cvmfsexec's
/// `mountrepo`, called as `<command> REPO DIR`.
struct CVMFSMounter: Sendable {
    /// The configured mount command (split on spaces); nil looks for `mount.cvmfs`.
    var command: String?
    /// The pilot's environment: PATH for the helper lookup.
    var environment: [String: String]
    /// How long creating the directory and mounting may take.
    var timeout: Duration

    /// Why a repository could not be mounted.
    enum MountError: Error, CustomStringConvertible, Equatable {
        /// Neither `mount.cvmfs` nor a configured command exists.
        case noMountHelper
        /// The helper ran and failed.
        case helperFailed(command: String, status: String, message: String)

        var description: String {
            switch self {
            case .noMountHelper:
                "no mount.cvmfs on this node (CVMFS client not installed) and no cvmfs_mount_command configured"
            case .helperFailed(let command, let status, let message):
                "\(command) \(status)" + (message.isEmpty ? "" : ": \(message)")
            }
        }
    }

    /// What the helper sees of the pilot's environment: enough to run, none of the pilot's tokens.
    static func helperEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in ["PATH", "HOME", "LANG", "LC_ALL"].contains(name) || name.hasPrefix("CVMFS_") }
    }

    /// Creates `directory` and mounts `repository` on it; both steps in child processes, since
    /// `/cvmfs` itself may hang.
    func mount(_ repository: String, at directory: String) async throws(MountError) {
        var words = (command ?? "").split(separator: " ").map(String.init)
        if words.isEmpty {
            var search = environment
            search["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/sbin:/usr/sbin"
            guard let helper = DeadlineRunner.locate("mount.cvmfs", environment: search) else { throw .noMountHelper }
            words = [helper]
        } else if let located = DeadlineRunner.locate(words[0], environment: environment) {
            words[0] = located
        } else {
            throw .helperFailed(command: words[0], status: "not found", message: "")
        }
        if let mkdir = DeadlineRunner.locate("mkdir", environment: ["PATH": "/usr/bin:/bin"]) {
            _ = await DeadlineRunner(executable: mkdir, timeout: timeout, environment: [:], killGrace: nil)
                .run(["-p", directory])
        }
        let runner = DeadlineRunner(executable: words[0], timeout: timeout, environment: Self.helperEnvironment(environment))
        let name = words[0].split(separator: "/").last.map(String.init) ?? words[0]
        switch await runner.run(Array(words.dropFirst()) + [repository, directory]) {
        case .exited(0, _, _):
            return
        case .exited(let code, let output, let error):
            let message = (error + "\n" + output).split(separator: "\n").first.map { String($0) } ?? ""
            throw .helperFailed(command: name, status: "exited \(code)", message: message)
        case .signaled(let signal):
            throw .helperFailed(command: name, status: "killed by signal \(signal)", message: "")
        case .timedOut:
            throw .helperFailed(command: name, status: "did not finish in time", message: "")
        case .launchFailed(let message):
            throw .helperFailed(command: name, status: "could not start", message: message)
        }
    }
}
