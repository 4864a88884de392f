/// How the apptainer backend applies the payload's seccomp filter.
///
/// apptainer's own `--security seccomp:` takes only root-owned profiles, so instead the static
/// pilot binary is bound read-only into the container and the command becomes
/// `/.pilot/pilot __seccomp-exec /.pilot/seccomp.bpf CMD…`: that mode (C, in CContainerInit)
/// sets no_new_privs, loads the BPF program and execs the payload, all inside the container.
public struct SeccompExecWrapper: Sendable, Equatable {
    /// Where the pilot binary appears inside the container.
    public static let binaryDestination = "/.pilot/pilot"
    /// Where the BPF program appears inside the container.
    public static let filterDestination = "/.pilot/seccomp.bpf"
    /// The internal sub-command that loads the filter and execs the rest.
    public static let mode = "__seccomp-exec"

    /// Host path of a statically linked pilot (a dynamic one finds no libraries inside).
    public var pilotBinary: String
    /// Host path of the compiled filter: raw `struct sock_filter` instructions.
    public var filterFile: String

    /// A wrapper binding `pilotBinary` and `filterFile`.
    public init(pilotBinary: String, filterFile: String) {
        self.pilotBinary = pilotBinary
        self.filterFile = filterFile
    }

    /// The two read-only binds the wrapper needs.
    public var binds: [Bind] {
        [
            Bind(source: pilotBinary, destination: Self.binaryDestination, readOnly: true),
            Bind(source: filterFile, destination: Self.filterDestination, readOnly: true),
        ]
    }

    /// What goes before the payload's command.
    public var commandPrefix: [String] { [Self.binaryDestination, Self.mode, Self.filterDestination] }
}
